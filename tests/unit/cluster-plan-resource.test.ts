/**
 * The ClusterFormation dynamic resource under `pulumi.runtime.setMocks`: constructing it serializes the
 * provider the way a real deployment does, registers the inputs (deep Outputs resolved, password secret),
 * and exposes the outputs.
 */
import type * as PulumiModule from "@pulumi/pulumi";
import type * as FormationModule from "../../components/cluster/formation";
import { testSpec } from "./cluster-plan-fixtures";
import { isWireSecret, unwrapSecret } from "./support/mock-stack";

it("registers a dynamic resource with the serialized provider, resolved node inputs and a secret password", async () => {
    const registered: Array<{ type: string; name: string; inputs: Record<string, any> }> = [];
    let pulumi!: typeof PulumiModule;
    let formation!: typeof FormationModule;
    jest.isolateModules(() => {
        pulumi = require("@pulumi/pulumi");
        pulumi.runtime.setMocks(
            {
                newResource(args) {
                    registered.push({ type: args.type, name: args.name, inputs: args.inputs });
                    return { id: "cluster-redis-ha-test", state: { ...args.inputs, clusterState: "ok", nodeStatus: [] } };
                },
                call() {
                    throw new Error("no invokes expected");
                },
            },
            "redis-ha",
            "test",
            false,
        );
        formation = require("../../components/cluster/formation");
    });
    const nodes = testSpec().nodes.map((n) => ({
        ...n,
        // As the Docker wiring will pass them: a container's IP and id arrive as Outputs.
        meet: { ...n.meet, host: pulumi.output(Promise.resolve(`172.18.0.${10 + n.shard}`)) },
        revision: pulumi.output(`container-${n.name}`),
    }));
    const resource = new formation.ClusterFormation("cluster", {
        clusterName: "redis-ha-test",
        nodes,
        password: pulumi.secret("s3cret"),
        nodeTimeoutMs: 5000,
        timeoutMs: 60000,
    });
    const state = await new Promise((resolve) => resource.clusterState.apply(resolve));
    expect(state).toBe("ok");
    expect(registered).toHaveLength(1);
    const [r] = registered;
    expect(r.type).toBe("pulumi-nodejs:dynamic/redis-ha:ClusterFormation");
    expect(typeof r.inputs.__provider).toBe("string");
    expect(r.inputs.__provider).toMatch(/exports\.handler/);
    expect(r.inputs.nodes[0]).toMatchObject({
        name: "node-0",
        meet: { host: "172.18.0.10", port: 7000, busPort: 17000 },
        revision: "container-node-0",
    });
    expect(r.inputs.nodeTimeoutMs).toBe(5000);
    expect(isWireSecret(r.inputs.password)).toBe(true);
    expect(unwrapSecret(r.inputs.password)).toBe("s3cret");
});

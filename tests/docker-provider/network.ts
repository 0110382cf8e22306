/** docker:index/network:Network -> POST /networks/create. */
import type Docker from "dockerode";
import type { WireObject } from "./wire";
import { dockerMessage, statusOf, type DockerHandler } from "./handler";
import { bool, fields, labelMap, listOf, objList, str, stringMap, type Shape } from "./input-shape";

export const NETWORK_TYPE = "docker:index/network:Network";

const shape: Shape = fields({
    name: "scalar",
    driver: "scalar",
    labels: listOf(fields({ label: "scalar", value: "scalar" })),
    attachable: "scalar",
    internal: "scalar",
    ipv6: "scalar",
    options: "stringMap",
    ipamDriver: "scalar",
    ipamOptions: "stringMap",
    ipamConfigs: listOf(fields({ subnet: "scalar", gateway: "scalar", ipRange: "scalar", auxAddress: "stringMap" })),
});

export function networkCreateOptions(label: string, inputs: WireObject, fallbackName: string): Docker.NetworkCreateOptions {
    const ipamConfigs = objList(inputs.ipamConfigs, `${label} ipamConfigs`).map((c, i) => ({
        Subnet: str(c.subnet, `ipamConfigs[${i}].subnet`),
        Gateway: str(c.gateway, `ipamConfigs[${i}].gateway`),
        IPRange: str(c.ipRange, `ipamConfigs[${i}].ipRange`),
        AuxiliaryAddresses: stringMap(c.auxAddress, `ipamConfigs[${i}].auxAddress`),
    }));
    return {
        Name: str(inputs.name, `${label} name`) ?? fallbackName,
        Driver: str(inputs.driver, `${label} driver`) ?? "bridge",
        CheckDuplicate: true,
        Labels: labelMap(inputs.labels, `${label} labels`),
        Attachable: bool(inputs.attachable, `${label} attachable`) ?? false,
        Internal: bool(inputs.internal, `${label} internal`) ?? false,
        EnableIPv6: bool(inputs.ipv6, `${label} ipv6`) ?? false,
        Options: stringMap(inputs.options, `${label} options`) ?? {},
        IPAM: {
            Driver: str(inputs.ipamDriver, `${label} ipamDriver`) ?? "default",
            Config: ipamConfigs,
            Options: stringMap(inputs.ipamOptions, `${label} ipamOptions`) ?? {},
        },
    };
}

async function inspectOutputs(docker: Docker, id: string, inputs: WireObject): Promise<WireObject> {
    const info = await docker.getNetwork(id).inspect();
    return {
        ...inputs,
        id: info.Id,
        name: info.Name,
        driver: info.Driver,
        scope: info.Scope,
        internal: info.Internal,
        attachable: info.Attachable,
        ipv6: info.EnableIPv6,
        options: info.Options ?? {},
        ipamDriver: info.IPAM?.Driver ?? "default",
        ipamConfigs: (info.IPAM?.Config ?? []).map((c: { Subnet?: string; Gateway?: string; IPRange?: string }) => ({
            subnet: c.Subnet ?? "",
            gateway: c.Gateway ?? "",
            ...(c.IPRange ? { ipRange: c.IPRange } : {}),
        })),
    };
}

export const networkHandler: DockerHandler = {
    type: NETWORK_TYPE,
    shape,
    setKeys: ["labels", "ipamConfigs"],
    inPlaceKeys: [],
    validate(label, inputs) {
        networkCreateOptions(label, inputs, "x");
    },
    async create(ctx, label, inputs, autoName) {
        const opts = networkCreateOptions(label, inputs, autoName);
        let created: { id: string };
        try {
            created = await ctx.docker.createNetwork(opts);
        } catch (err) {
            throw new Error(`${label}: creating network "${opts.Name}" failed: ${dockerMessage(err)}`);
        }
        return { id: created.id, outputs: await inspectOutputs(ctx.docker, created.id, inputs) };
    },
    async read(ctx, _label, recorded) {
        try {
            return await inspectOutputs(ctx.docker, recorded.id, recorded.inputs);
        } catch (err) {
            if (statusOf(err) === 404) return undefined;
            throw err;
        }
    },
    async update(_ctx, label) {
        throw new Error(`${label}: every network input is ForceNew; the engine should have replaced it`);
    },
    async delete(ctx, label, recorded) {
        try {
            await ctx.docker.getNetwork(recorded.id).remove();
        } catch (err) {
            if (statusOf(err) === 404) return;
            throw new Error(`${label}: removing network failed: ${dockerMessage(err)}`);
        }
    },
};

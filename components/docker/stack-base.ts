/** The per-stack Docker objects every topology shares (the image reference and the bridge network), and their labels. */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { NetworkMode } from "../settings";

export type NodeNetwork =
    /** A user-defined bridge network: peers resolve the node by container name; ports are published. */
    | { mode: "bridge"; networkName: pulumi.Input<string>; ipv4Address?: string }
    /** The host's network stack: the node listens on bindAddress:port directly. */
    | { mode: "host" };

export interface StackBaseArgs {
    namePrefix: string;
    image: string;
    stack: string;
    topology: string;
    network: { mode: NetworkMode };
    /** Bridge mode: a fixed subnet for the network (the cluster gives its nodes fixed IPs). Docker picks one if absent. */
    ipam?: { subnet: string; gateway: string };
}

export interface StackBase {
    imageId: pulumi.Output<string>;
    nodeNetwork: NodeNetwork;
}

/** Declares the image (kept locally on destroy: other stacks may use it) and, in bridge mode, the network. */
export function declareStackBase(name: string, args: StackBaseArgs, parent: pulumi.Resource): StackBase {
    const image = new docker.RemoteImage(`${name}-image`, { name: args.image, keepLocally: true }, { parent });
    if (args.network.mode === "host") {
        return { imageId: image.imageId, nodeNetwork: { mode: "host" } };
    }
    const network = new docker.Network(
        `${name}-network`,
        {
            name: `${args.namePrefix}-net`,
            driver: "bridge",
            labels: stackLabels(args.stack, args.topology),
            ...(args.ipam ? { ipamConfigs: [{ subnet: args.ipam.subnet, gateway: args.ipam.gateway }] } : {}),
        },
        { parent, deleteBeforeReplace: true },
    );
    return { imageId: image.imageId, nodeNetwork: { mode: "bridge", networkName: network.name } };
}

/** Docker labels every object of a stack carries, so humans and cleanup scripts can find them. */
export const LABEL_PREFIX = "redis-ha";

export function stackLabels(stack: string, topology: string, extra: Record<string, string> = {}): Array<{ label: string; value: string }> {
    const all: Record<string, string> = { [`${LABEL_PREFIX}.stack`]: stack, [`${LABEL_PREFIX}.topology`]: topology, ...extra };
    return Object.keys(all)
        .sort()
        .map((label) => ({ label, value: all[label] }));
}

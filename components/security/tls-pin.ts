/**
 * TlsFilesPin: the TLS files a node's container is created with, held still while the container stays.
 *
 * A data node's certificate, key and CA reach its container twice: uploaded when the container is created,
 * and written into the running container by its TlsReload (security/tls-reload.ts) when they are renewed.
 * The container must not see a renewal as a change of its inputs (the docker provider would replace it), so
 * its uploads take the files from this pin, which hands on new files only when the container's revision
 * (docker/redis-node.ts containerRevision: every input that replaces it) changes, i.e. when the container is
 * being replaced anyway. A renewal alone is no change of the pin: the engine keeps its outputs, the
 * container's inputs stay what they were, and TlsReload carries the new files in.
 *
 * Why not `ignoreChanges` on the uploads' content: the engine then keeps the content recorded in the state
 * for every later step of the resource, a replacement included, so a container replaced for another reason
 * (a new image, a config change) a year on would start from the files of its first creation, expired by
 * then, and fail its TLS healthcheck. The pin gives a replaced container the current files.
 *
 * Pure: no I/O, nothing but its inputs.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ResourceArgs } from "../shared/dynamic";

export interface TlsFilesPinInputs {
    /** Logical node name, for the id. */
    name: string;
    /** The container's revision: a new one hands the current files on. */
    revision: string;
    /** Path in the container -> current content (the key's secret). */
    files: Record<string, string>;
}

export interface TlsFilesPinOutputs extends TlsFilesPinInputs {
    /** The files the container is created with: `files` as they were at the revision's first `up`. */
    pinned: Record<string, string>;
}

export const tlsFilesPinProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: TlsFilesPinInputs): Promise<pulumi.dynamic.CreateResult> {
        return { id: `${inputs.name}-tls-pin`, outs: { ...inputs, pinned: inputs.files } };
    },
    async diff(_id: string, olds: TlsFilesPinOutputs, news: TlsFilesPinInputs): Promise<pulumi.dynamic.DiffResult> {
        // Only the revision counts (in a preview an unknown revision differs too: the container may be replaced).
        return { changes: olds.revision !== news.revision };
    },
    async update(_id: string, _olds: TlsFilesPinOutputs, news: TlsFilesPinInputs): Promise<pulumi.dynamic.UpdateResult> {
        return { outs: { ...news, pinned: news.files } };
    },
};

export class TlsFilesPin extends pulumi.dynamic.Resource {
    /** Secret (the key is among them). */
    declare readonly pinned: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: ResourceArgs<TlsFilesPinInputs>, opts?: pulumi.CustomResourceOptions) {
        super(
            tlsFilesPinProvider,
            name,
            { ...args, pinned: undefined },
            { ...opts, additionalSecretOutputs: ["files", "pinned"] },
            "redis-ha",
            "TlsFilesPin",
        );
    }
}

/**
 * docker:index/remoteImage:RemoteImage. There is no registry here, so nothing is pulled: the image must
 * already be present locally, and its local id becomes `imageId` exactly as after a real pull.
 */
import type Docker from "dockerode";
import type { WireObject } from "./wire";
import { dockerMessage, statusOf, type DockerHandler } from "./handler";
import { bool, fields, str, type Shape } from "./input-shape";

export const REMOTE_IMAGE_TYPE = "docker:index/remoteImage:RemoteImage";

const shape: Shape = fields({ name: "scalar", keepLocally: "scalar", forceRemove: "scalar" });

function imageName(label: string, inputs: WireObject): string {
    const name = str(inputs.name, `${label} name`);
    if (!name) throw new Error(`${label}: input "name" is required`);
    return name;
}

async function describe(docker: Docker, label: string, name: string): Promise<{ imageId: string; repoDigest: string }> {
    try {
        const info = await docker.getImage(name).inspect();
        return { imageId: info.Id, repoDigest: info.RepoDigests?.[0] ?? "" };
    } catch (err) {
        if (statusOf(err) === 404) {
            throw new Error(`${label}: image ${name} is not present locally (no registry here; build it with npm run image:local)`);
        }
        throw new Error(`${label}: inspecting image ${name} failed: ${dockerMessage(err)}`);
    }
}

export const remoteImageHandler: DockerHandler = {
    type: REMOTE_IMAGE_TYPE,
    shape,
    setKeys: [],
    // Only steer what destroy does with the local image; `name` (and everything else) is ForceNew.
    inPlaceKeys: ["keepLocally", "forceRemove"],
    validate(label, inputs) {
        imageName(label, inputs);
        bool(inputs.keepLocally, `${label} keepLocally`);
        bool(inputs.forceRemove, `${label} forceRemove`);
    },
    async create(ctx, label, inputs) {
        const name = imageName(label, inputs);
        const { imageId, repoDigest } = await describe(ctx.docker, label, name);
        // The provider's resource id is "<image id><name>".
        return { id: `${imageId}${name}`, outputs: { ...inputs, name, imageId, repoDigest } };
    },
    async read(ctx, label, recorded) {
        // A rebuilt local image (new id under the same name) shows up here, as a refresh would show it.
        const name = imageName(label, recorded.inputs);
        const { imageId, repoDigest } = await describe(ctx.docker, label, name);
        return { ...recorded.outputs, imageId, repoDigest };
    },
    async update(_ctx, _label, recorded, inputs) {
        return { ...recorded.outputs, ...inputs };
    },
    async delete(ctx, label, recorded) {
        if (recorded.inputs.keepLocally === true) return;
        const name = imageName(label, recorded.inputs);
        try {
            await ctx.docker.getImage(name).remove({ force: recorded.inputs.forceRemove === true });
            ctx.log(`${label}: removed local image ${name} (keepLocally is not set)`);
        } catch (err) {
            if (statusOf(err) === 404) return;
            throw new Error(`${label}: removing image ${name} failed: ${dockerMessage(err)}`);
        }
    },
};

/** docker:index/volume:Volume -> POST /volumes/create. */
import type { WireObject } from "./wire";
import { dockerMessage, statusOf, type DockerHandler } from "./handler";
import { fields, labelMap, listOf, str, stringMap, type Shape } from "./input-shape";

export const VOLUME_TYPE = "docker:index/volume:Volume";

const shape: Shape = fields({
    name: "scalar",
    driver: "scalar",
    driverOpts: "stringMap",
    labels: listOf(fields({ label: "scalar", value: "scalar" })),
});

export interface VolumeCreateSpec {
    Name: string;
    Driver: string;
    DriverOpts: Record<string, string>;
    Labels: Record<string, string>;
}

export function volumeCreateOptions(label: string, inputs: WireObject, fallbackName: string): VolumeCreateSpec {
    return {
        Name: str(inputs.name, `${label} name`) ?? fallbackName,
        Driver: str(inputs.driver, `${label} driver`) ?? "local",
        DriverOpts: stringMap(inputs.driverOpts, `${label} driverOpts`) ?? {},
        Labels: labelMap(inputs.labels, `${label} labels`),
    };
}

export const volumeHandler: DockerHandler = {
    type: VOLUME_TYPE,
    shape,
    setKeys: ["labels"],
    inPlaceKeys: [],
    validate(label, inputs) {
        volumeCreateOptions(label, inputs, "x");
    },
    async create(ctx, label, inputs, autoName) {
        const spec = volumeCreateOptions(label, inputs, autoName);
        // Docker's volume create is idempotent by name: an existing volume would be silently adopted (and
        // later deleted by destroy), so refuse instead, like a provider that owns what it creates.
        try {
            await ctx.docker.getVolume(spec.Name).inspect();
            throw new Error(`${label}: volume "${spec.Name}" already exists outside this stack's state; remove it or rename`);
        } catch (err) {
            if (statusOf(err) !== 404) throw err;
        }
        let info: { Name: string; Driver: string; Mountpoint: string };
        try {
            await ctx.docker.createVolume(spec);
            info = await ctx.docker.getVolume(spec.Name).inspect();
        } catch (err) {
            throw new Error(`${label}: creating volume "${spec.Name}" failed: ${dockerMessage(err)}`);
        }
        return {
            id: info.Name,
            outputs: { ...inputs, name: info.Name, driver: info.Driver, driverOpts: spec.DriverOpts, mountpoint: info.Mountpoint },
        };
    },
    async read(ctx, _label, recorded) {
        try {
            const info = await ctx.docker.getVolume(recorded.id).inspect();
            return { ...recorded.outputs, name: info.Name, driver: info.Driver, mountpoint: info.Mountpoint };
        } catch (err) {
            if (statusOf(err) === 404) return undefined;
            throw err;
        }
    },
    async update(_ctx, label) {
        throw new Error(`${label}: every volume input is ForceNew; the engine should have replaced it`);
    },
    async delete(ctx, label, recorded) {
        try {
            await ctx.docker.getVolume(recorded.id).remove();
        } catch (err) {
            if (statusOf(err) === 404) return;
            throw new Error(`${label}: removing volume "${recorded.id}" failed: ${dockerMessage(err)}`);
        }
    },
};

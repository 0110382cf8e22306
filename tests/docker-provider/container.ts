/**
 * docker:index/container:Container against the Docker Engine: create, join networks, upload files
 * (before start, like the provider), start, and with `wait` poll the health status until healthy.
 */
import type Docker from "dockerode";
import { pollUntil } from "../../components/shared/poll";
import type { Wire, WireObject } from "./wire";
import { CONTAINER_IN_PLACE_KEYS, CONTAINER_SET_KEYS, CONTAINER_TYPE, containerPlan, containerShape, stopSeconds } from "./container-spec";
import { dockerMessage, statusOf, type DockerContext, type DockerHandler } from "./handler";
import { buildTar } from "./tar";

/** Non-TTY container logs come as frames: 8-byte header (stream, 0, 0, 0, big-endian size) + payload. */
export function demuxLogs(buf: Buffer): string {
    let out = "";
    let i = 0;
    while (i + 8 <= buf.length && buf[i] <= 2 && buf[i + 1] === 0) {
        const size = buf.readUInt32BE(i + 4);
        out += buf.subarray(i + 8, i + 8 + size).toString("utf8");
        i += 8 + size;
    }
    return i === 0 ? buf.toString("utf8") : out;
}

async function logsTail(container: Docker.Container, lines: number): Promise<string> {
    try {
        const buf = (await container.logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
        return demuxLogs(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf))).trimEnd();
    } catch (err) {
        return `(logs unavailable: ${dockerMessage(err)})`;
    }
}

interface HealthLog {
    ExitCode?: number;
    Output?: string;
}

function healthTail(info: Docker.ContainerInspectInfo, n: number): string {
    const log = ((info.State.Health as { Log?: HealthLog[] } | undefined)?.Log ?? []).slice(-n);
    return log.map((l) => `exit ${l.ExitCode}: ${(l.Output ?? "").trim()}`).join(" | ") || "no health check has run yet";
}

async function waitHealthy(container: Docker.Container, label: string, timeoutMs: number): Promise<void> {
    type Outcome = { healthy: true } | { healthy: false; why: string };
    let outcome: Outcome;
    try {
        outcome = await pollUntil<Outcome>(
            async () => {
                const info = await container.inspect();
                const health = info.State.Health as { Status?: string } | undefined;
                if (!health) return { done: true, value: { healthy: false, why: "wait is set but the container has no healthcheck" } };
                if (health.Status === "healthy") return { done: true, value: { healthy: true } };
                const stopped = !info.State.Running && !info.State.Restarting;
                if (stopped && info.HostConfig.RestartPolicy?.Name === "no") {
                    return { done: true, value: { healthy: false, why: `container exited with code ${info.State.ExitCode}` } };
                }
                return { done: false, observed: `health ${health.Status}; last checks: ${healthTail(info, 3)}` };
            },
            { timeoutMs, intervalMs: 50, description: `${label} to become healthy` },
        );
    } catch (err) {
        outcome = { healthy: false, why: (err as Error).message };
    }
    if (!outcome.healthy) {
        throw new Error(`${label}: ${outcome.why}\ncontainer log tail:\n${await logsTail(container, 20)}`);
    }
}

async function inspectOutputs(docker: Docker, id: string, inputs: WireObject): Promise<WireObject> {
    const info = await docker.getContainer(id).inspect();
    const networks = info.NetworkSettings.Networks ?? {};
    const networkDatas: Wire[] = Object.entries(networks).map(([networkName, n]) => ({
        networkName,
        ipAddress: n.IPAddress,
        ipPrefixLength: n.IPPrefixLen,
        gateway: n.Gateway,
        macAddress: n.MacAddress,
        globalIpv6Address: n.GlobalIPv6Address,
        globalIpv6PrefixLength: n.GlobalIPv6PrefixLen,
        ipv6Gateway: n.IPv6Gateway,
    }));
    // Published ports as Docker assigned them (an omitted `external` gets a random host port).
    const live = (info.NetworkSettings.Ports ?? {}) as Record<string, Array<{ HostIp: string; HostPort: string }> | null>;
    const ports: Wire[] = ((inputs.ports as WireObject[] | undefined) ?? []).map((p) => {
        const protocol = (p.protocol as string | undefined) ?? "tcp";
        const ip = (p.ip as string | undefined) ?? "0.0.0.0";
        const binding = (live[`${p.internal}/${protocol}`] ?? []).find((b) => b.HostIp === ip) ?? live[`${p.internal}/${protocol}`]?.[0];
        return { internal: p.internal, external: binding ? Number(binding.HostPort) : (p.external ?? null), ip, protocol };
    });
    return {
        restart: "no",
        start: true,
        mustRun: true,
        wait: false,
        waitTimeout: 60,
        removeVolumes: true,
        ...inputs,
        id: info.Id,
        name: info.Name.replace(/^\//, ""),
        hostname: info.Config.Hostname,
        command: info.Config.Cmd ?? [],
        entrypoints: (info.Config.Entrypoint as string[] | null) ?? [],
        networkMode: info.HostConfig.NetworkMode ?? "",
        logDriver: info.HostConfig.LogConfig?.Type ?? "",
        ports,
        networkDatas,
    };
}

async function startAndSettle(ctx: DockerContext, container: Docker.Container, label: string, inputs: WireObject, fallbackName: string) {
    const plan = containerPlan(label, inputs, fallbackName);
    try {
        await container.start();
    } catch (err) {
        throw new Error(`${label}: starting container "${plan.name}" failed: ${dockerMessage(err)}`);
    }
    if (plan.wait) {
        ctx.log(`${label}: waiting up to ${plan.waitTimeoutMs / 1000} s for healthy`);
        await waitHealthy(container, label, plan.waitTimeoutMs);
    }
}

export const containerHandler: DockerHandler = {
    type: CONTAINER_TYPE,
    shape: containerShape,
    setKeys: CONTAINER_SET_KEYS,
    inPlaceKeys: CONTAINER_IN_PLACE_KEYS,
    validate(label, inputs) {
        containerPlan(label, inputs, "x");
    },
    async create(ctx, label, inputs, autoName) {
        const plan = containerPlan(label, inputs, autoName);
        let container: Docker.Container;
        try {
            container = await ctx.docker.createContainer(plan.create);
        } catch (err) {
            throw new Error(`${label}: creating container "${plan.name}" failed: ${dockerMessage(err)}`);
        }
        try {
            for (const n of plan.extraNetworks) {
                await ctx.docker.getNetwork(n.name).connect({
                    Container: container.id,
                    EndpointConfig: { Aliases: n.aliases, ...(n.ipv4Address ? { IPAMConfig: { IPv4Address: n.ipv4Address } } : {}) },
                });
            }
            for (const batch of plan.uploads) {
                try {
                    await container.putArchive(buildTar(batch.entries), { path: batch.dir });
                } catch (err) {
                    throw new Error(`${label}: uploading ${batch.entries.map((e) => `/${e.name}`).join(", ")} failed: ${dockerMessage(err)}`);
                }
            }
            if (plan.start) await startAndSettle(ctx, container, label, inputs, autoName);
            return { id: container.id, outputs: await inspectOutputs(ctx.docker, container.id, inputs) };
        } catch (err) {
            // A half-made container would block the fixed name on the next run; the error carries its logs.
            await container.remove({ force: true, v: true }).catch(() => undefined);
            throw err;
        }
    },
    async read(ctx, _label, recorded) {
        try {
            return await inspectOutputs(ctx.docker, recorded.id, recorded.inputs);
        } catch (err) {
            if (statusOf(err) === 404) return undefined;
            throw err;
        }
    },
    async update(ctx, label, recorded, inputs) {
        // The real provider's update: `docker update` of the restart policy and memory limits; the other
        // in-place keys only steer the provider itself.
        const plan = containerPlan(label, inputs, String(recorded.outputs.name));
        const host = plan.create.HostConfig ?? {};
        try {
            await ctx.docker.getContainer(recorded.id).update({
                RestartPolicy: host.RestartPolicy,
                ...(host.Memory !== undefined ? { Memory: host.Memory } : {}),
                ...(host.MemorySwap !== undefined ? { MemorySwap: host.MemorySwap } : {}),
            });
        } catch (err) {
            throw new Error(`${label}: updating container "${plan.name}" failed: ${dockerMessage(err)}`);
        }
        return inspectOutputs(ctx.docker, recorded.id, inputs);
    },
    async delete(ctx, label, recorded) {
        const container = ctx.docker.getContainer(recorded.id);
        try {
            const t = stopSeconds(recorded.inputs);
            await container.stop(t === undefined ? {} : { t });
        } catch (err) {
            const s = statusOf(err);
            if (s === 404) return;
            if (s !== 304) throw new Error(`${label}: stopping container failed: ${dockerMessage(err)}`); // 304 = already stopped
        }
        try {
            await container.remove({ v: recorded.inputs.removeVolumes !== false, force: true });
        } catch (err) {
            if (statusOf(err) === 404) return;
            throw new Error(`${label}: removing container failed: ${dockerMessage(err)}`);
        }
    },
};

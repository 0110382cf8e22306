/**
 * docker:index/container:Container inputs -> what the Docker Engine API needs (pure). Names and defaults
 * follow the docker provider: `restart` "no", `start`/`mustRun` true, `removeVolumes` true, `wait` false
 * with `waitTimeout` 60 s, uploads of mode 0644 (0744 when executable), `memory` in MB.
 */
import * as path from "path";
import type Docker from "dockerode";
import type { WireObject } from "./wire";
import { parseGoDuration } from "./duration";
import { bool, fields, labelMap, listOf, num, objList, str, strList, stringMap, type Shape } from "./input-shape";
import type { TarEntry } from "./tar";

export const CONTAINER_TYPE = "docker:index/container:Container";

export const containerShape: Shape = fields({
    name: "scalar",
    image: "scalar",
    hostname: "scalar",
    domainname: "scalar",
    command: "scalarList",
    entrypoints: "scalarList",
    envs: "scalarList",
    labels: listOf(fields({ label: "scalar", value: "scalar" })),
    restart: "scalar",
    maxRetryCount: "scalar",
    start: "scalar",
    mustRun: "scalar",
    networkMode: "scalar",
    networksAdvanced: listOf(fields({ name: "scalar", aliases: "scalarList", ipv4Address: "scalar" })),
    ports: listOf(fields({ internal: "scalar", external: "scalar", ip: "scalar", protocol: "scalar" })),
    volumes: listOf(fields({ volumeName: "scalar", hostPath: "scalar", containerPath: "scalar", readOnly: "scalar" })),
    uploads: listOf(fields({ file: "scalar", content: "scalar", contentBase64: "scalar", executable: "scalar", permissions: "scalar" })),
    healthcheck: fields({
        tests: "scalarList",
        interval: "scalar",
        timeout: "scalar",
        retries: "scalar",
        startPeriod: "scalar",
        startInterval: "scalar",
    }),
    wait: "scalar",
    waitTimeout: "scalar",
    stopSignal: "scalar",
    stopTimeout: "scalar",
    destroyGraceSeconds: "scalar",
    removeVolumes: "scalar",
    user: "scalar",
    workingDir: "scalar",
    logDriver: "scalar",
    logOpts: "stringMap",
    memory: "scalar",
    memorySwap: "scalar",
    init: "scalar",
    sysctls: "stringMap",
    tmpfs: "stringMap",
    ulimits: listOf(fields({ name: "scalar", soft: "scalar", hard: "scalar" })),
    capabilities: fields({ adds: "scalarList", drops: "scalarList" }),
});

/**
 * Container keys compared as sets, and the keys the real provider updates in place: the restart policy
 * and memory limits (`docker update`) and the keys that only steer the provider. Every other container
 * input is ForceNew there, so changing it replaces the container.
 */
export const CONTAINER_SET_KEYS = ["labels", "networksAdvanced", "volumes", "uploads", "ulimits"];
export const CONTAINER_IN_PLACE_KEYS = [
    "restart",
    "maxRetryCount",
    "memory",
    "memorySwap",
    "mustRun",
    "wait",
    "waitTimeout",
    "destroyGraceSeconds",
    "removeVolumes",
];

export interface UploadBatch {
    /** Directory in the container the archive is extracted into. */
    dir: string;
    entries: TarEntry[];
}

export interface ContainerPlan {
    name: string;
    create: Docker.ContainerCreateOptions;
    /** Networks joined after create (the first advanced network is joined at create time). */
    extraNetworks: Array<{ name: string; aliases: string[]; ipv4Address?: string }>;
    uploads: UploadBatch[];
    start: boolean;
    wait: boolean;
    waitTimeoutMs: number;
}

const MB = 1024 * 1024;

function durationNs(v: unknown, what: string): number | undefined {
    const s = str(v as never, what);
    return s === undefined ? undefined : parseGoDuration(s, what);
}

/**
 * Uploads as the provider makes them: one tar entry per file named by its full path, extracted at "/"
 * (Docker creates missing parent directories).
 */
function uploadEntries(label: string, inputs: WireObject): UploadBatch[] {
    const entries: TarEntry[] = [];
    for (const [i, u] of objList(inputs.uploads, `${label} uploads`).entries()) {
        const what = `${label} uploads[${i}]`;
        const file = str(u.file, `${what}.file`);
        if (!file || !path.posix.isAbsolute(file)) throw new Error(`${what}.file must be an absolute path inside the container`);
        const content = str(u.content, `${what}.content`);
        const content64 = str(u.contentBase64, `${what}.contentBase64`);
        if ((content === undefined) === (content64 === undefined)) {
            throw new Error(`${what}: exactly one of content or contentBase64 is required`);
        }
        const permissions = str(u.permissions, `${what}.permissions`);
        if (permissions !== undefined && !/^0?[0-7]{3,4}$/.test(permissions)) throw new Error(`${what}.permissions must be octal like "0644"`);
        const mode = permissions !== undefined ? parseInt(permissions, 8) : bool(u.executable, `${what}.executable`) ? 0o744 : 0o644;
        entries.push({
            name: path.posix.normalize(file).replace(/^\/+/, ""),
            content: content !== undefined ? Buffer.from(content, "utf8") : Buffer.from(content64 as string, "base64"),
            mode,
        });
    }
    return entries.length === 0 ? [] : [{ dir: "/", entries }];
}

function volumeBinds(label: string, inputs: WireObject): { binds: string[]; anonymous: Record<string, object> } {
    const binds: string[] = [];
    const anonymous: Record<string, object> = {};
    for (const [i, v] of objList(inputs.volumes, `${label} volumes`).entries()) {
        const what = `${label} volumes[${i}]`;
        const target = str(v.containerPath, `${what}.containerPath`);
        if (!target) throw new Error(`${what}.containerPath is required`);
        const source = str(v.volumeName, `${what}.volumeName`) ?? str(v.hostPath, `${what}.hostPath`);
        if (v.volumeName !== undefined && v.hostPath !== undefined) throw new Error(`${what}: volumeName and hostPath are exclusive`);
        const ro = bool(v.readOnly, `${what}.readOnly`) ? ":ro" : "";
        if (source) binds.push(`${source}:${target}${ro}`);
        else anonymous[target] = {};
    }
    return { binds, anonymous };
}

function portBindings(label: string, inputs: WireObject) {
    const exposed: Record<string, object> = {};
    const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
    for (const [i, p] of objList(inputs.ports, `${label} ports`).entries()) {
        const what = `${label} ports[${i}]`;
        const internal = num(p.internal, `${what}.internal`);
        if (internal === undefined) throw new Error(`${what}.internal is required`);
        const key = `${internal}/${str(p.protocol, `${what}.protocol`) ?? "tcp"}`;
        const external = num(p.external, `${what}.external`);
        exposed[key] = {};
        (bindings[key] ??= []).push({ HostIp: str(p.ip, `${what}.ip`) ?? "0.0.0.0", HostPort: external === undefined ? "" : String(external) });
    }
    return { exposed, bindings };
}

export function containerPlan(label: string, inputs: WireObject, fallbackName: string): ContainerPlan {
    const name = str(inputs.name, `${label} name`) ?? fallbackName;
    const image = str(inputs.image, `${label} image`);
    if (!image) throw new Error(`${label}: input "image" is required`);

    const restart = str(inputs.restart, `${label} restart`) ?? "no";
    if (!["no", "on-failure", "always", "unless-stopped"].includes(restart)) {
        throw new Error(`${label} restart must be one of no, on-failure, always, unless-stopped`);
    }
    const networks = objList(inputs.networksAdvanced, `${label} networksAdvanced`).map((n, i) => {
        const netName = str(n.name, `${label} networksAdvanced[${i}].name`);
        if (!netName) throw new Error(`${label} networksAdvanced[${i}].name is required`);
        return {
            name: netName,
            aliases: strList(n.aliases, `${label} networksAdvanced[${i}].aliases`) ?? [],
            ipv4Address: str(n.ipv4Address, `${label} networksAdvanced[${i}].ipv4Address`),
        };
    });
    const explicitMode = str(inputs.networkMode, `${label} networkMode`);
    // Without an explicit networkMode the container is created on its first advanced network, so it is not
    // also attached to the default bridge.
    const [first, ...rest] = explicitMode === undefined ? networks : [undefined, ...networks];
    const endpoint = (n: { aliases: string[]; ipv4Address?: string }): Docker.EndpointSettings => ({
        Aliases: n.aliases,
        ...(n.ipv4Address ? { IPAMConfig: { IPv4Address: n.ipv4Address } } : {}),
    });

    const hc = inputs.healthcheck as WireObject | undefined;
    let healthcheck: Docker.HealthConfig | undefined;
    if (hc) {
        const tests = strList(hc.tests, `${label} healthcheck.tests`);
        if (!tests || tests.length === 0) throw new Error(`${label} healthcheck.tests is required`);
        healthcheck = {
            Test: tests,
            Interval: durationNs(hc.interval, `${label} healthcheck.interval`),
            Timeout: durationNs(hc.timeout, `${label} healthcheck.timeout`),
            StartPeriod: durationNs(hc.startPeriod, `${label} healthcheck.startPeriod`),
            Retries: num(hc.retries, `${label} healthcheck.retries`),
        };
        const startInterval = durationNs(hc.startInterval, `${label} healthcheck.startInterval`);
        if (startInterval !== undefined) (healthcheck as Record<string, unknown>).StartInterval = startInterval;
    }

    const { binds, anonymous } = volumeBinds(label, inputs);
    const { exposed, bindings } = portBindings(label, inputs);
    const memory = num(inputs.memory, `${label} memory`);
    const memorySwap = num(inputs.memorySwap, `${label} memorySwap`);
    const logDriver = str(inputs.logDriver, `${label} logDriver`);
    const logOpts = stringMap(inputs.logOpts, `${label} logOpts`);
    if (logOpts && !logDriver) throw new Error(`${label}: logOpts needs logDriver`);
    const caps = inputs.capabilities as WireObject | undefined;
    const ulimits = objList(inputs.ulimits, `${label} ulimits`).map((u, i) => ({
        Name: str(u.name, `${label} ulimits[${i}].name`),
        Soft: num(u.soft, `${label} ulimits[${i}].soft`),
        Hard: num(u.hard, `${label} ulimits[${i}].hard`),
    }));

    const hostConfig: Docker.HostConfig = {
        NetworkMode: explicitMode ?? first?.name ?? "bridge",
        RestartPolicy: { Name: restart, MaximumRetryCount: num(inputs.maxRetryCount, `${label} maxRetryCount`) ?? 0 },
        PortBindings: bindings,
        Binds: binds,
        ...(memory !== undefined ? { Memory: memory * MB } : {}),
        ...(memorySwap !== undefined ? { MemorySwap: memorySwap === -1 ? -1 : memorySwap * MB } : {}),
        ...(logDriver ? { LogConfig: { Type: logDriver, Config: logOpts ?? {} } } : {}),
        ...(bool(inputs.init, `${label} init`) !== undefined ? { Init: inputs.init as boolean } : {}),
        ...(inputs.sysctls ? { Sysctls: stringMap(inputs.sysctls, `${label} sysctls`) } : {}),
        ...(inputs.tmpfs ? { Tmpfs: stringMap(inputs.tmpfs, `${label} tmpfs`) } : {}),
        ...(ulimits.length ? { Ulimits: ulimits as Docker.HostConfig["Ulimits"] } : {}),
        ...(caps?.adds ? { CapAdd: strList(caps.adds, `${label} capabilities.adds`) } : {}),
        ...(caps?.drops ? { CapDrop: strList(caps.drops, `${label} capabilities.drops`) } : {}),
    };

    const create: Docker.ContainerCreateOptions = {
        name,
        Image: image,
        Hostname: str(inputs.hostname, `${label} hostname`),
        Domainname: str(inputs.domainname, `${label} domainname`),
        User: str(inputs.user, `${label} user`),
        WorkingDir: str(inputs.workingDir, `${label} workingDir`),
        Cmd: strList(inputs.command, `${label} command`),
        Entrypoint: strList(inputs.entrypoints, `${label} entrypoints`),
        Env: strList(inputs.envs, `${label} envs`),
        Labels: labelMap(inputs.labels, `${label} labels`),
        StopSignal: str(inputs.stopSignal, `${label} stopSignal`),
        StopTimeout: num(inputs.stopTimeout, `${label} stopTimeout`),
        Healthcheck: healthcheck,
        ExposedPorts: exposed,
        Volumes: anonymous,
        HostConfig: hostConfig,
        NetworkingConfig: first ? { EndpointsConfig: { [first.name]: endpoint(first) } } : undefined,
    };
    for (const k of Object.keys(create) as Array<keyof Docker.ContainerCreateOptions>) {
        if (create[k] === undefined) delete create[k];
    }

    const start = bool(inputs.start, `${label} start`) ?? true;
    const wait = bool(inputs.wait, `${label} wait`) ?? false;
    if (wait && !start) throw new Error(`${label}: wait needs start`);
    bool(inputs.mustRun, `${label} mustRun`);
    bool(inputs.removeVolumes, `${label} removeVolumes`);
    num(inputs.destroyGraceSeconds, `${label} destroyGraceSeconds`);
    return {
        name,
        create,
        extraNetworks: rest.filter((n): n is NonNullable<typeof n> => n !== undefined),
        uploads: uploadEntries(label, inputs),
        start,
        wait,
        waitTimeoutMs: (num(inputs.waitTimeout, `${label} waitTimeout`) ?? 60) * 1000,
    };
}

/** Seconds Docker waits after the stop signal on destroy: destroyGraceSeconds, else stopTimeout. */
export function stopSeconds(inputs: WireObject): number | undefined {
    const grace = inputs.destroyGraceSeconds;
    const stop = inputs.stopTimeout;
    return typeof grace === "number" ? grace : typeof stop === "number" ? stop : undefined;
}

/**
 * A live setting on the six-node cluster through the real engine: `maxmemory` 0 -> 256mb plans updates of the
 * nodes' LiveConfig resources and no container change; `up` keeps every container (same ids), every node
 * reports the new value, and a `docker restart` of a node keeps it (its start script keeps the rewritten value).
 */
import { LOCAL_IMAGE, docker, engineDriver as driver, labelledObjects, stepsByOp } from "./support/stack-driver";

jest.setTimeout(300000);

const AUTH_FILE = "/usr/local/etc/redis/auth";
const cli = (container: string, ...args: string[]) =>
    docker("exec", container, "sh", "-c", `redis-cli --no-auth-warning --askpass ${args.join(" ")} < ${AUTH_FILE}`);
const maxmemoryOf = (container: string) => cli(container, "CONFIG", "GET", "maxmemory").split("\n")[1];

/** Polls PING in the container (50 ms apart) until the node answers; fails with what it saw last. */
async function untilPong(container: string, timeoutMs = 60000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let seen = "";
    for (;;) {
        try {
            seen = cli(container, "PING");
            if (seen === "PONG") return;
        } catch (err) {
            seen = (err as Error).message;
        }
        if (Date.now() > deadline) throw new Error(`${container} did not answer PING; last seen: ${seen}`);
        await new Promise((r) => setTimeout(r, 50));
    }
}

describe(`live config change on a cluster through ${driver.name}`, () => {
    const stack = "e2e-live-config";
    const config = { topology: "cluster", image: LOCAL_IMAGE, basePort: 7730 };
    const containerIds = () => labelledObjects(stack).containers.map((name) => `${name} ${docker("inspect", "-f", "{{.Id}}", name)}`);
    let before: string[];
    afterAll(() => driver.destroy(stack).catch(() => undefined));

    it("starts every node with its maxmemory from the first start", async () => {
        await driver.up(stack, { ...config, maxmemory: "0" });
        before = containerIds();
        expect(before).toHaveLength(6);
        for (const line of before) expect(maxmemoryOf(line.split(" ")[0])).toBe("0");
    });

    it("plans maxmemory 0 -> 256mb as six LiveConfig updates and no container change", async () => {
        const plan = await driver.preview(stack, { ...config, maxmemory: "256mb" });
        expect(stepsByOp(plan, "create", "replace", "create-replacement", "delete-replaced", "delete")).toEqual([]);
        expect(stepsByOp(plan, "update")).toEqual(Array(6).fill("update pulumi-nodejs:dynamic/redis-ha:LiveConfig"));
    });

    it("applies it live: same containers, every node at 256mb, and a docker restart keeps it", async () => {
        await driver.up(stack, { ...config, maxmemory: "256mb" });
        expect(containerIds()).toEqual(before);
        const names = before.map((line) => line.split(" ")[0]);
        for (const name of names) expect(maxmemoryOf(name)).toBe(String(256 * 1024 * 1024));

        const restarted = names[0];
        docker("restart", restarted);
        await untilPong(restarted);
        expect(maxmemoryOf(restarted)).toBe(String(256 * 1024 * 1024));
    });
});

/**
 * What the project's dynamic providers (GeneratedPassword, ReplicationReadiness, SentinelReadiness,
 * ClusterFormation) share.
 *
 * The serializer constraint, explained here once. Pulumi ships a dynamic provider to its provider host by
 * closure serialization: the provider object, every function it reaches and every value those capture are
 * turned into source text. Two rules follow for code a provider reaches:
 *   - Read local names, never `exports.X`. TypeScript compiles a module's use of its own exported const (an
 *     exported arrow function too) to `exports.X`, which the serializer does not always carry along (`up` under ts-node failed with "Cannot
 *     convert undefined or null to object" that way). So a value used by provider code is a local const,
 *     and where other modules need it too it is exported under a second name (`SLOTS`/`CLUSTER_SLOTS`,
 *     `FIELDS`/`TUNABLE_FIELDS`, `FORMATION_TIMEOUT`/`FORMATION_NODE_TIMEOUT_MS`). `function`
 *     declarations are safe: a module's calls to its own exported functions compile to plain local calls.
 *   - Load packages with `require` inside the function (ioredis in shared/redis-connection.ts, crypto in
 *     GeneratedPassword), and reach the Pulumi SDK only through types: a runtime reference would drag the
 *     SDK into the serialized text.
 * tests/unit/dynamic-provider-serialization.test.ts serializes every provider and checks the first rule.
 */
import type * as pulumi from "@pulumi/pulumi";

type DeepInput<T> = T extends object ? pulumi.Input<{ [K in keyof T]: DeepInput<T[K]> }> : pulumi.Input<T>;

/** A dynamic resource's args: each of its inputs, nested fields included, may be an Output. */
export type ResourceArgs<T> = { [K in keyof T]: DeepInput<T[K]> };

/** What distinguishes one readiness gate from another; the create/diff/update trio is readinessGate's. */
export interface GateSpec<I, S> {
    /** The resource id, from the inputs. */
    id(inputs: I): string;
    /** The inputs a diff compares: what a change must touch to re-run the gate. Timeouts and outputs are not in it. */
    topology(inputs: I): unknown;
    /** Polls the live nodes until the gate holds (or fails with what it saw); returns the status it read. */
    wait(inputs: I): Promise<S>;
    /** Output the status is stored under. */
    statusKey: string;
}

/**
 * A gate: `up` creates (or updates) it only once `wait` holds, so resources and outputs that depend on it
 * see a ready group. A change outside `topology` (a timeout) updates nothing; nothing is ever replaced.
 */
export function readinessGate<I extends object, S>(spec: GateSpec<I, S>): pulumi.dynamic.ResourceProvider {
    const key = (inputs: I): string => JSON.stringify(spec.topology(inputs));
    return {
        async create(inputs: I): Promise<pulumi.dynamic.CreateResult> {
            const status = await spec.wait(inputs);
            return { id: spec.id(inputs), outs: { ...inputs, [spec.statusKey]: status } };
        },
        async diff(_id: string, olds: I, news: I): Promise<pulumi.dynamic.DiffResult> {
            return { changes: key(olds) !== key(news) };
        },
        async update(_id: string, _olds: I, news: I): Promise<pulumi.dynamic.UpdateResult> {
            const status = await spec.wait(news);
            return { outs: { ...news, [spec.statusKey]: status } };
        },
    };
}

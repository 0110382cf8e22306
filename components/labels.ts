/** Docker labels every object of a stack carries, so humans and cleanup scripts can find them. */
export const LABEL_PREFIX = "redis-ha";

export function stackLabels(stack: string, topology: string, extra: Record<string, string> = {}): Array<{ label: string; value: string }> {
    const all: Record<string, string> = { [`${LABEL_PREFIX}.stack`]: stack, [`${LABEL_PREFIX}.topology`]: topology, ...extra };
    return Object.keys(all)
        .sort()
        .map((label) => ({ label, value: all[label] }));
}

/** How a preview is shown: a table for humans (stderr) and JSON for tools (stdout). Pure. */
import type { Op, OperationRecord } from "./state-store";

const SYMBOL: Record<Op, string> = { create: "+", update: "~", replace: "+-", delete: "-", same: " " };

export function planTable(stack: string, ops: OperationRecord[], summary: Record<Op, number>): string {
    const rows = ops.map((o) => [SYMBOL[o.op], o.op, o.key, o.changedKeys.join(", ")]);
    const widths = [2, 7, Math.max(8, ...rows.map((r) => r[2].length))];
    const lines = [`Preview of stack ${stack}:`, `   ${"op".padEnd(widths[1])}  ${"resource".padEnd(widths[2])}  changed`];
    for (const r of rows) lines.push(`${r[0].padEnd(widths[0])} ${r[1].padEnd(widths[1])}  ${r[2].padEnd(widths[2])}  ${r[3]}`.trimEnd());
    const counts = (Object.keys(summary) as Op[]).filter((k) => summary[k] > 0).map((k) => `${summary[k]} to ${k === "same" ? "leave unchanged" : k}`);
    lines.push(`Resources: ${counts.join(", ") || "none"}`);
    return lines.join("\n");
}

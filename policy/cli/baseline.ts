// Baselines: `--write-baseline FILE` records today's findings, `--baseline FILE` then reports and
// fails on new findings only, and lists the recorded ones that are gone ("no longer present") so
// the file can shrink. A finding is keyed by what survives reformatting and moves between files:
// object kind, namespace, name, policy id and the field path its message starts with; never by
// file or line.
import * as fs from "fs";
import { exitCodeFor } from "./checker";
import type { CheckOptions, CheckResult, ObjectReport, ReportedViolation } from "./checker";
import { readSchemaFile } from "./schema-file";
import type { Violation } from "../lib/engine";

export interface BaselineEntry {
    kind: string;
    namespace?: string;
    name: string;
    policy: string;
    /** The field path the finding's message names (e.g. `spec.containers[0].securityContext.privileged`), or "". */
    field: string;
}

interface BaselineFile {
    version: 1;
    findings: BaselineEntry[];
}

const SCHEMA = {
    type: "object",
    additionalProperties: false,
    required: ["version", "findings"],
    properties: {
        version: { const: 1 },
        findings: {
            type: "array",
            items: {
                type: "object",
                additionalProperties: false,
                required: ["kind", "name", "policy", "field"],
                properties: { kind: { type: "string" }, namespace: { type: "string" }, name: { type: "string" }, policy: { type: "string" }, field: { type: "string" } },
            },
        },
    },
};

/** The field path a message starts with (`spec.hostNetwork: pod must not …`), or "". */
export function fieldOf(message: string): string {
    const m = /^([A-Za-z_$][\w$-]*(?:\.[\w$/-]+|\[[^\]]*\])*): /.exec(message);
    return m ? m[1] : "";
}

function entryOf(report: Pick<ObjectReport, "kind" | "name"> | undefined, v: ReportedViolation): BaselineEntry {
    const slash = report ? report.name.indexOf("/") : -1;
    return {
        kind: report?.kind ?? "",
        ...(slash > 0 ? { namespace: report!.name.slice(0, slash) } : {}),
        name: report ? report.name.slice(slash + 1) : "",
        policy: v.policy,
        field: fieldOf(v.message),
    };
}

const keyOf = (e: BaselineEntry) => JSON.stringify([e.kind, e.namespace ?? "", e.name, e.policy, e.field]);

function findingsOf(result: CheckResult): BaselineEntry[] {
    return [...result.reports.flatMap((r) => r.violations.map((v) => entryOf(r, v))), ...result.unattributed.map((v) => entryOf(undefined, v))];
}

/** Writes the result's findings (sorted, one entry per finding) as a baseline file. */
export function writeBaseline(file: string, result: CheckResult): number {
    const findings = findingsOf(result).sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
    const content: BaselineFile = { version: 1, findings };
    fs.writeFileSync(file, JSON.stringify(content, null, 2) + "\n");
    return findings.length;
}

export function loadBaseline(file: string): BaselineEntry[] {
    return readSchemaFile<BaselineFile>(file, "baseline", SCHEMA).findings;
}

export interface BaselineOutcome {
    result: CheckResult;
    /** Findings the baseline accepted (left out of the report). */
    accepted: number;
    /** Baseline entries no finding matched any more: fixed, or their object renamed or removed. */
    gone: BaselineEntry[];
}

/** The result with baselined findings left out (each entry accepts one finding) and the exit code recomputed. */
export function applyBaseline(result: CheckResult, baseline: BaselineEntry[], options: Pick<CheckOptions, "failOn" | "softFail">): BaselineOutcome {
    const remaining = new Map<string, BaselineEntry[]>();
    for (const e of baseline) {
        const k = keyOf(e);
        remaining.set(k, [...(remaining.get(k) ?? []), e]);
    }
    let accepted = 0;
    const keep = (entry: BaselineEntry) => {
        const left = remaining.get(keyOf(entry));
        if (!left || left.length === 0) return true;
        left.pop();
        accepted++;
        return false;
    };
    const reports = result.reports.map((r) => ({ ...r, violations: r.violations.filter((v) => keep(entryOf(r, v))) }));
    const unattributed = result.unattributed.filter((v) => keep(entryOf(undefined, v)));
    const left = [...reports.flatMap((r) => r.violations), ...unattributed] as unknown as Violation[];
    const exitCode = exitCodeFor(result.inputErrors.length > 0, left, options);
    return { result: { ...result, reports, unattributed, exitCode }, accepted, gone: [...remaining.values()].flat() };
}

/** How a baseline entry reads in "no longer present". */
export function describeEntry(e: BaselineEntry): string {
    return `${e.kind} ${e.namespace ? `${e.namespace}/` : ""}${e.name}: ${e.policy}${e.field ? ` at ${e.field}` : ""}`;
}

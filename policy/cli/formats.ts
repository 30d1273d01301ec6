// Renders a CheckResult as a table (people), JSON (scripts), SARIF 2.1.0 (GitHub code scanning)
// or JUnit XML (GitLab, Jenkins; see junit.ts). Findings an exemption annotation waived are shown
// in every format, marked as exempted with the reason.
import * as path from "path";
import type { CheckResult, ObjectReport, ReportedExemption, ReportedViolation } from "./checker";
import type { PackPolicy } from "../lib/types";
import { PACK_ENFORCEMENT_LEVEL } from "../policies";
import { STDIN_NAME } from "./manifests";
import { packageInfo } from "./package-info";

export const FORMATS = ["table", "json", "sarif", "junit", "github"] as const;
export type Format = (typeof FORMATS)[number];

export const TOOL_NAME = "websvc-k8s-policy-pack";


/**
 * The documented JSON shape: one entry per object with exactly file, kind, name and violations;
 * an object with exempted findings also has `exempted` (policy, message, severity, reason, annotation).
 */
export function toJson(result: CheckResult): string {
    const entries = result.reports.map((r) => ({
        file: r.file,
        kind: r.kind,
        name: r.name,
        violations: r.violations.map(({ policy, message, severity }) => ({ policy, message, severity })),
        ...(r.exempted.length > 0
            ? { exempted: r.exempted.map(({ policy, message, severity, reason, annotation }) => ({ policy, message, severity, reason, annotation })) }
            : {}),
    }));
    return JSON.stringify(entries, null, 2) + "\n";
}

/** How an exempted finding reads in the table and in SARIF/JUnit messages. */
export function exemptedText(x: ReportedExemption): string {
    return `${x.message} (exempted by ${x.annotation}: ${x.reason})`;
}

export function toTable(result: CheckResult): string {
    const rows: string[][] = [];
    for (const r of result.reports) {
        for (const v of r.violations) rows.push([location(r), r.kind, r.name, v.policy, v.severity, v.enforcementLevel, v.message]);
        for (const x of r.exempted) rows.push([location(r), r.kind, r.name, x.policy, x.severity, "exempted", exemptedText(x)]);
    }
    for (const v of result.unattributed) rows.push(["(all objects)", "", "", v.policy, v.severity, v.enforcementLevel, v.message]);
    const header = ["LOCATION", "KIND", "NAME", "POLICY", "SEVERITY", "ENFORCEMENT", "MESSAGE"];
    const all = [...result.reports.flatMap((r) => r.violations), ...result.unattributed];
    const mandatory = all.filter((v) => v.enforcementLevel === "mandatory").length;
    const exempted = result.reports.reduce((n, r) => n + r.exempted.length, 0);
    const summary =
        `${result.reports.length} objects in ${result.files.length} files checked against ${result.policies.length} policies: ` +
        `${all.length} violations (${mandatory} mandatory, ${all.length - mandatory} advisory)` +
        (exempted ? `; ${exempted} exempted by annotations` : "") +
        (result.inputErrors.length ? `; ${result.inputErrors.length} unreadable inputs` : "");
    return (rows.length ? renderTable([header, ...rows]) : "") + summary + "\n";
}

export function renderTable(rows: string[][]): string {
    const widths = rows[0].map((_, col) => Math.max(...rows.map((r) => (r[col] ?? "").length)));
    // The last column (message) is not padded, so long messages do not widen every line.
    return rows.map((r) => r.map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col]))).join("  ").trimEnd()).join("\n") + "\n";
}

/** `file:line` of an object (just the file when the line is not known). */
export function location(r: ObjectReport): string {
    return r.line ? `${r.file}:${r.line}` : r.file;
}

const SARIF_LEVEL: Record<ReportedViolation["enforcementLevel"], "error" | "warning" | "note" | "none"> = {
    mandatory: "error",
    remediate: "warning",
    advisory: "warning",
    disabled: "none",
};

// GitHub code scanning ranks security findings by this CVSS-like score (rule property "security-severity").
const SECURITY_SEVERITY: Record<ReportedViolation["severity"], string> = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0" };

export function toSarif(result: CheckResult, baseDir: string = process.cwd()): string {
    const ruleIndex = new Map(result.policies.map((p, i) => [p.name, i]));
    const rules = result.policies.map((p) => sarifRule(p));
    // stdin has no path: a relative reference that names it (SARIF wants a URI reference).
    const uri = (file: string) => (file === STDIN_NAME ? "stdin" : path.relative(baseDir, path.resolve(file)).split(path.sep).join("/"));
    const results = [
        ...result.reports.flatMap((r) => [
            ...r.violations.map((v) => sarifResult(v, ruleIndex, uri(r.file), r.line ?? 1, `${r.kind} ${r.name}: ${v.message}`)),
            // An exempted finding is a suppressed result: code scanning lists it as dismissed, with the justification.
            ...r.exempted.map((x) => ({
                ...sarifResult(x, ruleIndex, uri(r.file), r.line ?? 1, `${r.kind} ${r.name}: ${exemptedText(x)}`),
                suppressions: [{ kind: "inSource", status: "accepted", justification: x.reason, properties: { annotation: x.annotation } }],
            })),
        ]),
        // SARIF consumers (GitHub) need a location per result; stack findings point at the first input file.
        ...result.unattributed.map((v) => sarifResult(v, ruleIndex, uri(result.files[0] ?? "."), 1, v.message)),
    ];
    const packVersion = packageInfo().version;
    const log = {
        $schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [
            {
                tool: { driver: { name: TOOL_NAME, version: packVersion, semanticVersion: packVersion, rules } },
                originalUriBaseIds: { "%SRCROOT%": { uri: pathToFileUri(baseDir) } },
                results,
                invocations: [
                    {
                        executionSuccessful: result.inputErrors.length === 0,
                        toolExecutionNotifications: result.inputErrors.map((e) => ({
                            level: "error",
                            message: { text: `${e.file}: ${e.message}` },
                            locations: [{ physicalLocation: { artifactLocation: { uri: uri(e.file), uriBaseId: "%SRCROOT%" } } }],
                        })),
                    },
                ],
            },
        ],
    };
    return JSON.stringify(log, null, 2) + "\n";
}

function sarifRule(p: PackPolicy) {
    const m = p.metadata;
    return {
        id: p.name,
        name: m.title,
        shortDescription: { text: m.title },
        fullDescription: { text: p.description },
        help: { text: m.remediation, markdown: m.remediation },
        defaultConfiguration: { level: SARIF_LEVEL[p.enforcementLevel ?? PACK_ENFORCEMENT_LEVEL] },
        properties: {
            tags: ["kubernetes", "security", m.category, ...(m.pssLevel ? [`pss-${m.pssLevel}`] : [])],
            "security-severity": SECURITY_SEVERITY[m.severity],
            severity: m.severity,
            frameworks: m.frameworks,
        },
    };
}

function sarifResult(v: ReportedViolation, ruleIndex: Map<string, number>, uri: string, line: number, text: string) {
    return {
        ruleId: v.policy,
        ...(ruleIndex.has(v.policy) ? { ruleIndex: ruleIndex.get(v.policy) } : {}),
        level: SARIF_LEVEL[v.enforcementLevel],
        message: { text },
        locations: [{ physicalLocation: { artifactLocation: { uri, uriBaseId: "%SRCROOT%" }, region: { startLine: line } } }],
        properties: { severity: v.severity, enforcementLevel: v.enforcementLevel },
    };
}

function pathToFileUri(dir: string): string {
    const withSlash = path.resolve(dir).split(path.sep).join("/").replace(/\/?$/, "/");
    return `file://${withSlash.startsWith("/") ? "" : "/"}${withSlash}`;
}

/** `--list`: every policy's id and metadata, peer mapping included. */
export function listPolicies(policies: PackPolicy[], format: Format): string {
    if (format === "json") {
        // metadata.id equals the policy name by contract; description and level live on the policy itself.
        const entries = policies.map((p) => ({
            ...p.metadata,
            description: p.description,
            enforcementLevel: p.enforcementLevel ?? PACK_ENFORCEMENT_LEVEL,
        }));
        return JSON.stringify(entries, null, 2) + "\n";
    }
    if (format !== "table") throw new Error("--list supports --format table or json");
    const rows = policies.map((p) => [
        p.name,
        p.metadata.category + (p.metadata.pssLevel ? `/${p.metadata.pssLevel}` : ""),
        p.metadata.severity,
        p.enforcementLevel ?? PACK_ENFORCEMENT_LEVEL,
        peerSummary(p),
        p.metadata.title,
    ]);
    return renderTable([["ID", "CATEGORY", "SEVERITY", "DEFAULT", "PEERS", "TITLE"], ...rows]);
}

export function peerSummary(p: PackPolicy): string {
    return Object.entries(p.metadata.frameworks)
        .filter(([, v]) => v)
        .map(([k, v]) => `${k}:${v}`)
        .join(" ");
}

// Deliberate defects in rules.yaml that the scenarios must reject: proof, on every run, that the
// promtool tests can fail, and for what. Each mutant keeps valid PromQL (promtool check rules
// passes) and breaks the meaning only. Several are the values the rules had before this tier.
import YAML from "yaml";
import type { Manifest } from "./generate";

interface RuleYaml {
    alert?: string;
    record?: string;
    expr: string;
    for?: string;
    labels?: Record<string, string>;
}

export interface Mutant {
    description: string;
    /** Scenarios of which at least one must fail on the mutant. */
    killedBy: string[];
    apply(rulesYaml: string, manifest: Manifest): string;
}

function mutateRules(rulesYaml: string, change: (rule: RuleYaml) => RuleYaml | undefined): string {
    const doc = YAML.parse(rulesYaml) as { groups: Array<{ name: string; rules: RuleYaml[] }> };
    for (const g of doc.groups) g.rules = g.rules.map((r) => change({ ...r })).filter((r): r is RuleYaml => r !== undefined);
    return YAML.stringify(doc, { lineWidth: 0 });
}

const burnRow = (r: RuleYaml, burnRate: string) => r.alert !== undefined && r.labels?.burn_rate === burnRate;

export const MUTANTS: Mutant[] = [
    {
        description: "the 1x/3d ticket waits `for: 3h` (its old value)",
        killedBy: ["slow-burn", "latency-slow-burn"],
        apply: (y) => mutateRules(y, (r) => (burnRow(r, "1") ? { ...r, for: "3h" } : r)),
    },
    {
        description: "the 6x/6h page waits `for: 15m` (its old value)",
        killedBy: ["medium-burn"],
        apply: (y) => mutateRules(y, (r) => (burnRow(r, "6") ? { ...r, for: "15m" } : r)),
    },
    {
        description: "the 14.4x/1h page compares with twice its threshold",
        killedBy: ["fast-burn"],
        apply: (y) => mutateRules(y, (r) => {
            if (!burnRow(r, "14.4")) return r;
            return { ...r, expr: r.expr.replace(/> ([0-9.e-]+)/g, (_m, t: string) => `> ${Number((2 * Number(t)).toPrecision(12))}`) };
        }),
    },
    {
        description: "probe routes count as user traffic (the route!~ exclusion dropped from the SLIs)",
        killedBy: ["no-traffic"],
        apply: (y) => mutateRules(y, (r) => (r.record !== undefined ? { ...r, expr: r.expr.replace(/, route!~"[^"]*"/g, "") } : r)),
    },
    {
        description: "the latency SLI reads the bucket one above the threshold",
        killedBy: ["latency-threshold", "latency-fast-burn"],
        apply: (y, m) => {
            const t = m.params.latencyThresholdSeconds;
            const next = m.params.bucketsSeconds.find((b) => b > t)!;
            const from = Number.isInteger(t) ? `le=~"${t}(\\\\.0)?"` : `le="${t}"`;
            const to = Number.isInteger(next) ? `le=~"${next}(\\\\.0)?"` : `le="${next}"`;
            return mutateRules(y, (r) => ({ ...r, expr: r.expr.split(from).join(to) }));
        },
    },
    {
        description: "no SLOMetricAbsent alert",
        killedBy: ["metrics-absent", "never-scraped"],
        apply: (y) => mutateRules(y, (r) => (r.alert === "SLOMetricAbsent" ? undefined : r)),
    },
    {
        description: "SLOMetricAbsent routed as a page",
        killedBy: ["metrics-absent"],
        apply: (y) => mutateRules(y, (r) => (r.alert === "SLOMetricAbsent" ? { ...r, labels: { ...r.labels, action: "page" } } : r)),
    },
    {
        description: "the error-budget-remaining rule divides by the objective instead of the budget",
        killedBy: ["healthy"],
        apply: (y, m) => mutateRules(y, (r) => {
            if (r.record !== "namespace_service:slo_error_budget_remaining:ratio" || r.labels?.slo !== "availability") return r;
            return { ...r, expr: r.expr.replace(/\/ [0-9.e-]+$/, `/ ${m.params.availabilityObjective / 100}`) };
        }),
    },
];

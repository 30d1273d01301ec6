// The app's Grafana dashboard as typed data (a subset of the dashboard JSON model, schemaVersion 39):
// RED (rate, errors, duration) plus saturation (CPU, memory, replicas vs the HPA maximum).
import { createHash } from "crypto";
import { APP_METRICS, CADVISOR_METRICS, KUBE_STATE_METRICS, PROBE_ROUTES } from "./metrics-catalog";
import { LabelMatcher, eq, histogramQuantile, maxBy, nre, promNumber, rate, re, regexEscape, selector, sumBy } from "./promql";
import { BUDGET_REMAINING_RECORD, sliRecordName } from "./alert-rules";
import { SLO_PERIOD, errorBudgetRatio } from "./slo";

export interface DashboardTarget {
    refId: string;
    expr: string;
    legendFormat: string;
    datasource: DatasourceRef;
}

export interface DatasourceRef {
    type: "prometheus";
    uid: string;
}

export type PanelUnit = "reqps" | "percentunit" | "s" | "percent" | "bytes" | "short";

export interface TimeseriesPanel {
    id: number;
    type: "timeseries";
    title: string;
    description: string;
    gridPos: { x: number; y: number; w: number; h: number };
    datasource: DatasourceRef;
    fieldConfig: { defaults: { unit: PanelUnit; min?: number }; overrides: [] };
    options: { legend: { displayMode: "list"; placement: "bottom"; showLegend: true }; tooltip: { mode: "multi"; sort: "none" } };
    targets: DashboardTarget[];
}

export interface RowPanel {
    id: number;
    type: "row";
    title: string;
    collapsed: false;
    gridPos: { x: 0; y: number; w: 24; h: 1 };
    panels: [];
}

export interface GrafanaDashboard {
    uid: string;
    title: string;
    description: string;
    tags: string[];
    timezone: "utc";
    editable: false;
    schemaVersion: number;
    version: number;
    refresh: string;
    time: { from: string; to: string };
    templating: { list: Array<{ name: string; label: string; type: "datasource"; query: "prometheus"; hide: 0 }> };
    panels: Array<TimeseriesPanel | RowPanel>;
}

export interface AppDashboardParams {
    /** Seed of the stable uid (e.g. the app instance label): the same app keeps the same URL. */
    uidSeed: string;
    title: string;
    namespace: string;
    service: string;
    deployment: string;
    hpa?: string;
    tags?: string[];
    /**
     * When given, adds an SLO row from the recording rules: burn rate over 1h, the SLI over the 30-day
     * SLO period against its objective, and the error budget left.
     */
    slo?: { availabilityObjective: number; latencyObjective: number };
}

/** Grafana uids are at most 40 characters; a hash of the seed keeps them short, valid and stable. */
export function dashboardUid(seed: string): string {
    return `websvc-${createHash("sha256").update(seed).digest("hex").slice(0, 20)}`;
}

const DATASOURCE: DatasourceRef = { type: "prometheus", uid: "${datasource}" };

export function buildAppDashboard(p: AppDashboardParams): GrafanaDashboard {
    const app: LabelMatcher[] = [eq("namespace", p.namespace), eq("service", p.service), nre("route", PROBE_ROUTES.map(regexEscape).join("|"))];
    const pods: LabelMatcher[] = [eq("namespace", p.namespace), re("pod", `${regexEscape(p.deployment)}-[a-z0-9]+-[a-z0-9]+`), nre("container", "|POD")];
    const requests = sumBy(["route"], rate(selector(APP_METRICS.requestCount, app), "$__rate_interval"));
    const bucketsByLe = sumBy(["le"], rate(selector(APP_METRICS.requestBucket, app), "$__rate_interval"));

    let nextId = 1;
    let y = 0;
    const panels: Array<TimeseriesPanel | RowPanel> = [];
    const row = (title: string) => {
        panels.push({ id: nextId++, type: "row", title, collapsed: false, gridPos: { x: 0, y: y++, w: 24, h: 1 }, panels: [] });
    };
    const panel = (title: string, description: string, unit: PanelUnit, x: number, queries: Array<[string, string]>, allowNegative = false) => {
        panels.push({
            id: nextId++,
            type: "timeseries",
            title,
            description,
            gridPos: { x, y, w: 8, h: 8 },
            datasource: DATASOURCE,
            fieldConfig: { defaults: { unit, ...(allowNegative ? {} : { min: 0 }) }, overrides: [] },
            options: { legend: { displayMode: "list", placement: "bottom", showLegend: true }, tooltip: { mode: "multi", sort: "none" } },
            targets: queries.map(([expr, legendFormat], i) => ({ refId: String.fromCharCode(65 + i), expr, legendFormat, datasource: DATASOURCE })),
        });
    };

    row("Requests (RED)");
    panel("Request rate", "Requests per second by route (probes excluded).", "reqps", 0, [[requests, "{{route}}"]]);
    panel("Error ratio", "Share of requests answered with 5xx.", "percentunit", 8, [[
        `${sumBy(["service"], rate(selector(APP_METRICS.requestCount, [...app, re("status_code", "5..")]), "$__rate_interval"))} / ` +
        `${sumBy(["service"], rate(selector(APP_METRICS.requestCount, app), "$__rate_interval"))}`,
        "5xx ratio",
    ]]);
    panel("Duration", "Request latency percentiles from the app's histogram.", "s", 16, [0.5, 0.95, 0.99].map((q) => [
        histogramQuantile(q, bucketsByLe), `p${Math.round(q * 100)}`,
    ] as [string, string]));
    y += 8;

    if (p.slo !== undefined) {
        row("SLO");
        const burn = (sli: "availability" | "latency", objective: number): [string, string] => [
            `${selector(sliRecordName(sli, "1h"), [eq("namespace", p.namespace), eq("service", p.service)])} / ${promNumber(errorBudgetRatio(objective))}`,
            `${sli} (${objective}%)`,
        ];
        const mine = [eq("namespace", p.namespace), eq("service", p.service)];
        panel("Error budget burn rate (1h)", "1 = spending the budget exactly over the SLO period; 14.4 pages.", "short", 0, [
            burn("availability", p.slo.availabilityObjective),
            burn("latency", p.slo.latencyObjective),
        ]);
        const sli = (which: "availability" | "latency", objective: number): [string, string] =>
            [`1 - ${selector(sliRecordName(which, SLO_PERIOD), mine)}`, `${which} (objective ${objective}%)`];
        panel(`SLI over ${SLO_PERIOD}`, `Share of good requests over the ${SLO_PERIOD} SLO period; the legend names each objective.`, "percentunit", 8, [
            sli("availability", p.slo.availabilityObjective),
            sli("latency", p.slo.latencyObjective),
        ]);
        panel(`Error budget remaining (${SLO_PERIOD})`, "1 = untouched, 0 = spent, below 0 = the SLO is missed for the period.", "percentunit", 16, [
            [selector(BUDGET_REMAINING_RECORD, mine), "{{slo}}"],
        ], true);
        y += 8;
    }

    row("Saturation");
    panel("CPU", "CPU cores used per pod.", "short", 0, [[
        sumBy(["pod"], rate(selector(CADVISOR_METRICS.cpuUsageSeconds, pods), "$__rate_interval")), "{{pod}}",
    ]]);
    panel("Memory", "Working set per pod (what the OOM killer compares to the limit).", "bytes", 8, [[
        sumBy(["pod"], selector(CADVISOR_METRICS.memoryWorkingSetBytes, pods)), "{{pod}}",
    ]]);
    const replicas: Array<[string, string]> = [[
        `count(${maxBy(["pod"], selector(KUBE_STATE_METRICS.podReady, [eq("namespace", p.namespace), re("pod", `${regexEscape(p.deployment)}-[a-z0-9]+-[a-z0-9]+`), eq("condition", "true")]))} == 1)`,
        "ready pods",
    ]];
    if (p.hpa !== undefined) {
        const hpa = [eq("namespace", p.namespace), eq("horizontalpodautoscaler", p.hpa)];
        replicas.push([maxBy(["horizontalpodautoscaler"], selector(KUBE_STATE_METRICS.hpaCurrentReplicas, hpa)), "HPA current"]);
        replicas.push([maxBy(["horizontalpodautoscaler"], selector(KUBE_STATE_METRICS.hpaMaxReplicas, hpa)), "HPA max"]);
    }
    panel("Replicas", p.hpa !== undefined ? "Ready pods against the autoscaler's current and maximum replicas." : "Ready pods (no autoscaler).", "short", 16, replicas);

    return {
        uid: dashboardUid(p.uidSeed),
        title: p.title,
        description: `RED and saturation for ${p.service} in ${p.namespace}. Generated by Pulumi; edits in Grafana are overwritten.`,
        tags: ["websvc", ...(p.tags ?? [])],
        timezone: "utc",
        editable: false,
        schemaVersion: 39,
        version: 1,
        refresh: "1m",
        time: { from: "now-6h", to: "now" },
        templating: { list: [{ name: "datasource", label: "Data source", type: "datasource", query: "prometheus", hide: 0 }] },
        panels,
    };
}

/** Every PromQL expression in a dashboard (for tests and linting). */
export function dashboardExpressions(d: GrafanaDashboard): string[] {
    return d.panels.flatMap((panel) => (panel.type === "timeseries" ? panel.targets.map((t) => t.expr) : []));
}

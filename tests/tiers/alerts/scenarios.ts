// Scenarios for the rule unit tests, derived from one environment's SLO parameters (read from its
// stack config by generate.ts). Each scenario is traffic (or its absence) over time, what must
// fire and by when, and what must stay quiet. Expectations come from the SRE workbook's
// multiwindow, multi-burn-rate table written out below, never from the rules under test: the
// tests select alerts by their routing labels (action, slo, severity) wherever they can, and by
// name only for alerts whose name is the contract (the operational ones, SLOMetricAbsent).
import type { AppRuleParams } from "../../../components/lib/alert-rules";
import { InputSeries, Samples, counter, expandingNotation, seriesName } from "./series";

/** Google SRE workbook, "Alerting on SLOs", table 5-8 plus its 3x/1d ticket row. Minutes. */
export const WORKBOOK_TABLE = [
    { burnRate: 14.4, long: 60, short: 5, action: "page" },
    { burnRate: 6, long: 360, short: 30, action: "page" },
    { burnRate: 3, long: 1440, short: 120, action: "ticket" },
    { burnRate: 1, long: 4320, short: 360, action: "ticket" },
] as const;
export type WorkbookRow = (typeof WORKBOOK_TABLE)[number];
type Action = "page" | "ticket";

/**
 * What a row may add to the table's detection time: a `for:` of at most 3% of the long window
 * (2m on the 1h row, 10m on 6h, 43m on 1d, 2h10m on 3d) plus 3 minutes of evaluation and scrape
 * alignment. A `for` that makes detection slower than that defeats the table.
 */
export const rowSlackMinutes = (row: WorkbookRow) => 0.03 * row.long + 3;

/** Bounds for the alerts the workbook does not cover: rate window + a modest `for` + alignment. */
export const OPERATIONAL_BOUND_MINUTES = 20;
/** A target gone stale (5m) plus at most 15m: the SLO must not stay blind longer. */
export const ABSENT_BOUND_MINUTES = 20;
/** kube-state-metrics/cAdvisor alerts: a 15m window plus at most 15m of `for` plus alignment. */
export const KUBERNETES_BOUND_MINUTES = 35;

/** The rule parameters the scenarios read (resolved names, objectives, thresholds, severities) plus the tier's own. */
export type EnvironmentParams = Pick<AppRuleParams,
    "namespace" | "service" | "deployment" | "hpa" | "availabilityObjective" | "latencyObjective" | "latencyThresholdSeconds" |
    "p99ThresholdSeconds" | "errorRateThreshold" | "cpuThrottlingThreshold" | "crashLoopRestarts" | "pageSeverity" | "ticketSeverity"> & {
    stack: string;
    /** The app's request histogram buckets (the app's contract; checked against its registry elsewhere). */
    bucketsSeconds: readonly number[];
    /** Whether the kubernetes-mixin-like alerts are among the rule files. */
    kubernetesAlerts: boolean;
};

/** Who must fire (labels to match) by when; or who must stay quiet over a span. */
export type Expectation =
    | { kind: "fires"; byMinute: number; match: Record<string, string>; expect: Array<Record<string, string>>; why: string }
    | { kind: "silent"; fromMinute: number; toMinute: number; match: Record<string, string>; why: string }
    | { kind: "value"; atMinute: number; expr: string; labels: Record<string, string>; value: number; why: string };

export interface Scenario {
    name: string;
    title: string;
    minutes: number;
    /**
     * Minutes between rule evaluations: 1, or 5 for the multi-day scenarios, whose 1d/3d/30d ranges
     * make every evaluation read days of samples (the long rows' tolerances are hours, not minutes).
     */
    evalMinutes: number;
    /** The minute the fault starts: time to fire is counted from here. */
    faultMinute?: number;
    series: InputSeries[];
    expectations: Expectation[];
    /** What the workbook (or the test's own bound) allows the alerts matching `match`, for the printed comparison. */
    allowed?: { match: Record<string, string>; minutes: number; basis: string };
}

// ---------------------------------------------------------------- traffic model

const USER_PER_MIN = 10_000;
const PROBES_PER_MIN = 6;
const PROBE_SECONDS = 0.001;

interface Stream {
    route: string;
    status: string;
    seconds: number;
    perMin: number;
}

/** A span of minutes with the same traffic; `scraped: false` = no sample at all. */
interface Phase {
    minutes: number;
    streams: Stream[];
    scraped?: boolean;
}

function budget(objectivePercent: number): number {
    return Number((1 - objectivePercent / 100).toPrecision(12));
}

/** Per-minute value of each phase, sample t=0..total (t=0 belongs to the first phase). */
function timeline<T>(phases: Phase[], pick: (phase: Phase) => T): T[] {
    const out: T[] = [];
    phases.forEach((phase, i) => {
        const n = i === 0 ? phase.minutes + 1 : phase.minutes;
        for (let k = 0; k < n; k++) out.push(pick(phase));
    });
    return out;
}

export class Builder {
    readonly b: { availability: number; latency: number };
    readonly fastSeconds: number;
    readonly slowSeconds: number;
    readonly pod: string;
    readonly otherPod: string;

    constructor(readonly p: EnvironmentParams) {
        this.b = { availability: budget(p.availabilityObjective), latency: budget(p.latencyObjective) };
        this.fastSeconds = p.latencyThresholdSeconds;
        this.slowSeconds = this.bucketAbove(p.latencyThresholdSeconds);
        this.pod = `${p.deployment}-7d9c8b6f5-x2k4p`;
        this.otherPod = `${p.deployment}-7d9c8b6f5-q8w3z`;
    }

    bucketAbove(seconds: number): number {
        const above = this.p.bucketsSeconds.find((b) => b > seconds + 1e-12);
        if (above === undefined) throw new Error(`no histogram bucket above ${seconds}s`);
        return above;
    }

    /** User traffic on "/" with whole-number shares of errors (500) and slow requests (200, one bucket above the threshold). */
    user(errors: number, slow: number, perMin = USER_PER_MIN, fast = this.fastSeconds, slowAt = this.slowSeconds): Stream[] {
        const e = Math.round(perMin * errors);
        const s = Math.round(perMin * slow);
        return [
            { route: "/", status: "200", seconds: fast, perMin: perMin - e - s },
            { route: "/", status: "200", seconds: slowAt, perMin: s },
            { route: "/", status: "500", seconds: fast, perMin: e },
        ];
    }

    /** Share of 5xx / slow requests the rounded counts really have. */
    shares(streams: Stream[]): { errors: number; slow: number } {
        const user = streams.filter((s) => s.route === "/");
        const total = user.reduce((n, s) => n + s.perMin, 0);
        const errors = user.filter((s) => s.status.startsWith("5")).reduce((n, s) => n + s.perMin, 0);
        const slow = user.filter((s) => s.seconds > this.p.latencyThresholdSeconds).reduce((n, s) => n + s.perMin, 0);
        return { errors: errors / total, slow: slow / total };
    }

    probes(readyStatus = "200", perMin = PROBES_PER_MIN): Stream[] {
        return [
            { route: "/healthz", status: "200", seconds: PROBE_SECONDS, perMin },
            { route: "/readyz", status: readyStatus, seconds: PROBE_SECONDS, perMin },
        ];
    }

    /** Healthy traffic: half of each error budget spent. */
    healthy(): Stream[] {
        return [...this.user(0.5 * this.b.availability, 0.5 * this.b.latency), ...this.probes()];
    }

    /** The app's histogram series (count + every bucket) per route and status code, as Prometheus stores them for the Service's target. */
    appSeries(phases: Phase[]): InputSeries[] {
        const classes = new Map<string, { route: string; status: string }>();
        for (const phase of phases) for (const s of phase.streams) classes.set(`${s.route} ${s.status}`, { route: s.route, status: s.status });
        const out: InputSeries[] = [];
        for (const [key, cls] of classes) {
            const labels = {
                namespace: this.p.namespace, service: this.p.service, pod: this.pod, job: this.p.service,
                method: "GET", route: cls.route, status_code: cls.status,
            };
            const inClass = (phase: Phase) => phase.streams.filter((s) => `${s.route} ${s.status}` === key);
            const increments = (upTo: number) => timeline(phases, (phase) =>
                phase.scraped === false ? undefined : inClass(phase).filter((s) => s.seconds <= upTo + 1e-12).reduce((n, s) => n + s.perMin, 0));
            out.push({ series: seriesName("http_request_duration_seconds_count", labels), values: expandingNotation(counter(increments(Infinity))) });
            for (const le of [...this.p.bucketsSeconds, Infinity]) {
                const leText = le === Infinity ? "+Inf" : String(le);
                out.push({ series: seriesName("http_request_duration_seconds_bucket", { ...labels, le: leText }), values: expandingNotation(counter(increments(le))) });
            }
        }
        return out;
    }

    /** Minutes from the fault until the workbook's first row with `action` detects a step from burn b0 to b1 (with a full window of b0 before it). */
    workbookDetection(action: Action, b0: number, b1: number): { minutes: number; row: WorkbookRow } | undefined {
        let best: { minutes: number; row: WorkbookRow } | undefined;
        for (const row of WORKBOOK_TABLE.filter((r) => r.action === action && b1 > r.burnRate)) {
            // The long window's average crosses the row's rate when the burning share of it reaches (r - b0) / (b1 - b0).
            const minutes = Math.max(0, (row.long * (row.burnRate - b0)) / (b1 - b0));
            if (!best || minutes + rowSlackMinutes(row) < best.minutes + rowSlackMinutes(best.row)) best = { minutes, row };
        }
        return best;
    }
}

const fires = (byMinute: number, match: Record<string, string>, expect: Array<Record<string, string>>, why: string): Expectation =>
    ({ kind: "fires", byMinute: Math.ceil(byMinute), match, expect, why });
const value = (atMinute: number, expr: string, labels: Record<string, string>, v: number, why: string): Expectation =>
    ({ kind: "value", atMinute, expr, labels, value: v, why });
const silent = (fromMinute: number, toMinute: number, match: Record<string, string>, why: string): Expectation =>
    ({ kind: "silent", fromMinute, toMinute, match, why });

// ---------------------------------------------------------------- the scenarios

export function buildScenarios(p: EnvironmentParams): Scenario[] {
    const x = new Builder(p);
    const severity = (a: Action) => (a === "page" ? p.pageSeverity : p.ticketSeverity);
    const slo = (s: "availability" | "latency", a: Action) => ({ match: { slo: s, action: a }, expect: [{ slo: s, action: a, severity: severity(a) }] });
    const scenarios: Array<Omit<Scenario, "evalMinutes">> = [];

    /** A step from healthy traffic to `fault` for an SLO: the first row of `action` fires within the workbook's time. */
    const burn = (name: string, title: string, sli: "availability" | "latency", action: Action, prefix: number, duration: number, fault: Stream[], neverPage = false) => {
        const phases: Phase[] = [{ minutes: prefix, streams: x.healthy() }, { minutes: duration, streams: fault }];
        const before = x.shares(x.healthy());
        const after = x.shares(fault);
        const key = sli === "availability" ? "errors" : "slow";
        const b0 = before[key] / x.b[sli];
        const b1 = after[key] / x.b[sli];
        const detection = x.workbookDetection(action, b0, b1);
        if (!detection) throw new Error(`${name}: a burn of ${b1}x reaches no ${action} row of the workbook table`);
        const bound = prefix + detection.minutes + rowSlackMinutes(detection.row);
        const other = sli === "availability" ? "latency" : "availability";
        const expectations: Expectation[] = [
            silent(0, prefix, {}, "healthy traffic (half of each budget) before the fault: nothing fires"),
            fires(bound, slo(sli, action).match, slo(sli, action).expect,
                `${b1.toFixed(1)}x burn: the ${detection.row.burnRate}x/${detection.row.long}m row detects after ${detection.minutes.toFixed(1)}m (+${rowSlackMinutes(detection.row).toFixed(1)}m slack)`),
            silent(0, prefix + duration, { slo: other }, `the ${other} SLO is not burning`),
        ];
        if (neverPage) expectations.push(silent(0, prefix + duration, { action: "page" }, `a ${b1.toFixed(1)}x burn is below every page row: it must never page`));
        scenarios.push({
            name, title, minutes: prefix + duration, faultMinute: prefix, series: x.appSeries(phases), expectations,
            allowed: { match: { slo: sli, action }, minutes: detection.minutes + rowSlackMinutes(detection.row), basis: `workbook ${detection.row.burnRate}x over ${detection.row.long / 60}h: ${detection.minutes.toFixed(1)}m + slack ${rowSlackMinutes(detection.row).toFixed(1)}m` },
        });
    };

    // Fast burn: 18x (above 14.4x) after 6h of healthy traffic (a full window for both page rows).
    burn("fast-burn", "availability 18x burn pages", "availability", "page", 360, 180,
        [...x.user(18 * x.b.availability, 0.5 * x.b.latency), ...x.probes()]);
    // Total outage: every user request fails.
    burn("outage", "availability 100% errors pages within minutes", "availability", "page", 60, 30,
        [...x.user(1, 0), ...x.probes()]);
    // Medium burn: 8x, below the 1h page row, above the 6h one: the 6h window must page in its time.
    burn("medium-burn", "availability 8x burn pages from the 6h window", "availability", "page", 360, 360,
        [...x.user(8 * x.b.availability, 0.5 * x.b.latency), ...x.probes()]);
    // Slow burn: 2x for 2 days after 3 days of healthy traffic: a ticket from the 3d row, never a page.
    burn("slow-burn", "availability 2x burn opens a ticket, never pages", "availability", "ticket", 4320, 2880,
        [...x.user(2 * x.b.availability, 0.5 * x.b.latency), ...x.probes()], true);
    // Latency fast burn: 18x the latency budget slower than the threshold.
    burn("latency-fast-burn", "latency 18x burn pages", "latency", "page", 360, 180,
        [...x.user(0.5 * x.b.availability, 18 * x.b.latency), ...x.probes()]);
    // Latency slow burn: 2x, ticket only.
    burn("latency-slow-burn", "latency 2x burn opens a ticket, never pages", "latency", "ticket", 4320, 2880,
        [...x.user(0.5 * x.b.availability, 2 * x.b.latency), ...x.probes()], true);

    // Healthy for 3 days at half of each budget: nothing at all fires; the 30d rules say half the budget is left.
    {
        const minutes = 4320;
        const phases: Phase[] = [{ minutes, streams: x.healthy() }];
        const mine = `namespace="${p.namespace}", service="${p.service}"`;
        scenarios.push({
            name: "healthy", title: "half of each budget for 3 days: no alert", minutes,
            series: [...x.appSeries(phases), ...kubernetesSeries(x, minutes, undefined)],
            expectations: [
                silent(0, minutes, {}, "a service spending half its budget never alerts (burn, absent, operational or kubernetes alerts)"),
                value(minutes, `round(namespace_service:slo_error_budget_remaining:ratio{${mine}, slo="availability"}, 0.001)`,
                    { namespace: p.namespace, service: p.service, slo: "availability" }, 0.5, "half the availability budget is left"),
                value(minutes, `round(namespace_service:slo_error_budget_remaining:ratio{${mine}, slo="latency"}, 0.001)`,
                    { namespace: p.namespace, service: p.service, slo: "latency" }, 0.5, "half the latency budget is left"),
                value(minutes, `round(1 - namespace_service:http_request_errors:ratio_rate30d{${mine}}, 0.000001)`,
                    { namespace: p.namespace, service: p.service }, Number((1 - 0.5 * x.b.availability).toFixed(6)), "the 30d availability SLI"),
            ],
        });
    }

    // Latency threshold bucket: requests exactly at the threshold are fast; one bucket above, slow.
    {
        const below = 180;
        const above = 120;
        const phases: Phase[] = [
            { minutes: below, streams: [...x.user(0, 0, USER_PER_MIN, x.fastSeconds), ...x.probes()] },
            { minutes: above, streams: [...x.user(0, 1, USER_PER_MIN, x.fastSeconds, x.slowSeconds), ...x.probes()] },
        ];
        const detection = x.workbookDetection("page", 0, 1 / x.b.latency)!;
        const allowed = detection.minutes + rowSlackMinutes(detection.row);
        scenarios.push({
            name: "latency-threshold", title: `all requests at ${p.latencyThresholdSeconds}s (le bucket) then at ${x.slowSeconds}s`, minutes: below + above, faultMinute: below,
            series: x.appSeries(phases),
            expectations: [
                silent(0, below, { slo: "latency" }, `requests taking exactly the threshold (${p.latencyThresholdSeconds}s) are within the SLO`),
                fires(below + allowed, slo("latency", "page").match, slo("latency", "page").expect, "every request one bucket above the threshold: 100% slow pages"),
            ],
            allowed: { match: { slo: "latency", action: "page" }, minutes: allowed, basis: `workbook ${detection.row.burnRate}x over ${detection.row.long / 60}h: ${detection.minutes.toFixed(1)}m + slack` },
        });
    }

    // No traffic at all, then probes only (readiness failing with 503 while draining): no SLO alert.
    {
        const phases: Phase[] = [
            { minutes: 720, streams: [...x.user(0, 0, 0), ...x.probes("200", 0), { route: "/readyz", status: "503", seconds: PROBE_SECONDS, perMin: 0 }] },
            { minutes: 720, streams: [...x.user(0, 0, 0), ...x.probes("200"), { route: "/readyz", status: "503", seconds: PROBE_SECONDS, perMin: 12 }] },
        ];
        scenarios.push({
            name: "no-traffic", title: "no requests (series present), then probes only with 503s: no alert", minutes: 1440,
            series: x.appSeries(phases),
            expectations: [silent(0, 1440, {}, "0/0 is no data, not a burn; probe traffic (even failing) is not user traffic; the series exist, so nothing is absent")],
        });
    }

    // Metrics absent: a scrape that stops, and a target never scraped.
    {
        const phases: Phase[] = [{ minutes: 60, streams: x.healthy() }, { minutes: 60, streams: [], scraped: false }];
        const absentExpect = (a: Action) => ["availability", "latency"].map((s) => ({ alertname: "SLOMetricAbsent", slo: s, action: a, severity: severity(a) }));
        scenarios.push({
            name: "metrics-absent", title: "scrapes stop after 1h: SLOMetricAbsent per SLO, as a ticket", minutes: 120, faultMinute: 60,
            series: x.appSeries(phases),
            expectations: [
                silent(0, 60, { alertname: "SLOMetricAbsent" }, "series present: not absent"),
                fires(60 + ABSENT_BOUND_MINUTES, { alertname: "SLOMetricAbsent" }, absentExpect("ticket"), "one absent alert per SLO, routed as a ticket"),
                silent(0, 120, { action: "page" }, "no data is not a burn: nothing pages"),
            ],
            allowed: { match: { alertname: "SLOMetricAbsent" }, minutes: ABSENT_BOUND_MINUTES, basis: "test bound: 5m staleness + at most 15m" },
        });
        scenarios.push({
            name: "never-scraped", title: "no app series at all: SLOMetricAbsent per SLO", minutes: 60, faultMinute: 0,
            series: [{ series: seriesName("up", { namespace: p.namespace, service: p.service, job: p.service, pod: x.pod }), values: "0x60" }],
            expectations: [fires(ABSENT_BOUND_MINUTES, { alertname: "SLOMetricAbsent" }, absentExpect("ticket"), "a ServiceMonitor that selects nothing is noticed")],
            allowed: { match: { alertname: "SLOMetricAbsent" }, minutes: ABSENT_BOUND_MINUTES, basis: "test bound: at most 20m" },
        });
    }

    // Operational: 5xx share above the threshold; p99 above its threshold.
    {
        const phases: Phase[] = [
            { minutes: 60, streams: [...x.user(0.5 * p.errorRateThreshold, 0), ...x.probes()] },
            { minutes: 60, streams: [...x.user(2 * p.errorRateThreshold, 0), ...x.probes()] },
        ];
        scenarios.push({
            name: "high-error-rate", title: `5xx at half, then twice ${p.errorRateThreshold * 100}%: HighErrorRate`, minutes: 120, faultMinute: 60,
            series: x.appSeries(phases),
            expectations: [
                silent(0, 60, { alertname: "HighErrorRate" }, "below the threshold: quiet"),
                fires(60 + OPERATIONAL_BOUND_MINUTES, { alertname: "HighErrorRate" }, [{ alertname: "HighErrorRate", action: "ticket", severity: p.ticketSeverity }], "above the threshold"),
            ],
            allowed: { match: { alertname: "HighErrorRate" }, minutes: OPERATIONAL_BOUND_MINUTES, basis: "test bound: 5m rate + for" },
        });
    }
    {
        const over = x.bucketAbove(p.p99ThresholdSeconds);
        const phases: Phase[] = [
            { minutes: 60, streams: [...x.user(0, 0, USER_PER_MIN, p.p99ThresholdSeconds), ...x.probes()] },
            { minutes: 60, streams: [...x.user(0, 1, USER_PER_MIN, p.p99ThresholdSeconds, over), ...x.probes()] },
        ];
        scenarios.push({
            name: "high-latency-p99", title: `all requests at ${p.p99ThresholdSeconds}s, then at ${over}s: HighLatencyP99`, minutes: 120, faultMinute: 60,
            series: x.appSeries(phases),
            expectations: [
                silent(0, 60, { alertname: "HighLatencyP99" }, `p99 within the ${p.p99ThresholdSeconds}s bucket: quiet`),
                fires(60 + OPERATIONAL_BOUND_MINUTES, { alertname: "HighLatencyP99" }, [{ alertname: "HighLatencyP99", action: "ticket", severity: p.ticketSeverity }], "p99 above the threshold"),
            ],
            allowed: { match: { alertname: "HighLatencyP99" }, minutes: OPERATIONAL_BOUND_MINUTES, basis: "test bound: 5m rate + for" },
        });
    }

    // Kubernetes alerts (the kubernetes-mixin duplicates), when they are among the rule files.
    if (p.kubernetesAlerts) {
        const healthyMinutes = 30;
        const minutes = 90;
        const expect = ["PodCrashLooping", "PodNotReady", "CPUThrottlingHigh"].map((alertname) => ({ alertname, pod: x.pod, action: "ticket", severity: p.ticketSeverity }));
        const expectations: Expectation[] = [
            silent(0, healthyMinutes, {}, "healthy pods: quiet"),
            silent(0, minutes, { pod: x.otherPod }, "the healthy pod never alerts"),
            ...expect.map((e) => fires(healthyMinutes + KUBERNETES_BOUND_MINUTES, { alertname: e.alertname }, [e], `${e.alertname} on the faulty pod`)),
        ];
        if (p.hpa) {
            expectations.push(fires(healthyMinutes + KUBERNETES_BOUND_MINUTES, { alertname: "HPAMaxedOut" },
                [{ alertname: "HPAMaxedOut", horizontalpodautoscaler: p.hpa, action: "ticket", severity: p.ticketSeverity }], "HPA at maxReplicas"));
        }
        scenarios.push({
            name: "kubernetes", title: "a pod crash-looping, not ready and throttled, the HPA at max", minutes, faultMinute: healthyMinutes,
            // The app stays healthy and scraped: only the pod-level alerts may fire.
            series: [...x.appSeries([{ minutes, streams: x.healthy() }]), ...kubernetesSeries(x, minutes, healthyMinutes)],
            expectations,
            allowed: { match: { action: "ticket" }, minutes: KUBERNETES_BOUND_MINUTES, basis: "test bound: 15m window + for" },
        });
    }
    return scenarios.map((s) => ({ ...s, evalMinutes: s.minutes >= 1440 ? 5 : 1 }));
}

/** kube-state-metrics and cAdvisor series for two pods and the HPA; the first pod turns faulty at `faultMinute`. */
function kubernetesSeries(x: Builder, minutes: number, faultMinute: number | undefined): InputSeries[] {
    const p = x.p;
    if (!p.kubernetesAlerts) return [];
    const faulty = (t: number) => faultMinute !== undefined && t > faultMinute;
    const ts = Array.from({ length: minutes + 1 }, (_, t) => t);
    const periodsPerMin = 600;
    const out: InputSeries[] = [];
    for (const pod of [x.pod, x.otherPod]) {
        const bad = (t: number) => pod === x.pod && faulty(t);
        const container = { namespace: p.namespace, pod, container: "app" };
        const restarts: Samples = counter(ts.map((t) => (bad(t) && t % 3 === 0 ? 1 : 0)));
        out.push({ series: seriesName("kube_pod_container_status_restarts_total", container), values: expandingNotation(restarts) });
        out.push({ series: seriesName("kube_pod_status_ready", { namespace: p.namespace, pod, condition: "true" }), values: expandingNotation(ts.map((t) => (bad(t) ? 0 : 1))) });
        out.push({ series: seriesName("container_cpu_cfs_periods_total", container), values: expandingNotation(counter(ts.map(() => periodsPerMin))) });
        const throttledShare = (t: number) => (bad(t) ? Math.min(0.9, 2 * p.cpuThrottlingThreshold) : 0.5 * p.cpuThrottlingThreshold);
        out.push({ series: seriesName("container_cpu_cfs_throttled_periods_total", container), values: expandingNotation(counter(ts.map((t) => Math.round(periodsPerMin * throttledShare(t))))) });
    }
    if (p.hpa) {
        const hpa = { namespace: p.namespace, horizontalpodautoscaler: p.hpa };
        out.push({ series: seriesName("kube_horizontalpodautoscaler_spec_max_replicas", hpa), values: `10x${minutes}` });
        out.push({ series: seriesName("kube_horizontalpodautoscaler_status_current_replicas", hpa), values: expandingNotation(ts.map((t) => (faulty(t) ? 10 : 2))) });
    }
    return out;
}

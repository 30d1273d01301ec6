// Generates the app's PrometheusRule groups as plain data: SLO recording rules, multi-window
// multi-burn-rate alerts and the operational alerts. Pure (no Pulumi), so tests can call it directly
// with any parameters as well as inspecting what the MonitoringStack registers.
import {
    APP_LATENCY_BUCKETS_SECONDS, APP_METRICS, APP_REQUEST_HISTOGRAM, CADVISOR_METRICS, KUBE_STATE_METRICS, PROBE_ROUTES,
} from "./metrics-catalog";
import type { ArgProblem } from "./problems";
import {
    LabelMatcher, bucketMatcher, eq, histogramQuantile, increase, maxBy, nre, promNumber, rate, re, regexEscape, selector, sumBy,
} from "./promql";
import {
    AlertAction, BurnRateWindow, SLO_PERIOD, SRE_WORKBOOK_BURN_RATE_WINDOWS, assertThresholdIsBucket, burnRateThreshold, durationSeconds, errorBudgetRatio, recordedWindows,
} from "./slo";

/** From this window on, SLI ratios are sums of the recorded 5m rates rather than rates of the raw series. */
export const SUMMED_FROM_WINDOW = "1d";

export interface RecordingRule {
    record: string;
    expr: string;
    labels?: Record<string, string>;
}

export interface AlertingRule {
    alert: string;
    expr: string;
    for: string;
    labels: Record<string, string>;
    annotations: { summary: string; description: string; runbook_url: string };
}

export type Rule = RecordingRule | AlertingRule;

export interface RuleGroup {
    name: string;
    interval?: string;
    rules: Rule[];
}

export type Severity = "critical" | "warning" | "info";

export interface AppRuleParams {
    /** Resolved names: rules select the app's series by them. */
    namespace: string;
    service: string;
    deployment: string;
    /** Omit when the app has no HorizontalPodAutoscaler (the HPA alert is then not generated). */
    hpa?: string;
    environment: string;
    team: string;
    availabilityObjective: number;
    latencyObjective: number;
    latencyThresholdSeconds: number;
    p99ThresholdSeconds: number;
    /** 5xx share over 5m above which the (ticket) error-rate alert fires, e.g. 0.05. */
    errorRateThreshold: number;
    /** Throttled share of CFS periods above which the CPU throttling alert fires, e.g. 0.25. */
    cpuThrottlingThreshold: number;
    /** Container restarts within 15m that count as crash looping. */
    crashLoopRestarts: number;
    pageSeverity: Severity;
    ticketSeverity: Severity;
    runbookBaseUrl: string;
    /**
     * Generate PodCrashLooping, PodNotReady, CPUThrottlingHigh and HPAMaxedOut. They nearly duplicate
     * kubernetes-mixin's KubePodCrashLooping, KubePodNotReady, CPUThrottlingHigh and KubeHpaMaxedOut,
     * which kube-prometheus-stack ships: only for a Prometheus without that mixin.
     */
    kubernetesMixinAlerts?: boolean;
    latencyBucketsSeconds?: readonly number[];
    burnRateWindows?: readonly BurnRateWindow[];
}

/** Labels every aggregated SLI keeps: enough to route (namespace) and to tell services apart. */
export const SLI_LABELS = ["namespace", "service"] as const;

export type Sli = "availability" | "latency";

/** Recording rule name per SLI and window, Prometheus `level:metric:operations` convention. */
export function sliRecordName(sli: Sli, window: string): string {
    return sli === "availability"
        ? `namespace_service:http_request_errors:ratio_rate${window}`
        : `namespace_service:http_request_slow:ratio_rate${window}`;
}

/** Per-second rates over 5m of requests and of each SLI's bad events: the 30-day SLI sums them. */
export const RATE5M_RECORDS = {
    requests: "namespace_service:http_requests:rate5m",
    availability: "namespace_service:http_request_errors:rate5m",
    latency: "namespace_service:http_request_slow:rate5m",
} as const;

/** Share of the SLO period's error budget left (1 = untouched, 0 = spent, < 0 = overspent), label `slo`. */
export const BUDGET_REMAINING_RECORD = "namespace_service:slo_error_budget_remaining:ratio";

/**
 * Where an alert's runbook is: one page, one anchor per alert (`<base>#<alert in lowercase>`),
 * the anchor a Markdown renderer gives a heading that is the alert's name (docs/observability.md).
 */
export function runbookUrl(baseUrl: string, alertName: string): string {
    return `${baseUrl.replace(/\/+$/, "")}#${alertName.toLowerCase()}`;
}

/** Name of the alert that says an SLO's metrics are missing (pyrra's name; label `slo` tells which). */
export const SLO_METRICS_ABSENT_ALERT = "SLOMetricAbsent";

export function isAlertingRule(rule: Rule): rule is AlertingRule {
    return (rule as AlertingRule).alert !== undefined;
}

/** Group names, stable: tests and humans find rules by them. */
export const RULE_GROUPS = {
    recording: "websvc-slo-recording",
    slo: "websvc-slo-alerts",
    operational: "websvc-operational-alerts",
    kubernetes: "websvc-kubernetes-alerts",
} as const;

/** Alert thresholds that are ratios must lie strictly between 0 and 1 (paths are the threshold names). */
export function ratioThresholdProblems(thresholds: Record<string, number>): ArgProblem[] {
    return Object.entries(thresholds)
        .filter(([, value]) => !(value > 0 && value < 1))
        .map(([path, value]) => ({ path, message: `must be a ratio between 0 and 1 (exclusive), got ${value}` }));
}

export function buildAppRuleGroups(p: AppRuleParams): RuleGroup[] {
    assertThresholdIsBucket(p.latencyThresholdSeconds, p.latencyBucketsSeconds ?? APP_LATENCY_BUCKETS_SECONDS, APP_REQUEST_HISTOGRAM);
    const [bad] = ratioThresholdProblems({ errorRateThreshold: p.errorRateThreshold, cpuThrottlingThreshold: p.cpuThrottlingThreshold });
    if (bad) throw new Error(`${bad.path} ${bad.message}`);
    const windows = p.burnRateWindows ?? SRE_WORKBOOK_BURN_RATE_WINDOWS;

    // User traffic of this Service only: probes are excluded from every SLI.
    const app: LabelMatcher[] = [eq("namespace", p.namespace), eq("service", p.service), nre("route", PROBE_ROUTES.map(regexEscape).join("|"))];
    const requests = (w: string) => sumBy(SLI_LABELS, rate(selector(APP_METRICS.requestCount, app), w));
    const errors = (w: string) => sumBy(SLI_LABELS, rate(selector(APP_METRICS.requestCount, [...app, re("status_code", "5..")]), w));
    const fast = (w: string) => sumBy(SLI_LABELS, rate(selector(APP_METRICS.requestBucket, [...app, bucketMatcher(p.latencyThresholdSeconds)]), w));

    // 5m rates of requests and of each SLI's bad events, recorded first: the day-long windows and
    // the SLO period read them instead of the raw histogram.
    const mine = [eq("namespace", p.namespace), eq("service", p.service)];
    const recorded = (name: string) => selector(name, mine);
    const summed = (name: string, w: string) => `sum_over_time(${recorded(name)}[${w}])`;
    const recording: RecordingRule[] = [
        { record: RATE5M_RECORDS.requests, expr: requests("5m") },
        { record: RATE5M_RECORDS.availability, expr: errors("5m") },
        { record: RATE5M_RECORDS.latency, expr: `${requests("5m")} - ${fast("5m")}` },
    ];
    // Windows up to hours: rates of the raw series. From a day on, a raw rate reads days of every
    // count and bucket series at each evaluation (3/4 of the rule evaluation's CPU in the promtool
    // tests); the sums of the recorded 5m rates read one series, stay weighted by traffic, and
    // differ from the raw ratio only at the window's 5m edges.
    for (const w of recordedWindows(windows)) {
        if (durationSeconds(w) >= durationSeconds(SUMMED_FROM_WINDOW)) {
            for (const sli of ["availability", "latency"] as const) {
                recording.push({ record: sliRecordName(sli, w), expr: `${summed(RATE5M_RECORDS[sli], w)} / ${summed(RATE5M_RECORDS.requests, w)}` });
            }
            continue;
        }
        recording.push(
            { record: sliRecordName("availability", w), expr: `${errors(w)} / ${requests(w)}` },
            // slow = 1 - fast/total, written as (total - fast) / total so it stays a single ratio.
            { record: sliRecordName("latency", w), expr: `(${requests(w)} - ${fast(w)}) / ${requests(w)}` },
        );
    }

    // The SLO period's SLI and budget, the same way: an average of 5m ratios would not be weighted
    // by traffic, and one idle 5m (0/0, NaN) would poison it. Gaps in recording cancel out.
    for (const [sli, objective] of [["availability", p.availabilityObjective], ["latency", p.latencyObjective]] as const) {
        recording.push({ record: sliRecordName(sli, SLO_PERIOD), expr: `${summed(RATE5M_RECORDS[sli], SLO_PERIOD)} / ${summed(RATE5M_RECORDS.requests, SLO_PERIOD)}` });
        recording.push({
            record: BUDGET_REMAINING_RECORD,
            expr: `1 - ${recorded(sliRecordName(sli, SLO_PERIOD))} / ${promNumber(errorBudgetRatio(objective))}`,
            labels: { slo: sli },
        });
    }
    const recordedSli = (sli: Sli, w: string) => recorded(sliRecordName(sli, w));
    const severity = (a: AlertAction) => (a === "page" ? p.pageSeverity : p.ticketSeverity);
    const alert = (name: string, a: AlertAction, expr: string, forDuration: string, summary: string, description: string, extra: Record<string, string> = {}): AlertingRule => ({
        alert: name,
        expr,
        for: forDuration,
        labels: { severity: severity(a), team: p.team, environment: p.environment, action: a, ...extra },
        annotations: { summary, description, runbook_url: runbookUrl(p.runbookBaseUrl, name) },
    });

    const sloAlerts: AlertingRule[] = [];
    for (const [sli, objective, title] of [
        ["availability", p.availabilityObjective, "ErrorBudgetBurn"],
        ["latency", p.latencyObjective, "LatencyBudgetBurn"],
    ] as const) {
        for (const w of windows) {
            const threshold = burnRateThreshold(w.burnRate, objective);
            const what = sli === "availability" ? "5xx responses" : `requests slower than ${promNumber(p.latencyThresholdSeconds)}s`;
            sloAlerts.push(alert(
                `${title}${w.longWindow}`,
                w.action,
                `${recordedSli(sli, w.longWindow)} > ${threshold} and ${recordedSli(sli, w.shortWindow)} > ${threshold}`,
                w.for,
                `${p.service}: ${sli} SLO (${objective}%) error budget burning ${w.burnRate}x over ${w.longWindow} and ${w.shortWindow}`,
                `The share of ${what} is {{ $value | humanizePercentage }} (threshold ${threshold} = ${w.burnRate} x (1 - ${objective}%)). ` +
                `At this rate ${w.budgetSpentPercent}% of the ${SLO_PERIOD} error budget is gone within ${w.longWindow}.`,
                { slo: sli, burn_rate: String(w.burnRate), long_window: w.longWindow, short_window: w.shortWindow },
            ));
        }
    }

    // Silence is not health: if the ServiceMonitor selects nothing (a wrong `release` label, a
    // renamed port) or every scrape fails, each burn-rate alert above reads "no data" and stays
    // quiet. The kubelet's probes keep the histogram populated even without user traffic, so absence
    // means no scrape, not no requests. A failed scrape writes stale markers at once; a vanished
    // target goes stale after 5m; `for: 10m` rides out a rollout's gaps. A ticket: nothing is known
    // to be broken for users, but the SLO is blind.
    for (const [sli, metric] of [["availability", APP_METRICS.requestCount], ["latency", APP_METRICS.requestBucket]] as const) {
        const series = metric === APP_METRICS.requestBucket ? [...mine, bucketMatcher(p.latencyThresholdSeconds)] : mine;
        sloAlerts.push(alert(
            SLO_METRICS_ABSENT_ALERT, "ticket",
            `absent(${selector(metric, series)})`,
            "10m",
            `${p.service}: no ${metric} series for the ${sli} SLO`,
            `Prometheus has no ${selector(metric, series)} series: the ${sli} SLO and its burn-rate alerts are blind. ` +
            "Check that the ServiceMonitor selects the Service (release label, port name) and that its targets are up.",
            { slo: sli, namespace: p.namespace, service: p.service },
        ));
    }

    const pod: LabelMatcher[] = [eq("namespace", p.namespace), re("pod", `${regexEscape(p.deployment)}-[a-z0-9]+-[a-z0-9]+`)];
    const operational: AlertingRule[] = [
        alert(
            "HighLatencyP99", "ticket",
            `${histogramQuantile(0.99, sumBy([...SLI_LABELS, "le"], rate(selector(APP_METRICS.requestBucket, app), "5m")))} > ${promNumber(p.p99ThresholdSeconds)}`,
            "10m",
            `${p.service}: p99 latency above ${promNumber(p.p99ThresholdSeconds)}s`,
            "p99 request latency over 5m is {{ $value | humanizeDuration }}.",
        ),
        alert(
            "HighErrorRate", "ticket",
            `${errors("5m")} / ${requests("5m")} > ${promNumber(p.errorRateThreshold)}`,
            "5m",
            `${p.service}: more than ${promNumber(p.errorRateThreshold * 100)}% of requests fail`,
            "{{ $value | humanizePercentage }} of requests returned 5xx over the last 5m.",
        ),
    ];
    const kubernetes: AlertingRule[] = [
        alert(
            "PodCrashLooping", "ticket",
            `${sumBy(["namespace", "pod", "container"], increase(selector(KUBE_STATE_METRICS.containerRestarts, pod), "15m"))} >= ${p.crashLoopRestarts}`,
            "5m",
            `${p.deployment}: container restarting repeatedly`,
            "Container {{ $labels.container }} in pod {{ $labels.pod }} restarted {{ $value }} times in 15m.",
        ),
        alert(
            "PodNotReady", "ticket",
            `${maxBy(["namespace", "pod"], selector(KUBE_STATE_METRICS.podReady, [...pod, eq("condition", "true")]))} == 0`,
            "15m",
            `${p.deployment}: pod not ready`,
            "Pod {{ $labels.pod }} has not been Ready for 15 minutes.",
        ),
        alert(
            "CPUThrottlingHigh", "ticket",
            `${sumBy(["namespace", "pod", "container"], increase(selector(CADVISOR_METRICS.cpuCfsThrottledPeriods, [...pod, nre("container", "|POD")]), "5m"))} / ` +
            `${sumBy(["namespace", "pod", "container"], increase(selector(CADVISOR_METRICS.cpuCfsPeriods, [...pod, nre("container", "|POD")]), "5m"))} > ${promNumber(p.cpuThrottlingThreshold)}`,
            "15m",
            `${p.deployment}: CPU throttled`,
            "{{ $value | humanizePercentage }} of CFS periods of {{ $labels.container }} in {{ $labels.pod }} were throttled: the CPU limit is too low for the load.",
        ),
    ];
    if (p.hpa !== undefined) {
        const hpa = [eq("namespace", p.namespace), eq("horizontalpodautoscaler", p.hpa)];
        kubernetes.push(alert(
            "HPAMaxedOut", "ticket",
            `${maxBy(["namespace", "horizontalpodautoscaler"], selector(KUBE_STATE_METRICS.hpaCurrentReplicas, hpa))} >= ` +
            `${maxBy(["namespace", "horizontalpodautoscaler"], selector(KUBE_STATE_METRICS.hpaMaxReplicas, hpa))}`,
            "15m",
            `${p.hpa}: autoscaler at its maximum replicas`,
            "The HPA has run at maxReplicas for 15 minutes; it cannot absorb more load.",
        ));
    }

    return [
        { name: RULE_GROUPS.recording, rules: recording },
        { name: RULE_GROUPS.slo, rules: sloAlerts },
        { name: RULE_GROUPS.operational, rules: operational },
        ...(p.kubernetesMixinAlerts ? [{ name: RULE_GROUPS.kubernetes, rules: kubernetes }] : []),
    ];
}

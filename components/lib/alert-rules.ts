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
    AlertAction, BurnRateWindow, SLO_PERIOD, SRE_WORKBOOK_BURN_RATE_WINDOWS, assertThresholdIsBucket, burnRateThreshold, recordedWindows,
} from "./slo";

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

export function isAlertingRule(rule: Rule): rule is AlertingRule {
    return (rule as AlertingRule).alert !== undefined;
}

/** Group names, stable: tests and humans find rules by them. */
export const RULE_GROUPS = {
    recording: "websvc-slo-recording",
    slo: "websvc-slo-alerts",
    operational: "websvc-operational-alerts",
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

    const recording: RecordingRule[] = recordedWindows(windows).flatMap((w) => [
        { record: sliRecordName("availability", w), expr: `${errors(w)} / ${requests(w)}` },
        // slow = 1 - fast/total, written as (total - fast) / total so it stays a single ratio.
        { record: sliRecordName("latency", w), expr: `(${requests(w)} - ${fast(w)}) / ${requests(w)}` },
    ]);

    const recorded = (sli: Sli, w: string) => selector(sliRecordName(sli, w), [eq("namespace", p.namespace), eq("service", p.service)]);
    const severity = (a: AlertAction) => (a === "page" ? p.pageSeverity : p.ticketSeverity);
    const alert = (name: string, a: AlertAction, expr: string, forDuration: string, summary: string, description: string, extra: Record<string, string> = {}): AlertingRule => ({
        alert: name,
        expr,
        for: forDuration,
        labels: { severity: severity(a), team: p.team, environment: p.environment, action: a, ...extra },
        annotations: { summary, description, runbook_url: `${p.runbookBaseUrl.replace(/\/+$/, "")}#${name.toLowerCase()}` },
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
                `${recorded(sli, w.longWindow)} > ${threshold} and ${recorded(sli, w.shortWindow)} > ${threshold}`,
                w.for,
                `${p.service}: ${sli} SLO (${objective}%) error budget burning ${w.burnRate}x over ${w.longWindow} and ${w.shortWindow}`,
                `The share of ${what} is {{ $value | humanizePercentage }} (threshold ${threshold} = ${w.burnRate} x (1 - ${objective}%)). ` +
                `At this rate ${w.budgetSpentPercent}% of the ${SLO_PERIOD} error budget is gone within ${w.longWindow}.`,
                { slo: sli, burn_rate: String(w.burnRate), long_window: w.longWindow, short_window: w.shortWindow },
            ));
        }
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
        operational.push(alert(
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
    ];
}

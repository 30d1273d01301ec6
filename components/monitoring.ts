// Observability for the app, shaped for kube-prometheus-stack:
//   - ServiceMonitor: scrapes the Service's `metrics` port (by NAME) at /metrics.
//   - PrometheusRule: SLO recording rules + multi-window multi-burn-rate alerts + operational alerts.
//     Both carry `release: <prometheusRelease>`, the label the chart's Prometheus selects by default.
//   - Grafana dashboard ConfigMap (`grafana_dashboard: "1"`). kube-prometheus-stack's Grafana sidecar
//     searches ALL namespaces by default (grafana.sidecar.dashboards.searchNamespace), so it lives
//     next to the app; set `dashboardNamespace` if your Grafana only watches its own namespace.
//   - Optional alert routing: an AlertmanagerConfig (monitoring.coreos.com/v1alpha1) whose receiver
//     reads the webhook URL from a Kubernetes Secret. The URL never enters Helm values, a ConfigMap
//     or the Alertmanager CR; it exists once, as a Pulumi secret, in that Secret. The operator scopes
//     an AlertmanagerConfig to alerts whose `namespace` label is its own namespace, which every rule
//     here keeps.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { METRICS_PATH, METRICS_PORT_NAME } from "./lib/app-contract";
import { AppIdentity, recommendedLabels, selectorLabels } from "./lib/labels";
import { AppRuleParams, Severity, buildAppRuleGroups, ratioThresholdProblems } from "./lib/alert-rules";
import { buildAppDashboard, dashboardUid } from "./lib/grafana-dashboard";
import { APP_LATENCY_BUCKETS_SECONDS, APP_REQUEST_HISTOGRAM } from "./lib/metrics-catalog";
import { refuseInvalidArgs, type ArgProblem } from "./lib/problems";
import { objectiveProblems, thresholdBucketProblems } from "./lib/slo";

export const MONITORING_STACK_TYPE = "websvc:monitoring:MonitoringStack";
/** The Workload's metrics port (by name) and path. */
export const DEFAULT_METRICS_PORT_NAME = METRICS_PORT_NAME;
export const DEFAULT_METRICS_PATH = METRICS_PATH;
export const DEFAULT_SCRAPE_INTERVAL = "30s";
export const DEFAULT_SCRAPE_TIMEOUT = "10s";
export const DEFAULT_P99_THRESHOLD_SECONDS = 1;
export const DEFAULT_ERROR_RATE_THRESHOLD = 0.05;
export const DEFAULT_CPU_THROTTLING_THRESHOLD = 0.25;
export const DEFAULT_CRASH_LOOP_RESTARTS = 3;
/** Anchor per alert is appended (`#errorbudgetburn1h`, see runbookUrl). Override with your runbook location. */
export const DEFAULT_RUNBOOK_BASE_URL = "https://runbooks.example.com/websvc";
export const DASHBOARD_LABEL = { grafana_dashboard: "1" } as const;
export const ALERT_RECEIVER_SECRET_KEY = "url";

export type AlertReceiverKind = "pagerduty" | "slack" | "webhook" | "none";

/** Alertmanager timing per environment: production pages quickly and repeats often. */
export const ALERT_ROUTING: Record<string, { groupWait: string; groupInterval: string; pageRepeat: string; ticketRepeat: string }> = {
    production: { groupWait: "30s", groupInterval: "5m", pageRepeat: "1h", ticketRepeat: "12h" },
    staging: { groupWait: "1m", groupInterval: "10m", pageRepeat: "4h", ticketRepeat: "24h" },
};

export interface SloArgs {
    /** Percent, e.g. 99.9. */
    availabilityObjective: number;
    /** Percent of requests that must be faster than latencyThresholdSeconds. */
    latencyObjective: number;
    /** Must be a bucket boundary of the app's request histogram. */
    latencyThresholdSeconds: number;
}

export interface AlertingArgs {
    receiver: AlertReceiverKind;
    /**
     * Secret. webhook: the URL; slack: the incoming-webhook URL; pagerduty: the Events API v2
     * routing (integration) key. Required unless receiver is "none".
     */
    webhookUrl?: pulumi.Input<string>;
}

export interface MonitoringStackArgs {
    identity: AppIdentity;
    namespace: pulumi.Input<string>;
    serviceName: pulumi.Input<string>;
    /** Labels on the Service (not the pods) the ServiceMonitor selects; defaults to the app's selector labels. */
    serviceSelectorLabels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** NAME of the Service port that serves metrics. */
    metricsPortName?: string;
    metricsPath?: string;
    scrapeInterval?: string;
    scrapeTimeout?: string;
    deploymentName: pulumi.Input<string>;
    /** Omit when autoscaling is disabled. */
    hpaName?: pulumi.Input<string>;
    /** kube-prometheus-stack Helm release name (its Prometheus selects `release: <name>`). */
    prometheusRelease: string;
    slo: SloArgs;
    team: string;
    pageSeverity: Severity;
    ticketSeverity: Severity;
    p99ThresholdSeconds?: number;
    errorRateThreshold?: number;
    cpuThrottlingThreshold?: number;
    crashLoopRestarts?: number;
    runbookBaseUrl?: string;
    /**
     * PodCrashLooping, PodNotReady, CPUThrottlingHigh, HPAMaxedOut: near-copies of kubernetes-mixin
     * alerts that kube-prometheus-stack already ships (two notifications per incident). Default off;
     * turn on only for a Prometheus without that mixin.
     */
    kubernetesMixinAlerts?: boolean;
    latencyBucketsSeconds?: readonly number[];
    dashboardNamespace?: pulumi.Input<string>;
    alerting?: AlertingArgs;
    /** Resources installing the prometheus-operator CRDs (Platform), when this program installs them. */
    operatorDependencies?: pulumi.Resource[];
}

function receiverSpec(kind: Exclude<AlertReceiverKind, "none">, receiverName: string, secretName: pulumi.Input<string>) {
    const ref = { name: secretName, key: ALERT_RECEIVER_SECRET_KEY };
    switch (kind) {
        case "webhook": return { name: receiverName, webhookConfigs: [{ urlSecret: ref, sendResolved: true }] };
        case "slack": return { name: receiverName, slackConfigs: [{ apiURL: ref, sendResolved: true }] };
        case "pagerduty": return { name: receiverName, pagerdutyConfigs: [{ routingKey: ref, sendResolved: true }] };
    }
}

/** Resolved object names the rules select series by. */
export interface RuleTargetNames {
    namespace: string;
    service: string;
    deployment: string;
    hpa?: string;
}

/**
 * The rule generator's parameters for these args, defaults applied: what the PrometheusRule is built
 * from, and what the generated promtool tests (tests/tiers/alerts) are built from.
 */
export function appRuleParams(args: MonitoringStackRuleParamArgs, names: RuleTargetNames): AppRuleParams {
    return {
        ...names,
        environment: args.identity.environment,
        team: args.team,
        availabilityObjective: args.slo.availabilityObjective,
        latencyObjective: args.slo.latencyObjective,
        latencyThresholdSeconds: args.slo.latencyThresholdSeconds,
        p99ThresholdSeconds: args.p99ThresholdSeconds ?? DEFAULT_P99_THRESHOLD_SECONDS,
        errorRateThreshold: args.errorRateThreshold ?? DEFAULT_ERROR_RATE_THRESHOLD,
        cpuThrottlingThreshold: args.cpuThrottlingThreshold ?? DEFAULT_CPU_THROTTLING_THRESHOLD,
        crashLoopRestarts: args.crashLoopRestarts ?? DEFAULT_CRASH_LOOP_RESTARTS,
        pageSeverity: args.pageSeverity,
        ticketSeverity: args.ticketSeverity,
        runbookBaseUrl: args.runbookBaseUrl ?? DEFAULT_RUNBOOK_BASE_URL,
        kubernetesMixinAlerts: args.kubernetesMixinAlerts ?? false,
        latencyBucketsSeconds: args.latencyBucketsSeconds ?? APP_LATENCY_BUCKETS_SECONDS,
    };
}

export type MonitoringStackRuleParamArgs = { identity: Pick<AppIdentity, "environment"> } & Pick<MonitoringStackArgs,
    "slo" | "team" | "pageSeverity" | "ticketSeverity" | "p99ThresholdSeconds" | "errorRateThreshold" |
    "cpuThrottlingThreshold" | "crashLoopRestarts" | "runbookBaseUrl" | "kubernetesMixinAlerts" | "latencyBucketsSeconds">;

/** The args the rules read: all of them plain values, known before any resource exists. */
export type MonitoringStackRuleArgs = Pick<MonitoringStackArgs, "slo" | "latencyBucketsSeconds" | "errorRateThreshold" | "cpuThrottlingThreshold" | "alerting"> & {
    identity: Pick<AppIdentity, "environment">;
};

/** Every rule MonitoringStack's args must meet, as problems with paths into the args. */
export function monitoringStackArgsProblems(args: MonitoringStackRuleArgs): ArgProblem[] {
    const buckets = args.latencyBucketsSeconds ?? APP_LATENCY_BUCKETS_SECONDS;
    const problems = [
        ...thresholdBucketProblems(args.slo.latencyThresholdSeconds, buckets, APP_REQUEST_HISTOGRAM, "slo.latencyThresholdSeconds"),
        ...objectiveProblems(args.slo.availabilityObjective, "slo.availabilityObjective"),
        ...objectiveProblems(args.slo.latencyObjective, "slo.latencyObjective"),
        ...ratioThresholdProblems({
            errorRateThreshold: args.errorRateThreshold ?? DEFAULT_ERROR_RATE_THRESHOLD,
            cpuThrottlingThreshold: args.cpuThrottlingThreshold ?? DEFAULT_CPU_THROTTLING_THRESHOLD,
        }),
    ];
    const receiver = args.alerting?.receiver ?? "none";
    if (receiver !== "none" && args.alerting?.webhookUrl === undefined) {
        problems.push({ path: "alerting.webhookUrl", message: `must be set (a secret) for alerting.receiver "${receiver}"` });
    }
    if (receiver !== "none" && ALERT_ROUTING[args.identity.environment] === undefined) {
        problems.push({ path: "identity.environment", message: `has no alert routing (known: ${Object.keys(ALERT_ROUTING).join(", ")}), got ${JSON.stringify(args.identity.environment)}` });
    }
    return problems;
}

export class MonitoringStack extends pulumi.ComponentResource {
    readonly serviceMonitorName: pulumi.Output<string>;
    readonly prometheusRuleName: pulumi.Output<string>;
    readonly dashboardConfigMapName: pulumi.Output<string>;
    readonly dashboardUid: string;
    readonly alertmanagerConfigName?: pulumi.Output<string>;

    constructor(name: string, args: MonitoringStackArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate before registering anything, so a bad SLO fails the preview with a clear message and leaves nothing.
        refuseInvalidArgs("MonitoringStack", name, monitoringStackArgsProblems(args));
        super(MONITORING_STACK_TYPE, name, {}, opts);

        const alerting = args.alerting ?? { receiver: "none" as const };
        const routing = ALERT_ROUTING[args.identity.environment];

        const releaseLabel = { release: args.prometheusRelease };
        const labels = { ...recommendedLabels(args.identity, "monitoring"), ...releaseLabel };
        const crdOpts: pulumi.CustomResourceOptions = { parent: this, dependsOn: args.operatorDependencies ?? [] };

        const serviceMonitor = new k8s.apiextensions.CustomResource(`${name}-servicemonitor`, {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "ServiceMonitor",
            metadata: { namespace: args.namespace, labels },
            spec: {
                selector: { matchLabels: args.serviceSelectorLabels ?? selectorLabels(args.identity) },
                namespaceSelector: { matchNames: [args.namespace] },
                endpoints: [{
                    port: args.metricsPortName ?? DEFAULT_METRICS_PORT_NAME,
                    path: args.metricsPath ?? DEFAULT_METRICS_PATH,
                    interval: args.scrapeInterval ?? DEFAULT_SCRAPE_INTERVAL,
                    scrapeTimeout: args.scrapeTimeout ?? DEFAULT_SCRAPE_TIMEOUT,
                    // Keep the target's namespace/service/pod labels: the rules and routing depend on them.
                    honorLabels: false,
                }],
            },
        }, crdOpts);

        const names = pulumi.all([args.namespace, args.serviceName, args.deploymentName, args.hpaName]);
        const groups = names.apply(([namespace, service, deployment, hpa]) => buildAppRuleGroups(appRuleParams(args, { namespace, service, deployment, hpa })));
        const rule = new k8s.apiextensions.CustomResource(`${name}-rules`, {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PrometheusRule",
            metadata: { namespace: args.namespace, labels },
            spec: { groups },
        }, crdOpts);

        this.dashboardUid = dashboardUid(args.identity.instance);
        const dashboardJson = names.apply(([namespace, service, deployment, hpa]) => JSON.stringify(buildAppDashboard({
            uidSeed: args.identity.instance,
            title: `${args.identity.name} (${args.identity.environment})`,
            namespace, service, deployment, hpa,
            tags: [args.identity.environment, args.team],
            slo: { availabilityObjective: args.slo.availabilityObjective, latencyObjective: args.slo.latencyObjective },
        }), null, 2));
        const dashboard = new k8s.core.v1.ConfigMap(`${name}-dashboard`, {
            metadata: {
                namespace: args.dashboardNamespace ?? args.namespace,
                labels: { ...recommendedLabels(args.identity, "monitoring"), ...DASHBOARD_LABEL },
            },
            // The sidecar writes every key into one folder: the key must be unique per app instance.
            data: { [`${args.identity.instance}.json`]: dashboardJson },
        }, { parent: this });

        if (alerting.receiver !== "none" && routing !== undefined) {
            const receiverSecret = new k8s.core.v1.Secret(`${name}-alert-receiver`, {
                metadata: { namespace: args.namespace, labels },
                type: "Opaque",
                stringData: { [ALERT_RECEIVER_SECRET_KEY]: pulumi.secret(alerting.webhookUrl!) },
            }, { parent: this });
            const receiverName = `${args.team}-${alerting.receiver}`;
            const actionRoute = (action: "page" | "ticket", repeatInterval: string) => ({
                receiver: receiverName,
                matchers: [{ name: "action", value: action, matchType: "=" }],
                repeatInterval,
            });
            const amConfig = new k8s.apiextensions.CustomResource(`${name}-alertmanagerconfig`, {
                apiVersion: "monitoring.coreos.com/v1alpha1",
                kind: "AlertmanagerConfig",
                metadata: { namespace: args.namespace, labels },
                spec: {
                    route: {
                        receiver: receiverName,
                        groupBy: ["alertname", "namespace", "service"],
                        groupWait: routing.groupWait,
                        groupInterval: routing.groupInterval,
                        repeatInterval: routing.ticketRepeat,
                        matchers: [
                            { name: "team", value: args.team, matchType: "=" },
                            { name: "environment", value: args.identity.environment, matchType: "=" },
                        ],
                        routes: [actionRoute("page", routing.pageRepeat), actionRoute("ticket", routing.ticketRepeat)],
                    },
                    receivers: [receiverSpec(alerting.receiver, receiverName, receiverSecret.metadata.name)],
                },
            }, crdOpts);
            this.alertmanagerConfigName = amConfig.metadata.name;
        }

        this.serviceMonitorName = serviceMonitor.metadata.name;
        this.prometheusRuleName = rule.metadata.name;
        this.dashboardConfigMapName = dashboard.metadata.name;
        this.registerOutputs({
            serviceMonitorName: this.serviceMonitorName,
            prometheusRuleName: this.prometheusRuleName,
            dashboardConfigMapName: this.dashboardConfigMapName,
            dashboardUid: this.dashboardUid,
            alertmanagerConfigName: this.alertmanagerConfigName,
        });
    }
}

import { recorder, outputValue, allStrings, SECRET_MASK } from "../harness";
import { strict as assert } from "assert";
import { itRefusesRegisteringNothing, type Refusal } from "../harness/refusals";
import * as k8s from "@pulumi/kubernetes";
import { schemaErrorOf } from "../support/kubernetes-schema";
import { lintPromql, interpolateGrafanaVariables } from "./support/promql-lint";
import { createMetrics } from "../../app/src/metrics";
import { Workload } from "../../components/workload";
import { baseArgs } from "./workload-fixtures";
import { MONITORING_STACK_TYPE, MonitoringStack, MonitoringStackArgs } from "../../components/monitoring";
import { APP_LATENCY_BUCKETS_SECONDS, KNOWN_SCRAPED_METRICS } from "../../components/lib/metrics-catalog";
import { AlertingRule, RecordingRule, RuleGroup, buildAppRuleGroups, isAlertingRule } from "../../components/lib/alert-rules";
import { GrafanaDashboard, dashboardExpressions } from "../../components/lib/grafana-dashboard";
import { SERVICE_MONITOR, PROMETHEUS_RULE, ALERTMANAGER_CONFIG as AM_CONFIG, CONFIGMAP, SECRET, SERVICE } from "../harness/type-tokens";


// kube-state-metrics / cAdvisor series named by the issue (written out here, not imported).
const REQUIRED_INFRA_METRICS = [
    "kube_pod_container_status_restarts_total",
    "kube_horizontalpodautoscaler_status_current_replicas",
    "kube_horizontalpodautoscaler_spec_max_replicas",
    "container_cpu_cfs_throttled_periods_total",
    "container_cpu_cfs_periods_total",
    "kube_pod_status_ready",
];

// Google SRE workbook, "Alerting on SLOs" (multiwindow, multi-burn-rate), as given in the issue.
const SRE_TABLE = [
    { burnRate: 14.4, long: "1h", short: "5m", action: "page" },
    { burnRate: 6, long: "6h", short: "30m", action: "page" },
    { burnRate: 3, long: "1d", short: "2h", action: "ticket" },
    { burnRate: 1, long: "3d", short: "6h", action: "ticket" },
];

const WEBHOOK_URL = "https://hooks.example.net/services/T000/B000/very-secret-token";

function args(overrides: Partial<MonitoringStackArgs> = {}): MonitoringStackArgs {
    return {
        identity: { name: "websvc", instance: "websvc-staging", environment: "staging" },
        namespace: "websvc-staging",
        serviceName: "websvc-svc",
        deploymentName: "websvc-deploy",
        hpaName: "websvc-hpa",
        prometheusRelease: "kube-prometheus-stack",
        slo: { availabilityObjective: 99.9, latencyObjective: 99, latencyThresholdSeconds: 0.25 },
        team: "web",
        pageSeverity: "critical",
        ticketSeverity: "warning",
        ...overrides,
    };
}

async function render(name: string, a: MonitoringStackArgs) {
    const stack = new MonitoringStack(name, a);
    await outputValue(stack.prometheusRuleName);
    await outputValue(stack.dashboardConfigMapName);
    await recorder.settled();
    const groups = recorder.one(PROMETHEUS_RULE, name).inputs.spec.groups as RuleGroup[];
    return { stack, groups };
}

const rulesOf = (groups: RuleGroup[]) => groups.flatMap((g) => g.rules);
const alertsOf = (groups: RuleGroup[]) => rulesOf(groups).filter(isAlertingRule);
const recordsOf = (groups: RuleGroup[]) => rulesOf(groups).filter((r): r is RecordingRule => !isAlertingRule(r));
const dashboardOf = (name: string): GrafanaDashboard => JSON.parse(Object.values(recorder.one(CONFIGMAP, `${name}-dashboard`).inputs.data)[0] as string);

/** Metric names the app really exposes: read from its own prom-client registry, histogram series expanded. */
async function appMetricNames(): Promise<{ names: Set<string>; buckets: number[] }> {
    const { registry, requestDuration } = createMetrics();
    requestDuration.observe({ method: "GET", route: "/", status_code: "200" }, 0.01);
    const names = new Set<string>();
    let buckets: number[] = [];
    for (const m of await registry.getMetricsAsJSON()) {
        if (m.type === ("histogram" as unknown)) {
            for (const suffix of ["_bucket", "_count", "_sum"]) names.add(`${m.name}${suffix}`);
            if (m.name === "http_request_duration_seconds") {
                buckets = [...new Set(m.values.map((v: any) => v.labels.le).filter((le: unknown) => le !== undefined && le !== "+Inf").map(Number))];
            }
        } else {
            names.add(m.name);
        }
    }
    return { names, buckets };
}

describe("MonitoringStack", () => {
    it("knows the app's real histogram buckets (read from app/src/metrics.ts's registry)", async () => {
        const { buckets, names } = await appMetricNames();
        assert.ok(buckets.length > 3);
        assert.deepEqual([...APP_LATENCY_BUCKETS_SECONDS], buckets.sort((a, b) => a - b));
        assert.ok(names.has("http_request_duration_seconds_bucket"));
    });

    it("scrapes the Workload's Service: port by NAME (the 9090 port), selector matches the Service labels, same namespace", async () => {
        const wl = new Workload("mon-wl", baseArgs({ namespace: "mon-wl-ns" }));
        await render("mon-wl-stack", args({
            namespace: wl.namespace, serviceName: wl.serviceName, deploymentName: wl.deploymentName, hpaName: wl.hpaName,
            serviceSelectorLabels: wl.selectorLabels, kubernetesMixinAlerts: true,
        }));
        const service = recorder.one(SERVICE, "mon-wl");
        const sm = recorder.one(SERVICE_MONITOR, "mon-wl-stack").inputs;
        const metricsPort = service.inputs.spec.ports.find((p: any) => p.port === 9090);
        assert.ok(metricsPort, "the Service exposes 9090");
        assert.equal(sm.spec.endpoints.length, 1);
        assert.equal(sm.spec.endpoints[0].port, metricsPort.name, "endpoint port is the Service port's name");
        assert.equal(typeof sm.spec.endpoints[0].port, "string");
        assert.equal(sm.spec.endpoints[0].path, "/metrics");
        assert.match(sm.spec.endpoints[0].interval, /^\d+[sm]$/);
        for (const [k, v] of Object.entries(sm.spec.selector.matchLabels)) assert.equal(service.inputs.metadata.labels[k], v, `Service label ${k}`);
        assert.deepEqual(sm.spec.namespaceSelector.matchNames, ["mon-wl-ns"]);
        assert.equal(sm.metadata.namespace, "mon-wl-ns");
        // Rules select the same Service and Deployment names the Workload created.
        const rule = recorder.one(PROMETHEUS_RULE, "mon-wl-stack").inputs;
        const exprs = rulesOf(rule.spec.groups).map((r) => r.expr).join("\n");
        assert.ok(exprs.includes(`service="${service.state.metadata.name}"`));
        const deployment = recorder.one("kubernetes:apps/v1:Deployment", "mon-wl");
        assert.ok(exprs.includes(`pod=~"${deployment.state.metadata.name}-`));
    });

    it("labels ServiceMonitor and PrometheusRule with release: <prometheusRelease>", async () => {
        await render("mon-release", args({ prometheusRelease: "prom-main" }));
        for (const type of [SERVICE_MONITOR, PROMETHEUS_RULE]) {
            assert.equal(recorder.one(type, "mon-release").inputs.metadata.labels.release, "prom-main", type);
        }
    });

    it("generates multi-window multi-burn-rate alerts with thresholds burnRate x (1 - objective), for both SLIs", async () => {
        const availability = 99.9;
        const latency = 99.5;
        const { groups } = await render("mon-burn", args({ slo: { availabilityObjective: availability, latencyObjective: latency, latencyThresholdSeconds: 0.5 } }));
        const alerts = alertsOf(groups);
        const records = new Set(recordsOf(groups).map((r) => r.record));
        for (const [slo, objective] of [["availability", availability], ["latency", latency]] as const) {
            const burn = alerts.filter((a) => a.labels.slo === slo && a.labels.burn_rate !== undefined);
            assert.equal(burn.length, SRE_TABLE.length, `${slo}: one alert per window pair`);
            for (const row of SRE_TABLE) {
                const a = burn.find((x) => x.labels.long_window === row.long);
                assert.ok(a, `${slo} ${row.long}`);
                assert.equal(a.labels.short_window, row.short);
                assert.equal(a.labels.severity, row.action === "page" ? "critical" : "warning");
                const expected = row.burnRate * (1 - objective / 100);
                const thresholds = [...a.expr.matchAll(/> ([0-9.e-]+)/g)].map((m) => Number(m[1]));
                assert.equal(thresholds.length, 2, a.expr);
                for (const t of thresholds) assert.ok(Math.abs(t - expected) < 1e-9, `${slo} ${row.burnRate}x: ${t} vs ${expected}`);
                // Both windows must be over budget (AND), each read from a recording rule of that window.
                assert.match(a.expr, / and /);
                const used = lintPromql(a.expr).metrics;
                assert.equal(used.length, 2);
                assert.ok(used[0].endsWith(`_rate${row.long}`) && used[1].endsWith(`_rate${row.short}`), used.join());
                for (const m of used) assert.ok(records.has(m), `recording rule ${m} exists`);
            }
        }
        // The classic example: 99.9% and 14.4x gives 0.0144.
        const fast = alerts.find((a) => a.labels.slo === "availability" && a.labels.long_window === "1h")!;
        assert.match(fast.expr, /> 0\.0144 and .* > 0\.0144$/);
    });

    it("reads the latency SLI from the threshold's bucket (both le spellings) and excludes probe routes", async () => {
        const { groups } = await render("mon-latency", args({ slo: { availabilityObjective: 99.5, latencyObjective: 99, latencyThresholdSeconds: 1 } }));
        // Every rule that reads the raw histogram (the windowed ratios and the 5m rates the 30d SLI sums).
        const slow = recordsOf(groups).filter((r) => r.record.includes("slow") && r.expr.includes("http_request_duration_seconds"));
        assert.ok(slow.length > 0);
        for (const r of slow) {
            assert.ok(r.expr.includes('le=~"1(\\\\.0)?"'), r.expr); // matches "1" (Prometheus 2) and "1.0" (Prometheus 3)
            assert.ok(r.expr.includes('route!~"/healthz|/readyz"'), r.expr);
        }
        const errors = recordsOf(groups).filter((r) => r.record.includes("errors") && r.expr.includes("http_request_duration_seconds"));
        for (const r of errors) assert.ok(r.expr.includes('status_code=~"5.."'), r.expr);
    });

    it("fails clearly when the latency threshold is not a bucket boundary of the app's histogram", () => {
        assert.throws(
            () => new MonitoringStack("mon-bad-threshold", args({ slo: { availabilityObjective: 99.9, latencyObjective: 99, latencyThresholdSeconds: 0.3 } })),
            (e: Error) => /latencyThresholdSeconds 0\.3 is not a bucket boundary of http_request_duration_seconds/.test(e.message) && /0\.25, 0\.5/.test(e.message),
        );
        assert.throws(() => new MonitoringStack("mon-bad-objective", args({ slo: { availabilityObjective: 100, latencyObjective: 99, latencyThresholdSeconds: 0.25 } })), /between 0 and 100/);
    });

    it("has the operational alerts, each with team/environment/severity labels and summary/description/runbook_url", async () => {
        const { groups } = await render("mon-ops", args({ ticketSeverity: "info", runbookBaseUrl: "https://runbooks.example.org/websvc/", kubernetesMixinAlerts: true }));
        const alerts = alertsOf(groups);
        const byMetric = (m: string) => alerts.filter((a) => lintPromql(a.expr).metrics.includes(m));
        for (const metric of REQUIRED_INFRA_METRICS) assert.ok(byMetric(metric).length > 0, `an alert uses ${metric}`);
        const p99 = alerts.find((a) => /histogram_quantile\(0\.99,/.test(a.expr));
        assert.ok(p99, "p99 latency alert");
        assert.ok(alerts.find((a) => !a.labels.slo && /status_code=~"5\.\."/.test(a.expr)), "error-rate alert");
        const hpa = byMetric("kube_horizontalpodautoscaler_spec_max_replicas")[0];
        assert.match(hpa.expr, /kube_horizontalpodautoscaler_status_current_replicas\{.*horizontalpodautoscaler="websvc-hpa".*\}\) >= .*kube_horizontalpodautoscaler_spec_max_replicas/);
        const throttling = byMetric("container_cpu_cfs_throttled_periods_total")[0];
        assert.match(throttling.expr, /container_cpu_cfs_throttled_periods_total.*\/.*container_cpu_cfs_periods_total/);
        const names = new Set<string>();
        for (const a of alerts) {
            // One alert name per condition; SLOMetricAbsent is one name for both SLOs, told apart by `slo`.
            const key = `${a.alert}/${a.labels.slo ?? ""}`;
            assert.ok(!names.has(key), `unique alert ${key}`);
            names.add(key);
            assert.equal(a.labels.team, "web");
            assert.equal(a.labels.environment, "staging");
            assert.ok(["critical", "info"].includes(a.labels.severity), `${a.alert} severity ${a.labels.severity}`);
            assert.ok(a.annotations.summary.length > 10 && a.annotations.description.length > 10, a.alert);
            const url = new URL(a.annotations.runbook_url);
            assert.equal(url.origin + url.pathname, "https://runbooks.example.org/websvc");
            assert.equal(url.hash, `#${a.alert.toLowerCase()}`);
            assert.match(a.for, /^\d+[mh]$/);
            // Alertmanager scopes AlertmanagerConfig routes by namespace: the label must survive aggregation.
            assert.ok(/namespace/.test(a.expr), `${a.alert} keeps the namespace label`);
        }
        assert.ok(alerts.filter((a) => a.labels.severity === "critical").every((a) => a.labels.action === "page"));
    });

    it("omits the HPA alert and panels when there is no autoscaler", async () => {
        const { groups } = await render("mon-nohpa", args({ hpaName: undefined }));
        assert.ok(!alertsOf(groups).some((a) => a.expr.includes("horizontalpodautoscaler")));
        assert.ok(!dashboardExpressions(dashboardOf("mon-nohpa")).some((e) => e.includes("horizontalpodautoscaler")));
    });

    it("every generated PromQL expression (rules and dashboard) parses and uses only known metrics", async () => {
        const { names: appNames } = await appMetricNames();
        const known = new Set([...appNames, ...REQUIRED_INFRA_METRICS, ...KNOWN_SCRAPED_METRICS]);
        for (const m of KNOWN_SCRAPED_METRICS) {
            // The catalog itself must not invent app metrics: app-looking names must exist in the real registry.
            if (m.startsWith("http_") || m.startsWith("process_")) assert.ok(appNames.has(m), `${m} is exposed by the app`);
        }
        const variants: Array<[string, Partial<MonitoringStackArgs>]> = [
            ["mon-parse-default", {}],
            ["mon-parse-nohpa", { hpaName: undefined, slo: { availabilityObjective: 99.95, latencyObjective: 95, latencyThresholdSeconds: 0.005 } }],
            ["mon-parse-quoted", { deploymentName: "web.svc", serviceName: 'we"ird' }],
        ];
        let checked = 0;
        for (const [name, overrides] of variants) {
            const { groups } = await render(name, args(overrides));
            const recorded = new Set(recordsOf(groups).map((r) => r.record));
            const exprs = [...rulesOf(groups).map((r) => r.expr), ...dashboardExpressions(dashboardOf(name)).map(interpolateGrafanaVariables)];
            for (const expr of exprs) {
                const lint = lintPromql(expr);
                assert.deepEqual(lint.errors, [], expr);
                assert.ok(lint.metrics.length > 0, `selects something: ${expr}`);
                for (const m of lint.metrics) assert.ok(known.has(m) || recorded.has(m), `unknown metric ${m} in ${expr}`);
                checked++;
            }
        }
        assert.ok(checked > 60, `checked ${checked} expressions`);
        // The linter itself catches broken PromQL.
        assert.notDeepEqual(lintPromql("sum(rate(x[5m]) by (a) >").errors, []);
        assert.notDeepEqual(lintPromql('x{a="b}').errors, []);
    });

    it("renders a Grafana dashboard ConfigMap (grafana_dashboard: \"1\") with RED + saturation panels and a stable uid", async () => {
        await render("mon-dash-a", args());
        await render("mon-dash-b", args());
        await render("mon-dash-prod", args({ identity: { name: "websvc", instance: "websvc-production", environment: "production" }, dashboardNamespace: "monitoring" }));
        const cm = recorder.one(CONFIGMAP, "mon-dash-a-dashboard").inputs;
        assert.equal(cm.metadata.labels.grafana_dashboard, "1");
        assert.equal(cm.metadata.namespace, "websvc-staging");
        assert.equal(recorder.one(CONFIGMAP, "mon-dash-prod-dashboard").inputs.metadata.namespace, "monitoring");
        assert.deepEqual(Object.keys(cm.data), ["websvc-staging.json"]);
        const a = dashboardOf("mon-dash-a");
        const b = dashboardOf("mon-dash-b");
        const prod = dashboardOf("mon-dash-prod");
        assert.equal(a.uid, b.uid, "same app instance, same uid");
        assert.notEqual(a.uid, prod.uid);
        assert.ok(a.uid.length <= 40 && /^[a-zA-Z0-9_-]+$/.test(a.uid), a.uid);
        const exprs = dashboardExpressions(a);
        const has = (re: RegExp) => exprs.some((e) => re.test(e));
        assert.ok(has(/^sum by \(route\) \(rate\(http_request_duration_seconds_count/), "request rate");
        assert.ok(has(/status_code=~"5\.\."/), "errors");
        for (const q of ["0.5", "0.95", "0.99"]) assert.ok(has(new RegExp(`^histogram_quantile\\(${q.replace(".", "\\.")},`)), `p${q}`);
        assert.ok(has(/container_cpu_usage_seconds_total/), "CPU");
        assert.ok(has(/container_memory_working_set_bytes/), "memory");
        assert.ok(has(/kube_horizontalpodautoscaler_spec_max_replicas/) && has(/kube_pod_status_ready/), "replicas vs HPA max");
        // SLO burn rate: the 1h error ratio divided by the budget of the configured objective (99.9% -> 0.001).
        assert.ok(has(/^namespace_service:http_request_errors:ratio_rate1h\{.*\} \/ 0\.001$/), "availability burn rate");
        assert.ok(has(/^namespace_service:http_request_slow:ratio_rate1h\{.*\} \/ 0\.01$/), "latency burn rate");
        const titles = a.panels.map((p) => p.title);
        assert.ok(new Set(titles).size === titles.length);
        assert.equal(await schemaErrorOf(recorder.kubernetesObjects().find((o) => o.resource.name === "mon-dash-a-dashboard")!.object), undefined);
    });

    it("routes alerts through an AlertmanagerConfig whose webhook URL lives only in a secret Secret", async () => {
        const { stack } = await render("mon-alerting", args({ alerting: { receiver: "webhook", webhookUrl: WEBHOOK_URL } }));
        const secret = recorder.one(SECRET, "mon-alerting");
        assert.equal(secret.inputs.stringData.url, WEBHOOK_URL);
        assert.ok(secret.secretPaths.some((p) => p.startsWith("stringData")), `secret paths ${secret.secretPaths}`);
        assert.ok(!JSON.stringify(secret.masked).includes(WEBHOOK_URL));
        const others = recorder.resources.filter((r) => r !== secret);
        const leaks = others.filter((r) => allStrings(r.inputs).some((s) => s.includes("very-secret-token")) || allStrings(r.state).some((s) => s.includes("very-secret-token")));
        assert.deepEqual(leaks.map((r) => r.name), []);

        const amc = recorder.one(AM_CONFIG, "mon-alerting");
        const spec = amc.inputs.spec;
        assert.equal(amc.inputs.metadata.labels.release, "kube-prometheus-stack");
        assert.equal(amc.inputs.metadata.namespace, "websvc-staging");
        assert.deepEqual(spec.receivers[0].webhookConfigs[0].urlSecret, { name: secret.state.metadata.name, key: "url" });
        assert.deepEqual(spec.route.matchers.map((m: any) => `${m.name}${m.matchType}${m.value}`).sort(), ["environment=staging", "team=web"]);
        const page = spec.route.routes.find((r: any) => r.matchers[0].value === "page");
        const ticket = spec.route.routes.find((r: any) => r.matchers[0].value === "ticket");
        assert.ok(page && ticket);
        assert.equal(await outputValue(stack.alertmanagerConfigName!), amc.state.metadata.name);
        assert.equal(await schemaErrorOf(recorder.kubernetesObjects().find((o) => o.resource === amc)!.object), undefined);
    });

    it("routes per environment (production repeats pages sooner than staging) and supports slack and pagerduty receivers", async () => {
        const seconds = (d: string) => Number(d.slice(0, -1)) * ({ s: 1, m: 60, h: 3600 } as Record<string, number>)[d.slice(-1)];
        await render("mon-route-prod", args({ identity: { name: "websvc", instance: "websvc-production", environment: "production" }, alerting: { receiver: "slack", webhookUrl: WEBHOOK_URL } }));
        await render("mon-route-stg", args({ alerting: { receiver: "pagerduty", webhookUrl: "pd-routing-key" } }));
        const prod = recorder.one(AM_CONFIG, "mon-route-prod").inputs.spec;
        const stg = recorder.one(AM_CONFIG, "mon-route-stg").inputs.spec;
        const pageRepeat = (s: any) => seconds(s.route.routes.find((r: any) => r.matchers[0].value === "page").repeatInterval);
        const ticketRepeat = (s: any) => seconds(s.route.routes.find((r: any) => r.matchers[0].value === "ticket").repeatInterval);
        assert.ok(pageRepeat(prod) < pageRepeat(stg));
        assert.ok(pageRepeat(prod) < ticketRepeat(prod));
        assert.ok(prod.route.matchers.some((m: any) => m.name === "environment" && m.value === "production"));
        assert.equal(prod.receivers[0].slackConfigs[0].apiURL.key, "url");
        assert.equal(stg.receivers[0].pagerdutyConfigs[0].routingKey.key, "url");
        for (const name of ["mon-route-prod", "mon-route-stg"]) {
            const obj = recorder.kubernetesObjects().find((o) => o.resource.type === AM_CONFIG && o.resource.name.startsWith(name))!.object;
            assert.equal(await schemaErrorOf(obj), undefined, name);
        }
    });

    it("creates no Secret or AlertmanagerConfig without a receiver, and refuses a receiver without a URL", async () => {
        await render("mon-noalert", args({ alerting: { receiver: "none" } }));
        assert.equal(recorder.ofType(SECRET).filter((r) => r.name.startsWith("mon-noalert-")).length, 0);
        assert.equal(recorder.ofType(AM_CONFIG).filter((r) => r.name.startsWith("mon-noalert-")).length, 0);
        assert.throws(() => new MonitoringStack("mon-nourl", args({ alerting: { receiver: "webhook" } })), /alerting\.webhookUrl must be set/);
    });

    describe("refused arguments register nothing", () => {
        const refusals: Array<Refusal<Partial<MonitoringStackArgs>>> = [
            ["a latency threshold between buckets", { slo: { availabilityObjective: 99.9, latencyObjective: 99, latencyThresholdSeconds: 0.3 } }, /slo\.latencyThresholdSeconds 0\.3 is not a bucket boundary/],
            ["a 100% objective", { slo: { availabilityObjective: 100, latencyObjective: 99, latencyThresholdSeconds: 0.25 } }, /slo\.availabilityObjective must be an SLO objective/],
            ["a receiver without its URL", { alerting: { receiver: "slack" } }, /alerting\.webhookUrl must be set/],
            ["an error-rate threshold that is no ratio", { errorRateThreshold: 5 }, /errorRateThreshold must be a ratio between 0 and 1/],
            ["an environment without alert routing", { identity: { name: "websvc", instance: "websvc-qa", environment: "qa" }, alerting: { receiver: "webhook", webhookUrl: WEBHOOK_URL } }, /identity\.environment has no alert routing/],
        ];
        itRefusesRegisteringNothing("MonitoringStack", "mon-refused", refusals, (name, overrides) => new MonitoringStack(name, args(overrides)));
        it("registers under its exported type token when the args are valid", async () => {
            await render("mon-token", args());
            assert.equal(recorder.one(MONITORING_STACK_TYPE, "mon-token").name, "mon-token");
        });
    });

    it("validates against the prometheus-operator schemas and waits for the operator when it is installed here", async () => {
        const operator = new k8s.core.v1.ConfigMap("mon-deps-operator", { data: {} });
        await render("mon-deps", args({ operatorDependencies: [operator], alerting: { receiver: "webhook", webhookUrl: WEBHOOK_URL } }));
        const operatorUrn = recorder.one(CONFIGMAP, "mon-deps-operator").urn;
        const component = recorder.one("websvc:monitoring:MonitoringStack", "mon-deps");
        for (const type of [SERVICE_MONITOR, PROMETHEUS_RULE, AM_CONFIG]) {
            const rec = recorder.one(type, "mon-deps");
            assert.ok(rec.dependencies.includes(operatorUrn), `${type} dependsOn the operator`);
            assert.equal(rec.parent, component.urn);
            const obj = recorder.kubernetesObjects().find((o) => o.resource === rec)!.object;
            assert.equal(await schemaErrorOf(obj), undefined, type);
        }
        // A broken object is caught by the same validator (the check can fail).
        const sm = recorder.kubernetesObjects().find((o) => o.resource.type === SERVICE_MONITOR && o.resource.name.startsWith("mon-deps"))!.object;
        assert.notEqual(await schemaErrorOf({ ...sm, spec: { ...sm.spec, endpoints: [{ port: 9090 }] } }), undefined);
    });

    it("exposes pure rule generation with validated ratios", () => {
        const base = {
            namespace: "n", service: "s", deployment: "d", environment: "staging", team: "t", availabilityObjective: 99.9, latencyObjective: 99,
            latencyThresholdSeconds: 0.25, p99ThresholdSeconds: 1, errorRateThreshold: 0.05, cpuThrottlingThreshold: 0.25, crashLoopRestarts: 3,
            pageSeverity: "critical" as const, ticketSeverity: "warning" as const, runbookBaseUrl: "https://r.example.com", kubernetesMixinAlerts: true,
        };
        assert.throws(() => buildAppRuleGroups({ ...base, errorRateThreshold: 5 }), /errorRateThreshold must be a ratio/);
        const alerts: AlertingRule[] = alertsOf(buildAppRuleGroups(base));
        assert.match(alerts.find((a) => a.alert === "HighErrorRate")!.expr, /> 0\.05$/);
        assert.match(alerts.find((a) => a.alert === "PodCrashLooping")!.expr, />= 3$/);
        void SECRET_MASK;
    });
});

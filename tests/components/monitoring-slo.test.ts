// The rules' shape decisions of issue 18, read from the generated rules and dashboard (their
// behaviour over time is proven by promtool in tests/tiers/alerts): the absent-metric alert, the
// kubernetes-mixin duplicates behind a setting, the 30-day SLI and budget rules with their panels,
// runbook links that land on a section of docs/observability.md, and the config rule for the setting.
import { strict as assert } from "assert";
import { readFileSync } from "node:fs";
import path from "node:path";
import { AppRuleParams, RecordingRule, buildAppRuleGroups, isAlertingRule } from "../../components/lib/alert-rules";
import { buildAppDashboard, dashboardExpressions } from "../../components/lib/grafana-dashboard";
import { ConfigError, validateConfig } from "../../config";
import { ACME_STAGING } from "../../components/platform";
import { lintPromql } from "./support/promql-lint";

const MIXIN_DUPLICATES = ["PodCrashLooping", "PodNotReady", "CPUThrottlingHigh", "HPAMaxedOut"];

function params(overrides: Partial<AppRuleParams> = {}): AppRuleParams {
    return {
        namespace: "shop", service: "shop-svc", deployment: "shop-deploy", hpa: "shop-hpa", environment: "production", team: "web",
        availabilityObjective: 99.9, latencyObjective: 99, latencyThresholdSeconds: 0.25, p99ThresholdSeconds: 1,
        errorRateThreshold: 0.05, cpuThrottlingThreshold: 0.25, crashLoopRestarts: 3,
        pageSeverity: "critical", ticketSeverity: "warning", runbookBaseUrl: "https://runbooks.example.com/websvc",
        ...overrides,
    };
}
const rules = (p: AppRuleParams) => buildAppRuleGroups(p).flatMap((g) => g.rules);
const alerts = (p: AppRuleParams) => rules(p).filter(isAlertingRule);
const records = (p: AppRuleParams) => rules(p).filter((r): r is RecordingRule => !isAlertingRule(r));

describe("monitoring: absent metrics, mixin duplicates, 30-day budget, runbooks", () => {
    it("has one absent-metric alert per SLO, routed as a ticket, keeping namespace and service", () => {
        const absent = alerts(params()).filter((a) => a.expr.startsWith("absent("));
        assert.deepEqual(absent.map((a) => a.labels.slo).sort(), ["availability", "latency"]);
        for (const a of absent) {
            assert.equal(a.labels.action, "ticket");
            assert.equal(a.labels.severity, "warning");
            assert.equal(a.labels.namespace, "shop");
            assert.equal(a.labels.service, "shop-svc");
            assert.match(a.expr, /namespace="shop", service="shop-svc"/);
            // The series each SLI is computed from: the latency one watches the threshold's bucket.
            assert.match(a.expr, a.labels.slo === "latency" ? /_bucket\{.*le="0\.25"/ : /_count\{/);
        }
    });

    it("leaves out the kubernetes-mixin duplicates unless kubernetesMixinAlerts is on", () => {
        const names = (p: AppRuleParams) => new Set(alerts(p).map((a) => a.alert));
        for (const name of MIXIN_DUPLICATES) {
            assert.ok(!names(params()).has(name), `${name} off by default`);
            assert.ok(names(params({ kubernetesMixinAlerts: true })).has(name), `${name} with the setting`);
        }
        assert.ok(!rules(params()).some((r) => /kube_|container_cpu/.test(r.expr)), "no kube-state-metrics/cAdvisor series by default");
    });

    it("refuses kubernetesMixinAlerts with platform.installKubePrometheusStack, naming the key and the stack", () => {
        const raw = (mixin: boolean, install: boolean) => ({
            environment: "staging", appName: "websvc", domain: "websvc.example.com", logLevel: "info", replicas: 2, kubernetesVersion: "1.34", secretsRotation: "initial",
            image: { ref: `registry.example.com/websvc@sha256:${"a".repeat(64)}` },
            resources: { requests: { cpu: "100m", memory: "128Mi", ephemeralStorage: "64Mi" }, limits: { cpu: "500m", memory: "256Mi", ephemeralStorage: "128Mi" } },
            ingress: { mode: "nginx", rateLimitRps: 20, rateLimitConnections: 10 },
            tls: { clusterIssuer: "letsencrypt-staging", acmeServer: ACME_STAGING, acmeEmail: "ops@example.com" },
            platform: { installKubePrometheusStack: install },
            monitoring: {
                availabilityObjective: 99.5, latencyObjective: 99, latencyThresholdSeconds: 0.5, team: "web",
                pageSeverity: "warning", ticketSeverity: "info", alertReceiver: "none", kubernetesMixinAlerts: mixin,
            },
        });
        assert.equal(validateConfig(raw(true, false), "staging", "websvc").monitoring.kubernetesMixinAlerts, true);
        assert.equal(validateConfig(raw(false, true), "staging", "websvc").monitoring.kubernetesMixinAlerts, false);
        assert.throws(() => validateConfig(raw(true, true), "staging", "websvc"),
            (e: Error) => e instanceof ConfigError && /websvc:monitoring\.kubernetesMixinAlerts must be false when platform\.installKubePrometheusStack is true.*\(stack staging\)/.test(e.message));
    });

    it("records the 30-day SLI from the 5m rates (traffic-weighted) and the budget left per SLO", () => {
        const byName = new Map<string, RecordingRule[]>();
        for (const r of records(params())) byName.set(r.record, [...(byName.get(r.record) ?? []), r]);
        const sli30d = byName.get("namespace_service:http_request_errors:ratio_rate30d")?.[0];
        assert.ok(sli30d, "30d availability SLI");
        assert.equal(sli30d.expr,
            'sum_over_time(namespace_service:http_request_errors:rate5m{namespace="shop", service="shop-svc"}[30d]) / ' +
            'sum_over_time(namespace_service:http_requests:rate5m{namespace="shop", service="shop-svc"}[30d])');
        const budget = byName.get("namespace_service:slo_error_budget_remaining:ratio") ?? [];
        assert.deepEqual(budget.map((r) => r.labels?.slo).sort(), ["availability", "latency"]);
        // 1 - SLI / budget: 99.9% -> 0.001, 99% -> 0.01.
        assert.match(budget.find((r) => r.labels?.slo === "availability")!.expr, /^1 - namespace_service:http_request_errors:ratio_rate30d\{.*\} \/ 0\.001$/);
        assert.match(budget.find((r) => r.labels?.slo === "latency")!.expr, /^1 - namespace_service:http_request_slow:ratio_rate30d\{.*\} \/ 0\.01$/);
        // Each recorded series is defined before a rule of the group reads it (rules run in order).
        const all = records(params());
        all.forEach((r, i) => {
            for (const used of lintPromql(r.expr).metrics.filter((m) => m.includes(":"))) {
                assert.ok(all.slice(0, i).some((earlier) => earlier.record === used), `${r.record} reads ${used} recorded before it`);
            }
        });
    });

    it("shows the 30-day SLI and the budget left on the dashboard, from the recording rules", () => {
        const exprs = dashboardExpressions(buildAppDashboard({
            uidSeed: "shop", title: "shop", namespace: "shop", service: "shop-svc", deployment: "shop-deploy", slo: { availabilityObjective: 99.9, latencyObjective: 99 },
        }));
        const recorded = new Set(records(params()).map((r) => r.record));
        for (const wanted of ["namespace_service:http_request_errors:ratio_rate30d", "namespace_service:http_request_slow:ratio_rate30d", "namespace_service:slo_error_budget_remaining:ratio"]) {
            const using = exprs.filter((e) => lintPromql(e).metrics.includes(wanted));
            assert.equal(using.length, 1, `one panel query reads ${wanted}`);
            assert.ok(recorded.has(wanted), `${wanted} is recorded`);
        }
    });

    it("links every alert to a section of docs/observability.md that exists (<base>#<alert in lowercase>)", () => {
        const doc = readFileSync(path.resolve(__dirname, "..", "..", "docs", "observability.md"), "utf8");
        // GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to dashes.
        const anchors = new Set([...doc.matchAll(/^#{2,4} (.+)$/gm)].map((m) => m[1].trim().toLowerCase().replace(/[^a-z0-9 -]/g, "").replace(/ /g, "-")));
        for (const a of alerts(params({ kubernetesMixinAlerts: true }))) {
            const url = new URL(a.annotations.runbook_url);
            assert.equal(url.origin + url.pathname, "https://runbooks.example.com/websvc");
            assert.ok(anchors.has(url.hash.slice(1)), `${a.alert}: docs/observability.md has no section for ${url.hash}`);
        }
    });
});

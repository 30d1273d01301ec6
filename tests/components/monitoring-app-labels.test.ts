// The label values the rules filter on, against what the real app emits: the app (app/dist/main.js)
// is started, sent the requests its users and the kubelet send (and drained, so readiness answers
// 503), and its real /metrics output is read. Every route the rules exclude as a probe, the 5xx
// pattern and each latency-threshold bucket must match values the app really writes; user routes
// and non-5xx codes must not.
import { strict as assert } from "assert";
import { startApp, stopAllApps, type AppProcess } from "../app/support/appProcess";
import { request } from "../app/support/http";
import { parseExposition, type Sample } from "../app/support/promText";
import { buildAppRuleGroups, isAlertingRule, type AppRuleParams } from "../../components/lib/alert-rules";
import { APP_LATENCY_BUCKETS_SECONDS, APP_METRICS, APP_REQUEST_HISTOGRAM } from "../../components/lib/metrics-catalog";

/** Matchers as written in the rules: label, operator, value (PromQL string, unescaped). */
function matchersIn(expr: string, label: string): Array<{ op: string; value: string }> {
    const out: Array<{ op: string; value: string }> = [];
    for (const m of expr.matchAll(new RegExp(`\\b${label}(=~|!~|!=|=)"((?:[^"\\\\]|\\\\.)*)"`, "g"))) out.push({ op: m[1], value: JSON.parse(`"${m[2]}"`) });
    return out;
}

/** Prometheus regex matchers are RE2, fully anchored; JS RegExp agrees for these patterns. */
const fullMatch = (pattern: string, value: string) => new RegExp(`^(?:${pattern})$`).test(value);

function ruleParams(latencyThresholdSeconds: number): AppRuleParams {
    return {
        namespace: "ns", service: "svc", deployment: "dep", hpa: "hpa", environment: "staging", team: "web",
        availabilityObjective: 99.9, latencyObjective: 99, latencyThresholdSeconds, p99ThresholdSeconds: 1,
        errorRateThreshold: 0.05, cpuThrottlingThreshold: 0.25, crashLoopRestarts: 3,
        pageSeverity: "critical", ticketSeverity: "warning", runbookBaseUrl: "https://runbooks.example.com/websvc", kubernetesMixinAlerts: true,
    };
}

const exprsOf = (p: AppRuleParams) => buildAppRuleGroups(p).flatMap((g) => g.rules).map((r) => r.expr);

describe("monitoring rules vs the label values the real app emits on /metrics", function () {
    this.timeout(30_000);
    let app: AppProcess;
    let requestSamples: Sample[];

    before(async () => {
        app = await startApp({ SHUTDOWN_DELAY_SECONDS: "3", SHUTDOWN_TIMEOUT_SECONDS: "5" });
        // A user's requests (found, not found, wrong method) and the kubelet's probes.
        assert.equal((await request(app.httpPort, "/")).status, 200);
        assert.equal((await request(app.httpPort, "/no-such-page")).status, 404);
        assert.equal((await request(app.httpPort, "/", "POST")).status, 405);
        assert.equal((await request(app.httpPort, "/healthz")).status, 200);
        assert.equal((await request(app.httpPort, "/readyz")).status, 200);
        // Draining: readiness answers 503, the one 5xx the app produces on demand.
        app.signal("SIGTERM");
        await app.waitForLog((line) => line.msg === "shutdown started");
        assert.equal((await request(app.httpPort, "/readyz")).status, 503);
        const metrics = await request(app.metricsPort, "/metrics");
        assert.equal(metrics.status, 200);
        requestSamples = parseExposition(metrics.body).samples.filter((s) => s.name.startsWith(APP_REQUEST_HISTOGRAM));
    });
    after(stopAllApps);

    const emitted = (label: string) => [...new Set(requestSamples.map((s) => s.labels[label]).filter((v) => v !== undefined))].sort();

    it("the app emitted the request histogram for what was sent", () => {
        assert.deepEqual(emitted("route"), ["/", "/healthz", "/readyz", "unmatched"]);
        assert.deepEqual(emitted("status_code"), ["200", "404", "405", "503"]);
    });

    it("route: every probe route the SLIs exclude is a route value the app emits for its probes, and no user route is excluded", () => {
        const exclusions = new Set(exprsOf(ruleParams(0.25)).flatMap((e) => matchersIn(e, "route")).filter((m) => m.op === "!~").map((m) => m.value));
        assert.equal(exclusions.size, 1, `one probe exclusion pattern, got ${[...exclusions].join(" | ")}`);
        const [pattern] = exclusions;
        const excluded = emitted("route").filter((r) => fullMatch(pattern, r));
        assert.deepEqual(excluded, ["/healthz", "/readyz"], `routes excluded by route!~${JSON.stringify(pattern)}`);
        // No dead alternative: each alternative of the pattern matches an emitted route.
        for (const alternative of pattern.split("|")) {
            assert.ok(emitted("route").some((r) => fullMatch(alternative, r)), `the exclusion ${JSON.stringify(alternative)} matches no route the app emits`);
        }
    });

    it("status_code: the 5xx pattern matches the app's 5xx value and none of its other codes", () => {
        const patterns = new Set(exprsOf(ruleParams(0.25)).flatMap((e) => matchersIn(e, "status_code")).map((m) => `${m.op}${m.value}`));
        assert.deepEqual([...patterns], ['=~5..'], "the rules select errors one way");
        for (const code of emitted("status_code")) {
            assert.equal(fullMatch("5..", code), code.startsWith("5"), `status_code ${code}`);
        }
    });

    it("le: for every threshold a stack may choose (each bucket), the rules' bucket matcher selects the bucket the app writes", () => {
        const written = new Set(requestSamples.filter((s) => s.name === APP_METRICS.requestBucket).map((s) => s.labels.le));
        assert.ok(written.size > APP_LATENCY_BUCKETS_SECONDS.length, `the app wrote its buckets: ${[...written].join(", ")}`);
        for (const threshold of APP_LATENCY_BUCKETS_SECONDS) {
            const slo = buildAppRuleGroups(ruleParams(threshold)).flatMap((g) => g.rules).filter((r) => !isAlertingRule(r)).map((r) => r.expr);
            const les = [...new Set(slo.flatMap((e) => matchersIn(e, "le")))];
            assert.ok(les.length > 0, `threshold ${threshold}: the SLI rules select a bucket`);
            for (const m of les) {
                const matches = [...written].filter((le) => (m.op === "=" ? le === m.value : fullMatch(m.value, le)));
                assert.equal(matches.length, 1, `threshold ${threshold}: le${m.op}${JSON.stringify(m.value)} must select exactly one bucket the app writes, got [${matches.join(", ")}]`);
                assert.equal(Number(matches[0]), threshold, `threshold ${threshold}: selects le="${matches[0]}"`);
                // Prometheus 3 stores classic-histogram le values normalised to float text ("1" -> "1.0").
                const normalised = Number.isInteger(threshold) ? `${threshold}.0` : String(threshold);
                assert.ok(m.op === "=" ? m.value === normalised : fullMatch(m.value, normalised), `threshold ${threshold}: also matches Prometheus 3's le="${normalised}"`);
            }
        }
    });
});

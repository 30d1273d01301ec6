import { strict as assert } from "assert";
import { validateConfig, ConfigError, parseQuantity, isDnsName, ACME_STAGING, ACME_PRODUCTION } from "../../config";

// A complete, valid production configuration written from the requirements (not from config.ts).
function validProduction(): Record<string, any> {
    return {
        environment: "production",
        appName: "websvc",
        domain: "websvc.example.com",
        logLevel: "info",
        replicas: 2,
        kubernetesVersion: "1.34",
        secretsRotation: "initial",
        image: { ref: `ghcr.io/example/websvc@sha256:${"a".repeat(64)}` },
        autoscaling: { enabled: true, minReplicas: 3, maxReplicas: 10, targetCpuUtilization: 70, targetMemoryUtilization: 80 },
        resources: {
            requests: { cpu: "200m", memory: "256Mi", ephemeralStorage: "128Mi" },
            limits: { cpu: "1", memory: "512Mi", ephemeralStorage: "256Mi" },
        },
        ingress: { mode: "nginx", rateLimitRps: 20, rateLimitConnections: 10, corsAllowedOrigins: ["https://websvc.example.com"] },
        tls: { clusterIssuer: "letsencrypt-prod", acmeServer: ACME_PRODUCTION, acmeEmail: "ops@example.com" },
        monitoring: {
            availabilityObjective: 99.9, latencyObjective: 99, latencyThresholdSeconds: 0.25,
            team: "web", pageSeverity: "critical", ticketSeverity: "warning", alertReceiver: "pagerduty",
        },
    };
}

function set(obj: Record<string, any>, dotted: string, value: unknown): Record<string, any> {
    const parts = dotted.split(".");
    let cur = obj;
    for (const p of parts.slice(0, -1)) cur = cur[p];
    if (value === undefined) delete cur[parts[parts.length - 1]];
    else cur[parts[parts.length - 1]] = value;
    return obj;
}

function problemsFor(raw: Record<string, any>, stack = "production"): string[] {
    try {
        validateConfig(raw, stack, "websvc");
    } catch (e) {
        assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
        return (e as ConfigError).problems;
    }
    return [];
}

describe("config validation", () => {
    it("accepts the valid production baseline", () => {
        assert.deepEqual(problemsFor(validProduction()), []);
    });

    it("names the key, the value and the stack, in the documented format", () => {
        const problems = problemsFor(set(validProduction(), "replicas", "three"));
        assert.deepEqual(problems, ['websvc:replicas must be an integer >= 1, got "three" (stack production)']);
    });

    // Each case: [description, mutation path, bad value, key that the message must name, optional stack]
    const badInputs: Array<[string, string, unknown, string, string?]> = [
        ["replicas zero", "replicas", 0, "websvc:replicas"],
        ["replicas fractional", "replicas", 1.5, "websvc:replicas"],
        ["unknown environment", "environment", "prod", "websvc:environment"],
        ["environment not matching stack", "environment", "staging", "websvc:environment"],
        ["app name with upper case", "appName", "WebSvc", "websvc:appName"],
        ["domain not a DNS name", "domain", "not_a_domain", "websvc:domain"],
        ["domain single label", "domain", "localhost", "websvc:domain"],
        ["log level unknown", "logLevel", "verbose", "websvc:logLevel"],
        ["kubernetes version out of range", "kubernetesVersion", "1.19", "websvc:kubernetesVersion"],
        ["cpu request not a quantity", "resources.requests.cpu", "lots", "websvc:resources.requests.cpu"],
        ["memory limit below request", "resources.limits.memory", "128Mi", "websvc:resources.limits.memory"],
        ["cpu limit below request", "resources.limits.cpu", "100m", "websvc:resources.limits.cpu"],
        ["HPA max below min", "autoscaling.maxReplicas", 2, "websvc:autoscaling.maxReplicas"],
        ["HPA min below 2 in production", "autoscaling.minReplicas", 1, "websvc:autoscaling.minReplicas"],
        ["HPA CPU target over 100", "autoscaling.targetCpuUtilization", 150, "websvc:autoscaling.targetCpuUtilization"],
        ["staging issuer in production", "tls.clusterIssuer", "letsencrypt-staging", "websvc:tls"],
        ["staging ACME server in production", "tls.acmeServer", ACME_STAGING, "websvc:tls"],
        ["ACME e-mail invalid", "tls.acmeEmail", "ops-at-example", "websvc:tls.acmeEmail"],
        ["image :latest", "image.ref", "ghcr.io/example/websvc:latest", "websvc:image.ref"],
        ["image tag-only in production", "image.ref", "ghcr.io/example/websvc:1.2.3", "websvc:image.ref"],
        ["image has neither ref nor build", "image.ref", undefined, "websvc:image"],
        ["CORS wildcard origin", "ingress.corsAllowedOrigins", ["*"], "websvc:ingress.corsAllowedOrigins[0]"],
        ["rate limit zero", "ingress.rateLimitRps", 0, "websvc:ingress.rateLimitRps"],
        ["ingress mode unknown", "ingress.mode", "traefik", "websvc:ingress.mode"],
        ["gateway mode without gateway", "ingress.mode", "gateway", "websvc:ingress.gateway"],
        ["SLO objective 100%", "monitoring.availabilityObjective", 100, "websvc:monitoring.availabilityObjective"],
        ["no alert receiver in production", "monitoring.alertReceiver", "none", "websvc:monitoring.alertReceiver"],
        ["unknown key inside an object (typo)", "autoscaling.maxReplica", 5, "websvc:autoscaling"],
        ["secret spec too short", "appSecrets", [{ name: "session-key", length: 8, kind: "password" }], "websvc:appSecrets[0].length"],
        ["write verbs in RBAC rules", "rbacRules", [{ apiGroups: [""], resources: ["configmaps"], verbs: ["update"] }], "websvc:rbacRules[0].verbs[0]"],
        ["ConfigMap key not an env var name", "appSettings", { "feature-flags": "x" }, "websvc:appSettings"],
        ["egress CIDR invalid", "networkPolicy", { extraEgress: [{ cidr: "10.0.0.0/33", ports: [{ port: 5432 }] }] }, "websvc:networkPolicy.extraEgress[0].cidr"],
    ];

    for (const [what, pathToSet, value, key, stack] of badInputs) {
        it(`refuses ${what}, naming ${key}`, () => {
            const problems = problemsFor(set(validProduction(), pathToSet, value), stack ?? "production");
            assert.ok(problems.length > 0, "expected a config error");
            const named = problems.filter((p) => p.startsWith(`${key} `) || p.startsWith(`${key}.`) || p.startsWith(`${key}[`));
            assert.ok(named.length > 0, `no problem names ${key}: ${JSON.stringify(problems)}`);
            assert.ok(named.every((p) => p.endsWith(`(stack ${stack ?? "production"})`)), JSON.stringify(named));
        });
    }

    it("allows in staging what only production forbids", () => {
        const staging = validProduction();
        staging.environment = "staging";
        staging.tls = { clusterIssuer: "letsencrypt-staging", acmeServer: ACME_STAGING, acmeEmail: "ops@example.com" };
        staging.image = { ref: "ghcr.io/example/websvc:1.2.3" };
        staging.autoscaling.minReplicas = 1;
        assert.deepEqual(problemsFor(staging, "staging"), []);
    });

    it("reports every problem at once, not just the first", () => {
        const raw = validProduction();
        raw.replicas = -1;
        raw.logLevel = "loud";
        raw.domain = "bad domain";
        const problems = problemsFor(raw);
        for (const key of ["websvc:replicas", "websvc:logLevel", "websvc:domain"]) {
            assert.ok(problems.some((p) => p.startsWith(key)), `${key} missing from ${JSON.stringify(problems)}`);
        }
    });
});

describe("config value helpers", () => {
    it("parses Kubernetes quantities in base units", () => {
        assert.equal(parseQuantity("250m"), 0.25);
        assert.equal(parseQuantity("1.5"), 1.5);
        assert.equal(parseQuantity("128Mi"), 128 * 1024 * 1024);
        assert.equal(parseQuantity("1G"), 1e9);
        assert.throws(() => parseQuantity("12 MB"), /not a Kubernetes quantity/);
    });

    it("accepts public DNS names and rejects the rest", () => {
        assert.ok(isDnsName("app.example.com"));
        assert.ok(!isDnsName("app"));
        assert.ok(!isDnsName("-app.example.com"));
        assert.ok(!isDnsName(`${"a".repeat(64)}.example.com`));
        assert.ok(!isDnsName("App.Example.com"));
    });
});

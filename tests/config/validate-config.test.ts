import { strict as assert } from "assert";
import { validateConfig, ConfigError, isDnsName, workloadArgs } from "../../config";
import { ACME_PRODUCTION, ACME_STAGING } from "../../components/platform";
import { Workload } from "../../components/workload";
import { recorder } from "../harness";

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
        assert.deepEqual(problems, ['websvc:replicas must be an integer <= 100 (a replica count), written as a number or as plain digits such as "100", got "three" (stack production)']);
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
        // Rules that used to live only in the components (and escaped as stack traces from them):
        ["a password in appSettings", "appSettings", { DB_PASSWORD: "x" }, "websvc:appSettings"],
        ["a Role that gets every Secret", "rbacRules", [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }], "websvc:rbacRules[0]"],
        ["a blank rotation keeper", "secretsRotation", "   ", "websvc:secretsRotation"],
        ["a latency threshold between buckets", "monitoring.latencyThresholdSeconds", 0.3, "websvc:monitoring.latencyThresholdSeconds"],
        ["registry credentials with a prebuilt ref", "image.registry", { server: "ghcr.io", username: "ci" }, "websvc:image.registry"],
        ["a Dockerfile outside the build context", "image", { build: { repository: "ghcr.io/example/websvc", dockerfile: "../Dockerfile" } }, "websvc:image.build.dockerfile"],
        ["a floating chart version", "platform", { chartVersions: { certManager: "v1.x" } }, "websvc:platform.chartVersions.certManager"],
        ["an ephemeral-storage limit with no room for /tmp", "resources.limits.ephemeralStorage", "32Mi", "websvc:resources.limits.ephemeralStorage"],
        ["storage over /tmp", "storage", { enabled: true, mountPath: "/tmp" }, "websvc:storage.mountPath"],
        ["a negative HSTS max-age", "ingress.hstsMaxAgeSeconds", -1, "websvc:ingress.hstsMaxAgeSeconds"],
        // Fixed disagreements: config now refuses what the components refuse.
        ["a single-label CORS origin", "ingress.corsAllowedOrigins", ["https://localhost"], "websvc:ingress.corsAllowedOrigins[0]"],
        ["a bare repository (it means latest) in staging", "image.ref", "ghcr.io/example/websvc", "websvc:image.ref", "staging"],
        ["a negative quantity", "resources.requests.cpu", "-1", "websvc:resources.requests.cpu"],
    ];

    const forStack = (raw: Record<string, any>, stack: string) => {
        if (stack !== "staging") return raw;
        raw.environment = "staging";
        raw.tls = { clusterIssuer: "letsencrypt-staging", acmeServer: ACME_STAGING, acmeEmail: "ops@example.com" };
        return raw;
    };
    for (const [what, pathToSet, value, key, stack] of badInputs) {
        it(`refuses ${what}, naming ${key}`, () => {
            const problems = problemsFor(set(forStack(validProduction(), stack ?? "production"), pathToSet, value), stack ?? "production");
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

    it("reports every shape problem at once, not just the first", () => {
        const raw = validProduction();
        raw.replicas = 1.5;
        raw.logLevel = "loud";
        raw.domain = "bad domain";
        const problems = problemsFor(raw);
        for (const key of ["websvc:replicas", "websvc:logLevel", "websvc:domain"]) {
            assert.ok(problems.some((p) => p.startsWith(key)), `${key} missing from ${JSON.stringify(problems)}`);
        }
    });

    it("reports every rule problem of every component at once, each once", () => {
        const raw = validProduction();
        raw.replicas = 0;
        raw.resources.limits.memory = "1Mi";
        raw.kubernetesVersion = "1.19"; // read by the Workload and the Platform: reported once
        raw.ingress.corsAllowedOrigins = ["*"];
        raw.monitoring.latencyThresholdSeconds = 0.3;
        const problems = problemsFor(raw);
        const keys = ["websvc:replicas", "websvc:resources.limits.memory", "websvc:kubernetesVersion", "websvc:ingress.corsAllowedOrigins[0]", "websvc:monitoring.latencyThresholdSeconds"];
        for (const key of keys) assert.equal(problems.filter((p) => p.startsWith(`${key} `)).length, 1, `${key} in ${JSON.stringify(problems)}`);
    });

    it("says to quote a Kubernetes version that YAML read as a number", () => {
        const problems = problemsFor(set(validProduction(), "kubernetesVersion", "1.3"));
        assert.ok(problems.some((p) => /^websvc:kubernetesVersion .*got "1\.3" \(an unquoted 1\.30 in YAML is the number 1\.3: quote it, "1\.30"\)/.test(p)), JSON.stringify(problems));
    });

    it("accepts every quantity form Kubernetes reads: exponents, n and u suffixes, JSON numbers", () => {
        const raw = validProduction();
        raw.resources = {
            requests: { cpu: "100000u", memory: "1e8", ephemeralStorage: 64 * 2 ** 20 },
            limits: { cpu: 1, memory: "0.5Gi", ephemeralStorage: "128Mi" },
        };
        assert.deepEqual(problemsFor(raw), []);
        assert.deepEqual(problemsFor(set(validProduction(), "resources.requests.cpu", "200000000n")), []);
    });

    it("gives the component's own message for a rule, prefixed with the key and suffixed with the stack", async () => {
        const raw = set(validProduction(), "resources.limits.cpu", "100m");
        const [problem] = problemsFor(raw);
        const parsed = validateConfig(validProduction(), "production", "websvc");
        const args = { ...workloadArgs(parsed), resources: raw.resources, image: raw.image.ref };
        assert.throws(() => new Workload("cfg-same-message", args), (e: Error) => {
            const componentLine = e.message.replace(/^Workload cfg-same-message: /, "");
            assert.equal(problem, `websvc:${componentLine} (stack production)`);
            return true;
        });
        await recorder.settled();
        assert.deepEqual(recorder.resources.filter((r) => r.name.startsWith("cfg-same-message")), []);
    });
});

describe("config validation of map-valued keys", () => {
    // Every key whose value is a map in the baseline, and the baseline's own keys under it.
    const maps = (o: Record<string, any>, pre = ""): [string, string[]][] =>
        Object.entries(o).filter(([, v]) => v && typeof v === "object" && !Array.isArray(v)).flatMap(([k, v]) => [[pre + k, Object.keys(v)] as [string, string[]], ...maps(v, `${pre}${k}.`)]);
    it("says a map is expected, with its keys, the value given and the stack, for every map key and any other type", () => {
        const keys = maps(validProduction());
        assert.ok(keys.length >= 8, keys.map(([k]) => k).join(", "));
        for (const [key, subkeys] of keys) {
            for (const bad of [42, "text", [1], true, null]) {
                const problems = problemsFor(set(validProduction(), key, bad));
                const mine = problems.filter((p) => p.startsWith(`websvc:${key} `));
                assert.equal(mine.length, 1, `${key} = ${JSON.stringify(bad)}: ${problems.join("; ")}`);
                assert.match(mine[0], new RegExp(`^websvc:${key.replace(/\./g, "\\.")} must be a map with the keys .*\\b${subkeys[0]}\\b.*, got ${JSON.stringify(JSON.stringify(bad)).slice(1, -1).replace(/[[\]]/g, "\\$&")} \\(stack production\\)$`));
                assert.doesNotMatch(mine[0], /Invalid input|received/);
            }
        }
    });
    it("says what a list item takes when it is missing or of the wrong type, in lists of maps too", () => {
        const withLists = () => ({
            ...validProduction(),
            networkPolicy: { extraEgress: [{ cidr: "10.0.0.0/8", ports: [{ port: 443 }] }] },
            rbacRules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }],
        });
        assert.deepEqual(problemsFor(set(withLists(), "networkPolicy.extraEgress.0.ports", undefined)), [
            "websvc:networkPolicy.extraEgress[0].ports is missing: it must be a list, each item a map with the keys port, protocol (stack production)",
        ]);
        assert.deepEqual(problemsFor(set(withLists(), "networkPolicy.extraEgress", 42)), [
            "websvc:networkPolicy.extraEgress must be a list, each item a map with the keys cidr, ports, got 42 (stack production)",
        ]);
        assert.deepEqual(problemsFor(set(withLists(), "networkPolicy.extraEgress.0.cidr", undefined)), [
            "websvc:networkPolicy.extraEgress[0].cidr is missing: it must be a string (stack production)",
        ]);
        assert.deepEqual(problemsFor(set(withLists(), "rbacRules.0.verbs", undefined)), ["websvc:rbacRules[0].verbs is missing: it must be a list of strings (stack production)"]);
        assert.deepEqual(problemsFor(set(withLists(), "rbacRules.0", "get")), [
            'websvc:rbacRules[0] must be a map with the keys apiGroups, resources, verbs, resourceNames, got "get" (stack production)',
        ]);
    });
    it("says a required map is missing, with its keys", () => {
        assert.deepEqual(problemsFor(set(validProduction(), "resources.requests", undefined)), [
            "websvc:resources.requests is missing: it must be a map with the keys cpu, memory, ephemeralStorage (stack production)",
        ]);
    });
});

describe("config value helpers", () => {
    it("accepts public DNS names and rejects the rest", () => {
        assert.ok(isDnsName("app.example.com"));
        assert.ok(!isDnsName("app"));
        assert.ok(!isDnsName("-app.example.com"));
        assert.ok(!isDnsName(`${"a".repeat(64)}.example.com`));
        assert.ok(!isDnsName("App.Example.com"));
    });
});

import { recorder } from "../harness";
import { strict as assert } from "assert";
import { itRefusesRegisteringNothing, type Refusal } from "../harness/refusals";
import { Workload, WORKLOAD_TYPE, type WorkloadArgs } from "../../components/workload";
import { contentChecksum, looksSecret, looksSecretValue } from "../../components/lib/app-config";
import { kubernetesMinor } from "../../components/lib/kubernetes-version";
import { podSecurityLabels } from "../../components/lib/pod-security";
import { disruptionBudgetFor, shutdownPlan, topologySpreadConstraints } from "../../components/lib/rollout";
import { baseArgs, fixedReplicas, ALL_OPTIONS_ARGS } from "./workload-fixtures";

const SUPPORTED_VERSIONS = Array.from({ length: 13 }, (_, i) => `1.${25 + i}`);

/**
 * Kubernetes' disruption controller: desiredHealthy is minAvailable, or (expected pods - maxUnavailable);
 * evictions are allowed while currentHealthy > desiredHealthy.
 */
function evictionsAllowed(spec: { minAvailable?: number; maxUnavailable?: number }, expected: number, healthy: number): number {
    const desiredHealthy = spec.maxUnavailable !== undefined ? expected - spec.maxUnavailable : spec.minAvailable!;
    return Math.max(0, healthy - desiredHealthy);
}

describe("Workload rules", () => {
    describe("PodDisruptionBudget arithmetic", () => {
        for (const minReplicas of [2, 3, 4, 5, 10]) {
            it(`with minReplicas ${minReplicas}: drains always progress, one pod at a time, at every HPA scale and during a rollout`, () => {
                const spec = disruptionBudgetFor(minReplicas, "1.34");
                assert.ok(spec, "no budget");
                for (let running = minReplicas; running <= minReplicas + 8; running++) {
                    const steady = evictionsAllowed(spec, running, running);
                    assert.ok(steady >= 1, `a drain is blocked at ${running} pods`);
                    assert.ok(running - steady >= running - 1, `${steady} evictions at once at ${running} pods`);
                    assert.ok(running - steady >= minReplicas - 1 && running - steady >= 1, "a drain takes the service below minReplicas - 1");
                    // A rollout surges one extra healthy pod (maxSurge 1); evictions must still leave the desired count minus one.
                    const duringRollout = evictionsAllowed(spec, running, running + 1);
                    assert.ok(running + 1 - duringRollout >= running - 1, `rollout at ${running}: ${duringRollout} evictions allowed`);
                }
            });
        }

        it("has no budget for a single replica", () => {
            assert.equal(disruptionBudgetFor(1, "1.34"), undefined);
        });

        it("lets unhealthy pods be evicted where the API supports it (1.27+), so a crash-looping pod cannot block a drain", () => {
            assert.equal(disruptionBudgetFor(2, "1.27")?.unhealthyPodEvictionPolicy, "AlwaysAllow");
            assert.equal(disruptionBudgetFor(2, "1.26")?.unhealthyPodEvictionPolicy, undefined);
        });
    });

    describe("termination arithmetic", () => {
        for (const version of SUPPORTED_VERSIONS) {
            it(`on ${version}: the grace period exceeds preStop + the app's drain deadline`, () => {
                for (const [preStop, timeout] of [[1, 2], [5, 25], [10, 60]]) {
                    const plan = shutdownPlan(version, preStop, timeout);
                    const preStopPart = plan.preStopSleepSeconds ?? 0;
                    assert.ok(plan.terminationGracePeriodSeconds > preStopPart + plan.shutdownTimeoutSeconds, JSON.stringify(plan));
                    if (kubernetesMinor(version) >= 30) {
                        assert.equal(plan.preStopSleepSeconds, preStop);
                        // The keep-alive drain after SIGTERM stays inside the app's deadline (it refuses a delay >= its timeout).
                        assert.ok(plan.appShutdownDelaySeconds! >= 1 && plan.appShutdownDelaySeconds! < plan.shutdownTimeoutSeconds, JSON.stringify(plan));
                    } else {
                        assert.equal(plan.preStopSleepSeconds, undefined, "sleep action used before it is on by default");
                        // The app refuses a delay that is not shorter than its deadline (app/src/config.ts).
                        assert.ok(plan.appShutdownDelaySeconds! < plan.shutdownTimeoutSeconds);
                    }
                }
            });
        }

        it("refuses a preStop delay the app could not honour before 1.30, and non-positive durations", () => {
            assert.throws(() => shutdownPlan("1.29", 25, 25), /must be less than shutdownTimeoutSeconds/);
            assert.throws(() => shutdownPlan("1.34", 0, 25), /preStopSleepSeconds must be an integer >= 1/);
            assert.throws(() => shutdownPlan("1.34", 5, 0), /shutdownTimeoutSeconds must be an integer >= 1/);
        });
    });

    describe("topology spread", () => {
        const selector = { "app.kubernetes.io/name": "websvc" };
        const whenUnsatisfiable = (env: "staging" | "production", key: string) =>
            topologySpreadConstraints(env, selector, "1.34").find((c) => c.topologyKey === key)?.whenUnsatisfiable;

        it("is soft for zones in staging and hard in production; soft for nodes in both", () => {
            assert.equal(whenUnsatisfiable("staging", "topology.kubernetes.io/zone"), "ScheduleAnyway");
            assert.equal(whenUnsatisfiable("production", "topology.kubernetes.io/zone"), "DoNotSchedule");
            assert.equal(whenUnsatisfiable("staging", "kubernetes.io/hostname"), "ScheduleAnyway");
            assert.equal(whenUnsatisfiable("production", "kubernetes.io/hostname"), "ScheduleAnyway");
        });

        it("uses nodeTaintsPolicy and matchLabelKeys only from the versions where they are on by default", () => {
            const fields = (version: string) => topologySpreadConstraints("production", selector, version)[0];
            assert.equal(fields("1.25").nodeTaintsPolicy, undefined);
            assert.equal(fields("1.26").nodeTaintsPolicy, "Honor");
            assert.equal(fields("1.26").matchLabelKeys, undefined);
            assert.deepEqual(fields("1.27").matchLabelKeys, ["pod-template-hash"]);
        });
    });

    describe("helpers", () => {
        it("pins all three Pod Security modes to the version", () => {
            assert.deepEqual(podSecurityLabels("restricted", "1.31"), {
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/enforce-version": "v1.31",
                "pod-security.kubernetes.io/audit": "restricted",
                "pod-security.kubernetes.io/audit-version": "v1.31",
                "pod-security.kubernetes.io/warn": "restricted",
                "pod-security.kubernetes.io/warn-version": "v1.31",
            });
            assert.throws(() => kubernetesMinor("2.0"), /kubernetesVersion must look like/);
        });

        it("flags secret-looking names and leaves ordinary ones", () => {
            for (const name of ["APP_DB_PASSWORD", "SESSION_KEY", "APP_API_TOKEN", "APP_CLIENT_SECRET", "APP_PRIVATE_KEY"]) assert.ok(looksSecret(name), name);
            for (const name of ["APP_FEATURE_FLAGS", "APP_GREETING", "LOG_LEVEL", "APP_KEYBOARD_LAYOUT"]) assert.ok(!looksSecret(name), name);
            assert.ok(!looksSecretValue("beta-banner,dark-mode"));
            assert.ok(!looksSecretValue("https://api.example.com/v1"));
        });

        it("computes a sha256 checksum that ignores key order", () => {
            assert.match(contentChecksum({ A: "1" }), /^[0-9a-f]{64}$/);
            assert.equal(contentChecksum({ A: "1", B: "2" }), contentChecksum({ B: "2", A: "1" }));
            assert.notEqual(contentChecksum({ A: "1" }), contentChecksum({ A: "2" }));
            // Key/value boundaries matter: {"AB": "C"} and {"A": "BC"} must differ.
            assert.notEqual(contentChecksum({ AB: "C" }), contentChecksum({ A: "BC" }));
        });
    });

    describe("refused arguments (nothing is created)", () => {
        const refusals: Array<Refusal<Partial<WorkloadArgs>>> = [
            ["a single fixed replica in production", { ...ALL_OPTIONS_ARGS, ...fixedReplicas(1) }, /replicas must be >= 2 in production/],
            ["an HPA minimum of 1 in production", { ...ALL_OPTIONS_ARGS, autoscaling: { ...ALL_OPTIONS_ARGS.autoscaling!, minReplicas: 1 } }, /autoscaling\.minReplicas must be >= 2 in production/],
            ["maxReplicas below minReplicas", { autoscaling: { enabled: true, minReplicas: 4, maxReplicas: 3, targetCpuUtilization: 70, targetMemoryUtilization: 80 } }, /autoscaling\.maxReplicas must be >= autoscaling\.minReplicas \(4\), got 3/],
            ["a UID below 10000", { runAsUser: 1000 }, /runAsUser must be an integer >= 10000/],
            ["root", { runAsUser: 0 }, /runAsUser must be an integer >= 10000/],
            ["a GID below 10000", { runAsGroup: 999 }, /runAsGroup must be an integer >= 10000/],
            ["limits below requests", { resources: { requests: { cpu: "1", memory: "1Gi", ephemeralStorage: "1Gi" }, limits: { cpu: "500m", memory: "2Gi", ephemeralStorage: "2Gi" } } }, /resources\.limits\.cpu must be >= resources\.requests\.cpu \(1\), got "500m"/],
            ["an exponent limit below its request", { resources: { requests: { cpu: "100m", memory: "1e9", ephemeralStorage: "64Mi" }, limits: { cpu: "200m", memory: "1e8", ephemeralStorage: "128Mi" } } }, /resources\.limits\.memory must be >= resources\.requests\.memory \(1e9\)/],
            ["a quantity Kubernetes does not read", { resources: { requests: { cpu: "100 m", memory: "128Mi", ephemeralStorage: "64Mi" }, limits: { cpu: "1", memory: "256Mi", ephemeralStorage: "128Mi" } } }, /resources\.requests\.cpu must be a non-negative Kubernetes quantity/],
            ["a negative request", { resources: { requests: { cpu: "-1", memory: "128Mi", ephemeralStorage: "64Mi" }, limits: { cpu: "1", memory: "256Mi", ephemeralStorage: "128Mi" } } }, /resources\.requests\.cpu must be a non-negative/],
            ["a /tmp larger than the ephemeral-storage limit", { tmpSizeLimit: "1Gi" }, /tmpSizeLimit \(1Gi\) must be smaller than/],
            ["an ephemeral-storage limit with no room for /tmp", { resources: { requests: { cpu: "100m", memory: "128Mi", ephemeralStorage: "16Mi" }, limits: { cpu: "1", memory: "256Mi", ephemeralStorage: "32Mi" } } }, /resources\.limits\.ephemeralStorage must be larger than the app's \/tmp emptyDir/],
            ["a write verb in rbacRules", { rbacRules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["create" as "get"] }] }, /rbacRules\[0\]\.verbs\[0\] must be a read verb/],
            ["a wildcard in rbacRules", { rbacRules: [{ apiGroups: ["*"], resources: ["pods"], verbs: ["get"] }] }, /rbacRules\[0\]\.apiGroups must not use wildcards/],
            ["listing Secrets", { rbacRules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["list"] }] }, /rbacRules\[0\] may read Secrets only with "get" on named resources/],
            ["getting Secrets without naming them", { rbacRules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }] }, /rbacRules\[0\] may read Secrets only with "get" on named resources/],
            ["a password in appSettings", { appSettings: { APP_DB_PASSWORD: "hunter2" } }, /appSettings key "APP_DB_PASSWORD" looks like a secret; pass it through secretEnv/],
            ["a password without the APP_ prefix", { appSettings: { DB_PASSWORD: "x" } }, /appSettings key "DB_PASSWORD" looks like a secret/],
            ["a key in appSettings", { appSettings: { SESSION_KEY: "abc" } }, /looks like a secret/],
            ["a private key under an innocent name", { appSettings: { APP_CONFIG: "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----" } }, /looks like a secret/],
            ["a JWT under an innocent name", { appSettings: { APP_UPSTREAM: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ3ZWIifQ.c2lnbmF0dXJl" } }, /looks like a secret/],
            ["an invalid setting name", { appSettings: { "APP_BAD-NAME": "x" } }, /appSettings key "APP_BAD-NAME" must be a SCREAMING_SNAKE_CASE environment variable name/],
            ["a lower-case setting name", { appSettings: { greeting: "x" } }, /SCREAMING_SNAKE_CASE/],
            ["secretEnv without a rotation checksum", { secretEnv: [{ envName: "SESSION_KEY", secretKeyRef: { name: "s", key: "k" } }] }, /secretsChecksum is required/],
            ["secretEnv shadowing a setting", { secretEnv: [{ envName: "LOG_LEVEL", secretKeyRef: { name: "s", key: "k" } }], secretsChecksum: "x" }, /secretEnv\[0\]\.envName LOG_LEVEL collides with a ConfigMap setting/],
            ["duplicate secretEnv names", { secretEnv: [{ envName: "A", secretKeyRef: { name: "s", key: "k" } }, { envName: "A", secretKeyRef: { name: "s", key: "j" } }], secretsChecksum: "x" }, /secretEnv names must be unique/],
            ["storage mounted over /tmp", { storage: { enabled: true, size: "1Gi", mountPath: "/tmp" } }, /storage\.mountPath must not be \/tmp/],
            ["a relative storage path", { storage: { enabled: true, size: "1Gi", mountPath: "data" } }, /storage\.mountPath must be an absolute path/],
            ["a storage size that is no quantity", { storage: { enabled: true, size: "lots", mountPath: "/data" } }, /storage\.size must be a positive Kubernetes quantity/],
            ["a tag-only image in production", { ...ALL_OPTIONS_ARGS, image: "registry.example.com/websvc:1.4.2" }, /image is not acceptable: .*tag-only; production requires a digest/],
            ["the latest tag anywhere", { image: "registry.example.com/websvc:latest" }, /"latest" tag/],
            ["a bare repository (it means latest) in staging", { image: "registry.example.com/websvc" }, /image is not acceptable: .*neither a tag nor a digest/],
            ["an unparseable Kubernetes version", { kubernetesVersion: "latest" }, /kubernetesVersion must be a Kubernetes minor version from 1\.25 to 1\.37/],
            ["an unsupported Kubernetes version", { kubernetesVersion: "1.24" }, /kubernetesVersion must be a Kubernetes minor version from 1\.25 to 1\.37/],
        ];
        itRefusesRegisteringNothing("Workload", "wl-refused", refusals, (name, overrides) => new Workload(name, baseArgs(overrides)));

        it("accepts a tagged image in staging", async () => {
            assert.doesNotThrow(() => new Workload("wl-staging-tagged-image", baseArgs({ image: "registry.example.com/websvc:1.4.2" })));
            await recorder.settled();
            assert.equal(recorder.ofType(WORKLOAD_TYPE).filter((r) => r.name === "wl-staging-tagged-image").length, 1);
        });
    });
});

// Per-stack tests: run the real index.ts with the real Pulumi.<stack>.yaml through `npm run synth`
// (one child process per stack: Node caches the program, so one process sees one stack's config).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { validateAll } from "../support/kubernetes-schema";
import { ROOT, runSynth, type SynthRun } from "../support/synth-run";

const ofKind = (run: SynthRun, kind: string) => run.objects.filter((o) => o.kind === kind);
const one = (run: SynthRun, kind: string) => {
    const found = ofKind(run, kind);
    assert.equal(found.length, 1, `expected one ${kind}, found ${found.length}`);
    return found[0];
};

describe("stacks (offline synth of the real program with the real stack files)", function () {
    this.timeout(180_000);
    const runs: Record<string, SynthRun> = {};

    before(() => {
        for (const stack of ["staging", "production"]) runs[stack] = runSynth(stack);
    });

    for (const stack of ["staging", "production"]) {
        describe(stack, () => {
            it("synthesizes with exit code 0, zero mandatory policy violations and no secret leak", () => {
                const { result } = runs[stack];
                assert.equal(result.status, 0, `synth failed:\n${result.stdout}\n${result.stderr}`);
                assert.match(result.stdout, /Policy pack websvc-k8s.*, 0 mandatory/);
                assert.match(result.stdout, /Secret leak check: [1-9]\d* secret value\(s\), 0 found in written files/);
            });

            it("renders every component's objects", () => {
                const run = runs[stack];
                for (const kind of ["Namespace", "ServiceAccount", "ConfigMap", "Secret", "Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy", "Ingress", "ServiceMonitor", "PrometheusRule"]) {
                    assert.ok(ofKind(run, kind).length > 0, `no ${kind} rendered for ${stack}`);
                }
                const componentTypes = new Set(run.resources.map((r) => r.type).filter((t) => t.startsWith("websvc:")));
                for (const t of ["websvc:image:ImageBuild", "websvc:secrets:AppSecrets", "websvc:workload:Workload", "websvc:ingress:Ingress", "websvc:monitoring:MonitoringStack"]) {
                    assert.ok(componentTypes.has(t), `component ${t} missing; have ${[...componentTypes].join(", ")}`);
                }
            });

            it("every object validates against the Kubernetes OpenAPI schema or its CRD schema", async () => {
                const findings = await validateAll(runs[stack].objects);
                assert.deepEqual(findings, []);
            });

            it("writes no secret value in plaintext: Secret data is masked and outputs hold no secret", () => {
                for (const secret of ofKind(runs[stack], "Secret")) {
                    for (const field of ["stringData", "data"]) {
                        if (secret[field] === undefined) continue;
                        const values = typeof secret[field] === "string" ? [secret[field]] : Object.values(secret[field]);
                        assert.ok(values.every((v) => v === "[secret]"), `${secret.metadata.name}.${field} is not masked`);
                    }
                }
                for (const cm of ofKind(runs[stack], "ConfigMap")) {
                    for (const key of Object.keys(cm.data ?? {})) {
                        assert.doesNotMatch(key, /secret|password|token|private.?key/i, `ConfigMap ${cm.metadata.name} has a secret-looking key ${key}`);
                    }
                }
            });

            it("runs the app restricted: namespace enforces restricted PSS, pods non-root with read-only root fs", () => {
                const run = runs[stack];
                const ns = one(run, "Namespace");
                assert.equal(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
                const pod = one(run, "Deployment").spec.template.spec;
                assert.equal(pod.securityContext.runAsNonRoot, true);
                assert.ok(pod.securityContext.runAsUser >= 10000);
                for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
                    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
                    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
                    assert.deepEqual(c.securityContext.capabilities.drop, ["ALL"]);
                    assert.match(c.image, /@sha256:[a-f0-9]{64}$/);
                }
            });

            it("omits Deployment replicas because an HPA owns them, and the HPA targets that Deployment", () => {
                const run = runs[stack];
                const deployment = one(run, "Deployment");
                const hpa = one(run, "HorizontalPodAutoscaler");
                assert.equal(deployment.spec.replicas, undefined);
                assert.equal(hpa.spec.scaleTargetRef.name, deployment.metadata.name);
                assert.equal(hpa.spec.scaleTargetRef.kind, "Deployment");
            });
        });
    }

    describe("staging and production differ where real teams differ", () => {
        it("uses the configured HPA ranges, resources, issuers and rate limits per environment", () => {
            const config = (stack: string) => YAML.parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")).config;
            for (const stack of ["staging", "production"]) {
                const cfg = config(stack);
                const run = runs[stack];
                const hpa = one(run, "HorizontalPodAutoscaler");
                assert.equal(hpa.spec.minReplicas, cfg["websvc:autoscaling"].minReplicas);
                assert.equal(hpa.spec.maxReplicas, cfg["websvc:autoscaling"].maxReplicas);
                const container = one(run, "Deployment").spec.template.spec.containers[0];
                assert.equal(container.resources.limits.memory, cfg["websvc:resources"].limits.memory);
                const ingress = one(run, "Ingress");
                assert.equal(ingress.metadata.annotations["cert-manager.io/cluster-issuer"], cfg["websvc:tls"].clusterIssuer);
                assert.equal(ingress.metadata.annotations["nginx.ingress.kubernetes.io/limit-rps"], String(cfg["websvc:ingress"].rateLimitRps));
                assert.deepEqual(ingress.spec.rules.map((r: any) => r.host), [cfg["websvc:domain"]]);
            }
            assert.notEqual(config("staging")["websvc:tls"].clusterIssuer, config("production")["websvc:tls"].clusterIssuer);
        });
    });
});

describe("synth --set with floats as `pulumi config set --path` writes them (strings)", function () {
    this.timeout(120_000);
    it("renders the issue's objectives and threshold (99.95, 99.5, 0.25) into the SLO rules, with no mandatory violation", () => {
        // Staging's stack file has 99.5 / 99 / 0.5: every value below must come from --set.
        const run = runSynth("staging", [
            "--set", "monitoring.availabilityObjective=99.95",
            "--set", "monitoring.latencyObjective=99.5",
            "--set", "monitoring.latencyThresholdSeconds=0.25",
        ]);
        assert.equal(run.result.status, 0, run.result.stdout + run.result.stderr);
        assert.match(run.result.stdout, /Policy pack websvc-k8s.*, 0 mandatory/);
        const rules = one(run, "PrometheusRule").spec.groups.flatMap((g: any) => g.rules);
        const text = (f: (r: any) => string | undefined) => rules.map(f).filter(Boolean).join("\n");
        assert.match(text((r) => r.annotations?.summary), /availability SLO \(99\.95%\)/);
        assert.match(text((r) => r.annotations?.summary), /latency SLO \(99\.5%\)/);
        assert.match(text((r) => r.expr), /le="0\.25"/);
        assert.doesNotMatch(text((r) => r.expr), /le="0\.5"/);
    });
});

describe("synth refuses bad configuration before registering anything", function () {
    this.timeout(120_000);
    const cases: Array<[string, string[], RegExp]> = [
        ["a non-integer replica count", ["--set", "replicas=three"], /websvc:replicas must be an integer .*, got "three" \(stack production\)/],
        ["a float written as the CLI writes it, with a stray space", ["--set", "monitoring.availabilityObjective= 99.95"], /websvc:monitoring\.availabilityObjective must be a number > 90 and < 100 .*, got " 99\.95" \(stack production\)/],
        ["a plaintext value for a secret key", ["--set", "kubeconfig=apiVersion: v1"], /websvc:kubeconfig is declared secret in Pulumi\.yaml but stored in plaintext/],
    ];
    for (const [what, args, expected] of cases) {
        it(`exits 1 on ${what}, naming the key`, () => {
            const run = runSynth("production", args);
            assert.equal(run.result.status, 1, run.result.stdout + run.result.stderr);
            assert.match(run.result.stderr, expected);
            assert.equal(run.objects.length, 0, "no object may be written on a config error");
        });
    }

    it("reads --set like `pulumi config set` (strings stay strings, --path keys) and reports component rules as config errors, without a stack trace", () => {
        const run = runSynth("production", [
            "--set", 'appSettings={"DB_PASSWORD":"x"}',
            "--set", 'rbacRules=[{"apiGroups":[""],"resources":["secrets"],"verbs":["get"]}]',
            "--set", "kubernetesVersion=1.30", // the string "1.30", a valid version (not the number 1.3)
            "--set", "image.ref=ghcr.io/example-org/websvc:latest", // a path into the stack file's image object
        ]);
        assert.equal(run.result.status, 1, run.result.stdout + run.result.stderr);
        const lines = run.result.stderr.trim().split("\n");
        assert.equal(lines[0], "Invalid stack configuration:");
        const problems = lines.slice(1).map((l) => l.replace(/^ {2}- /, ""));
        assert.equal(problems.length, 3, run.result.stderr);
        assert.ok(problems.some((p) => /^websvc:appSettings key "DB_PASSWORD" looks like a secret/.test(p)), run.result.stderr);
        assert.ok(problems.some((p) => /^websvc:rbacRules\[0\] may read Secrets only with "get" on named resources/.test(p)), run.result.stderr);
        assert.ok(problems.some((p) => /^websvc:image\.ref is not acceptable: .*mutable "latest" tag/.test(p)), run.result.stderr);
        assert.ok(problems.every((p) => p.endsWith("(stack production)")), run.result.stderr);
        assert.doesNotMatch(run.result.stderr, /^\s+at /m, "a stack trace was printed");
        assert.equal(run.objects.length, 0);
    });
});

// The synth's object → source map and `k8s-policy-check --source-map`: which config keys are
// claimed (config-provenance.ts), and, through the bin in child processes, that a finding on a
// synthesized object points at its construction line and names the config key, while a plain
// manifest checked in the same run keeps its own file and line.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { configCandidates, configMatches, namesAgree } from "../../scripts/lib/config-provenance";
import { annotationLocations } from "../workflows/locations";

const ROOT = path.resolve(__dirname, "../..");

describe("config provenance (value and field name)", () => {
    // Shaped like Pulumi.staging.yaml, as the mock runtime gets it (objects JSON-encoded).
    const config = {
        "websvc:environment": "staging",
        "websvc:autoscaling": JSON.stringify({ enabled: true, minReplicas: 2, maxReplicas: 4 }),
        "websvc:ingress": JSON.stringify({ bodySize: "2m", rateLimitRps: 50, hstsMaxAgeSeconds: 300, className: "nginx" }),
        "websvc:image": JSON.stringify({ ref: "ghcr.io/example-org/websvc:1.2.3" }),
        "websvc:resources": JSON.stringify({ requests: { cpu: "50m", memory: "96Mi" }, limits: { cpu: "200m", memory: "96Mi" } }),
        "websvc:grafanaPassword": "s3cret-value",
    };
    const declarations = { environment: { type: "string" as const }, grafanaPassword: { type: "string" as const, secret: true } };
    const candidates = configCandidates(config, ["websvc:grafanaPassword"], declarations);
    const hpa = {
        metadata: { labels: { environment: "staging", "app.kubernetes.io/component": "nginx" } },
        spec: { maxReplicas: 4, behavior: { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ value: 50 }] } } },
    };
    const deployment = {
        spec: {
            template: {
                spec: {
                    containers: [{ image: "ghcr.io/example-org/websvc:1.2.3", env: [{ name: "PASSWORD", value: "s3cret-value" }], resources: { requests: { cpu: "50m", memory: "96Mi" }, limits: { cpu: "200m", memory: "96Mi" } } }],
                },
            },
        },
    };

    it("claims a field whose value and name both match a key", () => {
        assert.deepEqual(configMatches(hpa, candidates), [
            { path: "metadata.labels.environment", key: "websvc:environment" },
            { path: "spec.maxReplicas", key: "websvc:autoscaling.maxReplicas" },
        ]);
    });
    it("does not claim a value that only equals a key's (300 s window vs hstsMaxAgeSeconds, 50 vs rateLimitRps, a label vs className)", () => {
        const claimed = configMatches(hpa, candidates).map((m) => m.path);
        for (const p of ["spec.behavior.scaleDown.stabilizationWindowSeconds", "spec.behavior.scaleDown.policies[0].value", "metadata.labels.app.kubernetes.io/component"]) {
            assert.ok(!claimed.includes(p), `${p} claimed`);
        }
    });
    it("names the key behind an image and resources, drops a value two keys share, never reads a secret key", () => {
        assert.deepEqual(configMatches(deployment, candidates), [
            { path: "spec.template.spec.containers[0].image", key: "websvc:image.ref" },
            { path: "spec.template.spec.containers[0].resources.requests.cpu", key: "websvc:resources.requests.cpu" },
            { path: "spec.template.spec.containers[0].resources.limits.cpu", key: "websvc:resources.limits.cpu" },
        ]);
        assert.ok(![...candidates.keys()].some((v) => v.includes("s3cret")), "a secret value became a candidate");
    });
    it("compares names without case and separators, and by any of the key's names", () => {
        assert.ok(namesAgree("data.LOG_LEVEL", "websvc:logLevel"));
        assert.ok(namesAgree("metadata.annotations.nginx.ingress.kubernetes.io/proxy-body-size", "websvc:ingress.bodySize"));
        assert.ok(!namesAgree("metadata.labels.release", "websvc:monitoring.prometheusRelease"));
    });
});

describe("k8s-policy-check --source-map over a synthesized stack (bin, child processes)", function () {
    this.timeout(300_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "source-map-"));
    const out = path.join(dir, "manifests");
    // Elsewhere than the default, and not beside the manifests: paths in it are relative to itself.
    const map = path.join(dir, "maps", "staging.json");
    const plain = path.join(dir, "plain.yaml");
    const run = (args: string[]) => spawnSync("npm", ["run", "--silent", ...args], { cwd: ROOT, encoding: "utf8", timeout: 240_000 });
    const check = (args: string[]) => run(["policy:check", "--", "--format", "github", "--config", "policy/config/staging.json", "--stack-tag", "environment=staging", "--ignore-path", "resources.json", "--ignore-path", "outputs.json", ...args]);

    before(() => {
        // An image from a registry the staging pack config does not allow: a finding on a value from config.
        const synth = run(["synth", "--", "--stack", "staging", "--out", out, "--source-map", map, "--no-policy", "--set", "image.ref=quay.io/other/websvc:1.2.3"]);
        assert.equal(synth.status, 0, synth.stderr + synth.stdout);
        fs.writeFileSync(plain, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: first\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: plain\nspec:\n  hostNetwork: true\n  containers:\n    - name: c\n      image: nginx:1.27\n");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const deploymentLine = () => {
        const lines = fs.readFileSync(path.join(ROOT, "components/workload.ts"), "utf8").split("\n");
        const found = lines.findIndex((l) => /new k8s\.apps\.v1\.Deployment\(/.test(l));
        assert.ok(found >= 0);
        return found + 1;
    };

    it("a finding on a synthesized object points at its construction line and names the config key", () => {
        const r = check(["--source-map", map, out, plain]);
        const registry = r.stdout.split("\n").filter((l) => l.includes("title=hygiene-allowed-registries") && l.includes("Deployment "));
        assert.equal(registry.length, 1, r.stdout + r.stderr);
        const [where] = annotationLocations(registry[0]);
        assert.deepEqual({ file: where.uri, line: where.line }, { file: "components/workload.ts", line: deploymentLine() });
        assert.match(registry[0], /image quay\.io\/other\/websvc:1\.2\.3 is not from an allowed registry .*\(stack config: websvc:image\.ref\) \[high, advisory\]$/);
    });
    it("a plain manifest in the same run keeps its own file and line", () => {
        const r = check(["--source-map", map, out, plain]);
        const hostNetwork = r.stdout.split("\n").filter((l) => l.includes("title=pss-baseline-host-namespaces"));
        assert.equal(hostNetwork.length, 1, r.stdout);
        const [where] = annotationLocations(hostNetwork[0]);
        assert.deepEqual({ file: where.uri, line: where.line }, { file: path.relative(ROOT, plain), line: 6 });
        assert.doesNotMatch(hostNetwork[0], /stack config/);
    });
    it("without the map the same finding points at the rendered manifest", () => {
        const r = check([out]);
        const registry = r.stdout.split("\n").find((l) => l.includes("title=hygiene-allowed-registries"))!;
        assert.match(annotationLocations(registry)[0].uri, /manifests\/deployment_[^/]+\.yaml$/);
        assert.doesNotMatch(registry, /stack config/);
    });
    it("a bad map is refused (exit 2) naming the file and the key", () => {
        const bad = path.join(dir, "bad.json");
        fs.writeFileSync(bad, JSON.stringify({ version: 1, stack: "s", sourceRoot: ".", program: "index.ts", objects: [{ manifest: "x.yaml", kind: "Pod", name: "p", source: { file: "a.ts", line: 0, column: 1 } }] }));
        const r = check(["--source-map", bad, out]);
        assert.equal(r.status, 2);
        assert.match(r.stderr, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: invalid source map: key objects\\.0\\.source\\.line: must be >= 1`));
    });
});

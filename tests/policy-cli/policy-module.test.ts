// --policy-module through the bin: the example module (examples/worker-stack/policies) runs beside
// the built-in policies with their outputs, exemptions, baselines, enforcement levels (pack config)
// and config-file key; bad modules are refused naming the module.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT, runCheckCli, suiteDir } from "../policy-tooling/support";

const MODULE = path.join(REPO_ROOT, "examples", "worker-stack", "policies", "team-owner-label.js");
const deployment = (name: string, labels: string, annotations = "{}") =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}, namespace: jobs, labels: ${labels}, annotations: ${annotations}}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: "registry.example.com/w:1"}]\n`;

interface Entry { name: string; violations: { policy: string; severity: string }[]; exempted?: { policy: string }[] }

describe("--policy-module (child process)", function () {
    this.timeout(120000);
    const suite = suiteDir("policy-module-", {
        "w.yaml": [deployment("unowned", "{app: w}"), deployment("owned", "{team: pay}"), deployment("legacy", "{app: w}", '{"exempt.websvc-k8s/team-owner-label": "moving owners (OPS-9)"}')].join("---\n"),
    });
    let dir: string;
    let file: string;
    before(() => {
        dir = suite.root;
        file = suite.path("w.yaml");
    });
    const json = (args: string[]) => {
        const r = runCheckCli(["--format", "json", ...args]);
        return { ...r, entries: JSON.parse(r.stdout || "[]") as Entry[] };
    };

    it("runs beside the built-in policies (no --only), reported and exempted like them", () => {
        const r = json(["--policy-module", MODULE, file]);
        assert.equal(r.code, 1, r.stderr);
        const of = (name: string) => r.entries.find((e) => e.name === `jobs/${name}`)!;
        assert.ok(of("unowned").violations.some((v) => v.policy === "team-owner-label" && v.severity === "medium"));
        assert.ok(of("unowned").violations.some((v) => v.policy.startsWith("pss-")), "built-in policies still run");
        assert.ok(!of("owned").violations.some((v) => v.policy === "team-owner-label"));
        assert.deepEqual((of("legacy").exempted ?? []).map((x) => x.policy), ["team-owner-label"]);
        assert.doesNotMatch(r.stderr, /names no policy/);
    });

    it("is selected by --only, listed by --list, and takes an enforcement level from the pack config", () => {
        const only = json(["--only", "team-owner-label", "--policy-module", MODULE, file]);
        assert.deepEqual([...new Set(only.entries.flatMap((e) => e.violations.map((v) => v.policy)))], ["team-owner-label"]);
        assert.equal(only.code, 1);
        assert.match(runCheckCli(["--list", "--policy-module", MODULE]).stdout, /^team-owner-label .*Workloads name their owning team/m);
        const config = path.join(dir, "pack.json");
        fs.writeFileSync(config, JSON.stringify({ "team-owner-label": "advisory" }));
        const advisory = runCheckCli(["--only", "team-owner-label", "--config", config, "--policy-module", MODULE, file]);
        assert.equal(advisory.code, 0, advisory.stderr);
        assert.match(advisory.stdout, /team-owner-label\s+medium\s+advisory/);
        fs.writeFileSync(config, JSON.stringify({ "team-owner-label": { enforcementLevel: "mandatory", nope: 1 } }));
        const bad = runCheckCli(["--config", config, "--policy-module", MODULE, file]);
        assert.equal(bad.code, 2);
        assert.match(bad.stderr, /policy "team-owner-label": unknown setting "nope"/);
    });

    it("baselines its findings like any other", () => {
        const baseline = path.join(dir, "base.json");
        assert.equal(runCheckCli(["--only", "team-owner-label", "--policy-module", MODULE, "--write-baseline", baseline, file]).code, 0);
        assert.ok(JSON.parse(fs.readFileSync(baseline, "utf8")).findings.some((f: { policy: string; name: string }) => f.policy === "team-owner-label" && f.name === "unowned"));
        assert.equal(runCheckCli(["--only", "team-owner-label", "--policy-module", MODULE, "--baseline", baseline, file]).code, 0);
    });

    it("is read from the config file (policyModule, relative to the file)", () => {
        fs.copyFileSync(MODULE, path.join(dir, "team.js"));
        fs.writeFileSync(path.join(dir, ".k8s-policy-check.yaml"), "policyModule: [./team.js]\nonly: team-owner-label\nformat: json\n");
        const r = runCheckCli(["w.yaml"], { cwd: dir });
        fs.rmSync(path.join(dir, ".k8s-policy-check.yaml"));
        assert.equal(r.code, 1, r.stderr);
        assert.deepEqual([...new Set((JSON.parse(r.stdout) as Entry[]).flatMap((e) => e.violations.map((v) => v.policy)))], ["team-owner-label"]);
    });

    it("is read from the pack config's policy-modules entry (relative to that file); the same file also given by --policy-module loads once", () => {
        fs.mkdirSync(path.join(dir, "cfg"), { recursive: true });
        fs.copyFileSync(MODULE, path.join(dir, "cfg", "team.js"));
        const config = path.join(dir, "cfg", "pack.json");
        fs.writeFileSync(config, JSON.stringify({ "policy-modules": { modules: ["./team.js"] }, "team-owner-label": "advisory" }));
        const r = json(["--only", "team-owner-label", "--config", config, file]);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.entries.map((e) => [e.name, e.violations.map((v) => v.policy)]), [["jobs/unowned", ["team-owner-label"]], ["jobs/owned", []], ["jobs/legacy", []]]);
        const both = json(["--only", "team-owner-label", "--config", config, "--policy-module", path.join(dir, "cfg", "team.js"), file]);
        assert.equal(both.code, 0, both.stderr);
        assert.deepEqual(both.entries, r.entries);
    });

    it("refuses a bad policy-modules entry naming the file, the key and the path (exit 2)", () => {
        const config = path.join(dir, "bad-pack.json");
        fs.writeFileSync(config, JSON.stringify({ "policy-modules": { modules: ["./missing.js"] } }));
        const missing = runCheckCli(["--config", config, file]);
        assert.equal(missing.code, 2);
        assert.match(missing.stderr, new RegExp(`^error: ${config.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: "policy-modules"\\.modules\\[0\\] \\./missing\\.js: no such file`));
        fs.writeFileSync(config, JSON.stringify({ "policy-modules": ["./team.js"] }));
        const bare = runCheckCli(["--config", config, file]);
        assert.equal(bare.code, 2);
        assert.match(bare.stderr, /"policy-modules" must be an object \{ "modules"/);
    });

    for (const [name, source, message] of [
        ["not-policies.js", "module.exports = { policies: 5 };", /export a function \(api\) => policies, or an array `policies`/],
        ["clash.js", "module.exports = ({ resourcePolicy }) => [resourcePolicy({ id: 'pss-baseline-privileged', title: 't', description: 'd', severity: 'low', frameworks: {}, remediation: 'r', check: () => [] })];", /"pss-baseline-privileged" is a built-in policy id/],
        ["plain.js", "module.exports = { policies: [{ name: 'x', validateResource: () => {} }] };", /policies\[0\]: policy "x": metadata \(id, title, severity\) missing/],
        ["throws.js", "throw new Error('boom');", /cannot load .*throws\.js: boom/],
    ] as [string, string, RegExp][]) {
        it(`refuses a bad module naming it (exit 2): ${name}`, () => {
            const m = path.join(dir, name);
            fs.writeFileSync(m, source);
            const r = runCheckCli(["--policy-module", m, file]);
            assert.equal(r.code, 2);
            assert.match(r.stderr, new RegExp(`--policy-module ${m.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: .*${message.source}`));
        });
    }
});

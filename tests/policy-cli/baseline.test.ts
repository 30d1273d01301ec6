// --write-baseline / --baseline through the bin: findings are keyed by kind, namespace, name,
// policy and field path, so moving an object (another file, other lines, reformatted) keeps it
// baselined, renaming it makes its findings new, and the old name's entries are "no longer present".
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { policiesOf, runCheckCli, runJson, tempDir } from "../policy-tooling/support";

const pod = (name: string, spec: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: ops\nspec:\n${spec}`;
const PRIVILEGED = `  containers:\n  - name: c\n    image: registry.example.com/app:1.0\n    securityContext:\n      privileged: true\n`;
const HOST_PID = `  hostPID: true\n  containers:\n  - name: c\n    image: registry.example.com/app:1.0\n`;

describe("baselines (child process)", function () {
    this.timeout(120000);
    let dir: string;
    let baseline: string;
    const write = (name: string, text: string) => {
        const file = path.join(dir, name);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, text);
        return file;
    };
    beforeEach(() => {
        dir = tempDir("baseline-");
        baseline = path.join(dir, "baseline.json");
        write("a/pods.yaml", `${pod("legacy", PRIVILEGED)}---\n${pod("agent", HOST_PID)}`);
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const check = (...args: string[]) => runCheckCli(["--only", "pss-baseline", "--format", "json", ...args]);

    it("--write-baseline records every finding by kind/namespace/name/policy/field and exits 0", () => {
        const { entries } = runJson(["--only", "pss-baseline", path.join(dir, "a")]);
        const run = check("--write-baseline", baseline, path.join(dir, "a"));
        assert.equal(run.code, 0, run.stderr);
        const written = JSON.parse(fs.readFileSync(baseline, "utf8"));
        const total = entries.reduce((n, e) => n + e.violations.length, 0);
        assert.ok(total >= 2);
        assert.equal(written.findings.length, total);
        assert.ok(written.findings.some((f: Record<string, string>) => f.kind === "Pod" && f.namespace === "ops" && f.name === "legacy" && f.policy === "pss-baseline-privileged" && f.field === "spec.containers[0].securityContext.privileged"), JSON.stringify(written.findings));
        for (const f of written.findings) assert.ok(!("line" in f) && !("file" in f));
        assert.match(run.stderr, new RegExp(`wrote ${total} finding`));
    });

    it("with the baseline: nothing new, exit 0; a moved and reformatted object stays baselined", () => {
        assert.equal(check("--write-baseline", baseline, path.join(dir, "a")).code, 0);
        const same = check("--baseline", baseline, path.join(dir, "a"));
        assert.equal(same.code, 0, same.stderr);
        assert.deepEqual(JSON.parse(same.stdout).flatMap(policiesOf), []);
        // Moved: the agent pod to another file, below a new object, in flow style.
        fs.rmSync(path.join(dir, "a"), { recursive: true });
        write("b/legacy.yaml", `# moved here\n\n${pod("legacy", PRIVILEGED)}`);
        write("c/agent.yaml", `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: ops}\n---\n{apiVersion: v1, kind: Pod, metadata: {namespace: ops, name: agent}, spec: {hostPID: true, containers: [{name: c, image: "registry.example.com/app:1.0"}]}}\n`);
        const moved = check("--baseline", baseline, path.join(dir, "b"), path.join(dir, "c"));
        assert.equal(moved.code, 0, moved.stderr);
        assert.deepEqual(JSON.parse(moved.stdout).flatMap(policiesOf), []);
        assert.match(moved.stderr, /0 recorded finding\(s\) no longer present/);
    });

    it("a renamed object's findings are new (exit 1) and the old name's are listed as no longer present", () => {
        assert.equal(check("--write-baseline", baseline, path.join(dir, "a")).code, 0);
        write("a/pods.yaml", `${pod("legacy-v2", PRIVILEGED)}---\n${pod("agent", HOST_PID)}`);
        const run = check("--baseline", baseline, path.join(dir, "a"));
        assert.equal(run.code, 1);
        const entries = JSON.parse(run.stdout) as { name: string; violations: { policy: string }[] }[];
        assert.deepEqual(entries.filter((e) => e.violations.length > 0).map((e) => e.name), ["ops/legacy-v2"]);
        assert.match(run.stderr, /no longer present: Pod ops\/legacy: pss-baseline-privileged at spec\.containers\[0\]\.securityContext\.privileged/);
        assert.doesNotMatch(run.stderr, /no longer present: Pod ops\/agent/);
    });

    it("a fixed finding is listed as no longer present; a new one on a baselined object still fails", () => {
        assert.equal(check("--write-baseline", baseline, path.join(dir, "a")).code, 0);
        write("a/pods.yaml", `${pod("legacy", PRIVILEGED.replace("privileged: true", "privileged: false"))}---\n${pod("agent", HOST_PID.replace("hostPID: true", "hostPID: true\n  hostNetwork: true"))}`);
        const run = check("--baseline", baseline, path.join(dir, "a"));
        assert.equal(run.code, 1);
        assert.match(run.stderr, /no longer present: Pod ops\/legacy: pss-baseline-privileged/);
        const agent = (JSON.parse(run.stdout) as { name: string; violations: { message: string }[] }[]).find((e) => e.name === "ops/agent")!;
        assert.deepEqual(agent.violations.map((v) => v.message.split(":")[0]), ["spec.hostNetwork"]);
    });

    it("a bad baseline file is refused naming the file and key (exit 2)", () => {
        write("bad.json", JSON.stringify({ version: 1, findings: [{ kind: "Pod", name: "x", policy: 5, field: "" }] }));
        const run = check("--baseline", path.join(dir, "bad.json"), path.join(dir, "a"));
        assert.equal(run.code, 2);
        assert.match(run.stderr, /bad\.json: invalid baseline: key findings\.0\.policy: must be string/);
    });
});

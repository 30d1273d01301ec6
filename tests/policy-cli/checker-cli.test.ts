// The plain-manifest checker as CI runs it: a child process over fixture folders.
// Expected policy ids come from the Pod Security Standards each fixture breaks (e.g. a privileged
// container breaks baseline "Privileged Containers"), not from the checker's output.
import { strict as assert } from "assert";
import * as path from "path";
import { documentStartLines, entryFor, fixture, policiesOf, REPO_ROOT, runCheckCli, runCheckInProcess, runJson, validateSarif } from "../policy-tooling/support";
import type { JsonEntry } from "../policy-tooling/support";

const rel = (p: string) => path.relative(REPO_ROOT, p);

describe("policy:check CLI (child process)", function () {
    // Each run starts ts-node and loads the pack: seconds on a busy 2-core machine.
    this.timeout(120000);

    describe("reading manifests", () => {
        let clean: { code: number | null; entries: JsonEntry[] };
        before(() => {
            const { run, entries } = runJson([rel(fixture("clean"))]);
            clean = { code: run.code, entries };
        });

        it("reports one entry per object, recursing into sub-directories, clean objects with no violations", () => {
            const webDocs = documentStartLines(fixture("clean", "web.yaml")).length;
            const jobDocs = documentStartLines(fixture("clean", "jobs", "nightly.yaml")).length;
            assert.equal(clean.entries.length, webDocs + jobDocs);
            assert.deepEqual(clean.entries.filter((e) => e.violations.length > 0), []);
            assert.deepEqual(Object.keys(clean.entries[0]).sort(), ["file", "kind", "name", "violations"]);
            assert.equal(entryFor(clean.entries, "CronJob", "shop/nightly").file, rel(fixture("clean", "jobs", "nightly.yaml")));
            assert.equal(clean.code, 0);
        });

        it("skips files that are not .yaml/.yml inside directories", () => {
            assert.ok(!clean.entries.some((e) => e.file.endsWith("notes.txt")));
        });

        it("unwraps List items and flags baseline and restricted violations with exit 1", () => {
            const { run, entries } = runJson([rel(fixture("violating"))]);
            assert.equal(run.code, 1);
            assert.equal(entryFor(entries, "Deployment", "shop/api").file, entryFor(entries, "Deployment", "shop/legacy").file);
            const debug = policiesOf(entryFor(entries, "Pod", "ops/debug"));
            assert.ok(debug.includes("pss-baseline-privileged") && debug.includes("pss-baseline-host-namespaces"), debug.join(","));
            const legacy = policiesOf(entryFor(entries, "Deployment", "shop/legacy"));
            for (const id of ["pss-restricted-run-as-non-root", "pss-restricted-privilege-escalation", "pss-restricted-seccomp", "pss-restricted-capabilities"]) {
                assert.ok(legacy.includes(id), `legacy should break ${id}: ${legacy.join(",")}`);
            }
            assert.ok(!legacy.some((id) => id.startsWith("pss-baseline-")), legacy.join(","));
            for (const v of entryFor(entries, "Pod", "ops/debug").violations) assert.ok(["critical", "high", "medium", "low"].includes(v.severity));
        });

        it("exits 2 naming an invalid YAML file, and still checks and reports the others", () => {
            const { run, entries } = runJson([rel(fixture("broken"))]);
            assert.equal(run.code, 2);
            assert.match(run.stderr, /broken\/invalid\.yaml: invalid YAML/);
            assert.deepEqual(entries.map((e) => path.basename(e.file)), ["ok.yaml"]);
            assert.ok(policiesOf(entries[0]).includes("pss-baseline-host-namespaces"), "hostPID breaks baseline host namespaces");
        });

        it("exits 2 naming a missing path, and still checks the others", () => {
            const { run, entries } = runJson([rel(fixture("does-not-exist.yaml")), rel(fixture("clean"))]);
            assert.equal(run.code, 2);
            assert.match(run.stderr, /does-not-exist\.yaml: cannot read/);
            assert.ok(entries.length > 0);
        });
    });

    it("a bad --config file exits 2 naming the file, the policy and the key, and checks nothing", () => {
        const run = runCheckCli(["--config", rel(fixture("configs", "bad-setting-type.json")), rel(fixture("clean"))]);
        assert.equal(run.code, 2);
        assert.match(run.stderr, /bad-setting-type\.json.*pss-baseline-host-namespaces.*exemptNamespaces/);
        assert.equal(run.stdout, "");
    });

    describe("output formats", () => {
        it("table: one row per violation and a summary; exit code as for json", () => {
            const run = runCheckCli(["--only", "pss-baseline", rel(fixture("violating"))]);
            const lines = run.stdout.trim().split("\n");
            assert.match(lines[0], /^LOCATION\s+KIND\s+NAME\s+POLICY\s+SEVERITY\s+ENFORCEMENT\s+MESSAGE$/);
            assert.match(lines[lines.length - 1], /^3 objects in 2 files checked against \d+ policies: \d+ violations/);
            assert.ok(lines.slice(1, -1).every((l) => l.includes("ops/debug") && l.includes("privileged-pod.yml:")), run.stdout);
            assert.equal(run.code, 1);
        });

        it("sarif: valid SARIF 2.1.0 with one result per violation, rules from metadata, file and line locations", () => {
            const args = [rel(fixture("violating"))];
            const json = runJson(args).entries;
            const run = runCheckCli(["--format", "sarif", ...args]);
            const log = JSON.parse(run.stdout);
            assert.deepEqual(validateSarif(log), []);
            assert.equal(run.code, 1);
            const sarifRun = log.runs[0];
            assert.equal(sarifRun.results.length, json.reduce((n, e) => n + e.violations.length, 0));
            const ruleIds: string[] = sarifRun.tool.driver.rules.map((r: { id: string }) => r.id);
            const listed = (JSON.parse(runCheckInProcess(["--list", "--format", "json"]).stdout) as { id: string }[]).map((p) => p.id);
            assert.deepEqual(ruleIds, listed);
            const privileged = sarifRun.results.find((r: { ruleId: string }) => r.ruleId === "pss-baseline-privileged");
            const location = privileged.locations[0].physicalLocation;
            assert.equal(location.artifactLocation.uri, "tests/policy-tooling/fixtures/violating/privileged-pod.yml");
            assert.equal(location.region.startLine, documentStartLines(fixture("violating", "privileged-pod.yml"))[0]);
            assert.equal(privileged.level, "error", "mandatory findings are SARIF errors");
            const legacyLine = sarifRun.results.find((r: { message: { text: string } }) => r.message.text.includes("shop/legacy")).locations[0].physicalLocation.region.startLine;
            // The second List item starts at the second "- apiVersion:" line of list.yaml.
            assert.equal(legacyLine, documentStartLines(fixture("violating", "list.yaml"), "  - apiVersion:")[1]);
        });

        it("sarif: an unreadable input is a tool notification and the log stays valid", () => {
            const run = runCheckCli(["--format", "sarif", rel(fixture("broken"))]);
            const log = JSON.parse(run.stdout);
            assert.deepEqual(validateSarif(log), []);
            assert.equal(run.code, 2);
            const invocation = log.runs[0].invocations[0];
            assert.equal(invocation.executionSuccessful, false);
            assert.match(invocation.toolExecutionNotifications[0].message.text, /invalid\.yaml/);
        });

        it("--list --format json: every policy with id, severity, category and peer mapping; table lists the same ids", () => {
            const list = JSON.parse(runCheckCli(["--list", "--format", "json"]).stdout) as Array<Record<string, unknown> & { id: string; frameworks: Record<string, string> }>;
            assert.equal(new Set(list.map((p) => p.id)).size, list.length);
            for (const p of list) {
                assert.ok(["critical", "high", "medium", "low"].includes(p.severity as string), p.id);
                assert.ok(["pss", "hygiene", "stack", "rbac"].includes(p.category as string), p.id);
                assert.equal(typeof p.frameworks, "object", p.id);
                if (p.category === "pss") assert.match(p.frameworks.pss, /^(baseline|restricted)\//, p.id);
            }
            const table = runCheckCli(["--list"]);
            assert.equal(table.code, 0);
            const tableIds = table.stdout.trim().split("\n").slice(1).map((l) => l.split(/\s+/)[0]);
            assert.deepEqual(tableIds, list.map((p) => p.id));
        });
    });
});

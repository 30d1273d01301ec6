// The checker's CI controls, through the package's bin (compiled dist/cli/bin.js) in child
// processes: exemption annotations in every output format, --fail-on, --soft-fail, --skip,
// --ignore-path, stdin, JUnit XML, --kubernetes-version, and --parser yaml giving the same output.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { generateCorpus } from "../../policy/bench/corpus";
import { CHECKER_BIN, ensureCheckerBuilt, entryFor, fixture, FIXTURES, policiesOf, REPO_ROOT, runCheckCli, tempDir, validateSarif, xmlProblems } from "../policy-tooling/support";
import type { JsonEntry } from "../policy-tooling/support";

const rel = (p: string) => path.relative(REPO_ROOT, p);
const PROBES_REASON = "consumes a queue and serves nothing; liveness is the broker heartbeat (OPS-142)";
const PRIVILEGED_POD = fs.readFileSync(fixture("violating", "privileged-pod.yml"), "utf8");

interface ExemptedEntry { policy: string; message: string; severity: string; reason: string; annotation: string }
type Entry = JsonEntry & { exempted?: ExemptedEntry[] };

function json(args: string[], input?: string): { code: number | null; stderr: string; entries: Entry[] } {
    const run = runCheckCli(["--format", "json", ...args], { input });
    try {
        return { code: run.code, stderr: run.stderr, entries: JSON.parse(run.stdout) as Entry[] };
    } catch {
        throw new Error(`no JSON (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
    }
}

describe("policy:check controls (k8s-policy-check bin, child processes)", function () {
    this.timeout(180000);
    before(() => ensureCheckerBuilt());

    describe("exemption annotations", () => {
        const honoured = rel(fixture("exemptions", "honoured.yaml"));
        const refused = rel(fixture("exemptions", "refused.yaml"));

        it("json: the waived findings are under `exempted` with the reason; violations and the exit code ignore them", () => {
            const { code, entries } = json([honoured]);
            assert.equal(code, 0);
            const worker = entryFor(entries, "Deployment", "queue/worker") as Entry;
            assert.deepEqual(worker.violations, []);
            // hygiene-probes (the id before the split) is the group of the liveness and readiness policies.
            assert.deepEqual(worker.exempted?.map((x) => [x.policy, x.reason, x.annotation, x.severity]), [
                ["hygiene-liveness-probe", PROBES_REASON, "exempt.websvc-k8s/hygiene-probes", "medium"],
                ["hygiene-readiness-probe", PROBES_REASON, "exempt.websvc-k8s/hygiene-probes", "medium"],
                ["hygiene-startup-probe", PROBES_REASON, "exempt.websvc-k8s/hygiene-startup-probe", "low"],
            ]);
            // Objects without exemptions keep the documented shape exactly.
            assert.deepEqual(Object.keys(entryFor(entries, "NetworkPolicy", "queue/default-deny")).sort(), ["file", "kind", "name", "violations"]);
        });

        it("table: one row per exempted finding, marked exempted, with the reason; counted in the summary", () => {
            const run = runCheckCli([honoured]);
            const rows = run.stdout.trim().split("\n");
            const exempted = rows.filter((l) => /\bhygiene-(liveness|readiness|startup)-probe\b/.test(l));
            assert.equal(exempted.length, 3);
            for (const l of exempted) {
                assert.match(l, /^tests\/policy-tooling\/fixtures\/exemptions\/honoured\.yaml:4\s+Deployment\s+queue\/worker\s+hygiene-(liveness|readiness|startup)-probe\s+(medium|low)\s+exempted\s+/);
                assert.ok(l.endsWith(`: ${PROBES_REASON})`) && /\(exempted by exempt\.websvc-k8s\/hygiene-(probes|startup-probe): /.test(l), l);
            }
            assert.match(rows[rows.length - 1], /: 0 violations \(0 mandatory, 0 advisory\); 3 exempted by annotations$/);
            assert.equal(run.code, 0);
        });

        it("sarif: exempted findings are results with an in-source suppression carrying the reason (schema-valid)", () => {
            const run = runCheckCli(["--format", "sarif", honoured, refused]);
            const log = JSON.parse(run.stdout);
            assert.deepEqual(validateSarif(log), []);
            const results = log.runs[0].results as Array<{ ruleId: string; level: string; message: { text: string }; suppressions?: Array<{ kind: string; status: string; justification: string }> }>;
            const suppressed = results.filter((r) => r.suppressions);
            assert.deepEqual(suppressed.map((r) => [r.ruleId, r.suppressions?.[0].kind, r.suppressions?.[0].status, r.suppressions?.[0].justification]), [
                ["hygiene-liveness-probe", "inSource", "accepted", PROBES_REASON],
                ["hygiene-readiness-probe", "inSource", "accepted", PROBES_REASON],
                ["hygiene-startup-probe", "inSource", "accepted", PROBES_REASON],
                ["stack-network-policy", "inSource", "accepted", "egress-only batch job on an isolated node pool (SEC-9)"],
            ]);
            // A suppressed result keeps the level it would have had (the startup probe policy is advisory).
            assert.deepEqual(suppressed.map((r) => r.level), ["error", "error", "warning", "error"]);
            assert.ok(results.some((r) => !r.suppressions && r.ruleId === "pss-baseline-privileged"));
        });

        it("junit: exempted findings are skipped test cases whose message gives the reason", () => {
            const run = runCheckCli(["--format", "junit", honoured]);
            assert.deepEqual(xmlProblems(run.stdout), []);
            const skipped = [...run.stdout.matchAll(/<testcase name="Deployment queue\/worker: (hygiene-[a-z-]+-probe)" classname="\1">\s*<skipped message="([^"]*)"\/>/g)];
            assert.deepEqual(skipped.map((m) => m[1]), ["hygiene-liveness-probe", "hygiene-readiness-probe", "hygiene-startup-probe"]);
            assert.ok(skipped[0][2].includes(`exempted by exempt.websvc-k8s/hygiene-probes: ${PROBES_REASON}`), skipped[0][2]);
            assert.match(run.stdout, /<testsuites name="websvc-k8s-policy-pack" tests="\d+" failures="0" errors="0" skipped="3">/);
        });

        it("--disallow-annotation-exemptions: the findings are violations again, saying the annotation was not honoured (exit 1)", () => {
            const { code, entries } = json(["--disallow-annotation-exemptions", honoured]);
            assert.equal(code, 1);
            const worker = entryFor(entries, "Deployment", "queue/worker") as Entry;
            assert.equal(worker.exempted, undefined);
            assert.deepEqual(policiesOf(worker), ["hygiene-liveness-probe", "hygiene-readiness-probe", "hygiene-startup-probe"]);
            for (const v of worker.violations) assert.match(v.message, /\[exemption exempt\.websvc-k8s\/hygiene-(probes|startup-probe) not honoured: annotation exemptions are disallowed/);
        });

        it("a policy's disallowAnnotationExemptions setting (--config) refuses its exemptions only", () => {
            const { code, entries } = json(["--config", rel(fixture("configs", "disallow-probe-exemptions.json")), honoured, refused]);
            assert.equal(code, 1);
            // The group's setting reaches its members; the startup probe policy's own exemption stands.
            assert.deepEqual(policiesOf(entryFor(entries, "Deployment", "queue/worker")), ["hygiene-liveness-probe", "hygiene-readiness-probe"]);
            assert.deepEqual((entryFor(entries, "Deployment", "queue/worker") as Entry).exempted?.map((x) => x.policy), ["hygiene-startup-probe"]);
            assert.deepEqual((entryFor(entries, "CronJob", "lonely/loner") as Entry).exempted?.map((x) => x.policy), ["stack-network-policy"]);
        });

        it("refused exemptions: PSS controls and empty reasons stand, visibly; a misspelt policy id is a warning", () => {
            const { code, stderr, entries } = json([refused]);
            assert.equal(code, 1);
            const debug = entryFor(entries, "Pod", "ops/debug");
            const privileged = debug.violations.filter((v) => v.policy === "pss-baseline-privileged");
            assert.equal(privileged.length, 1);
            assert.match(privileged[0].message, /\[exemption exempt\.websvc-k8s\/pss-baseline-privileged not honoured: Pod Security Standards controls cannot be exempted by an annotation/);
            assert.ok(entryFor(entries, "Deployment", "queue/no-reason").violations.some((v) => /not honoured: an exemption needs a reason/.test(v.message)));
            assert.match(stderr, /warning: tests\/policy-tooling\/fixtures\/exemptions\/refused\.yaml: ConfigMap queue\/typo: annotation exempt\.websvc-k8s\/hygiene-probe names no policy of this pack/);
        });
    });

    describe("CI gating", () => {
        const advisory = ["--config", rel(fixture("configs", "all-advisory.json"))];
        // Only advisory medium findings: hygiene-probes on the worker, its exemption refused.
        const mediumOnly = [...advisory, "--disallow-annotation-exemptions", rel(fixture("exemptions", "honoured.yaml"))];

        it("--fail-on <severity>: exit 1 when a finding, advisory ones included, is at or above it", () => {
            assert.equal(runCheckCli(mediumOnly).code, 0, "advisory findings alone exit 0");
            assert.equal(runCheckCli(["--fail-on", "high", ...mediumOnly]).code, 0);
            assert.equal(runCheckCli(["--fail-on", "medium", ...mediumOnly]).code, 1);
            assert.equal(runCheckCli(["--fail-on", "low", ...mediumOnly]).code, 1);
            assert.equal(runCheckCli(["--fail-on", "critical", ...advisory, rel(fixture("violating"))]).code, 1, "privileged is critical");
        });

        it("--fail-on never lets a mandatory violation pass; a bad severity is a usage error", () => {
            assert.equal(runCheckCli(["--fail-on", "critical", "--only", "hygiene-probes", rel(fixture("violating"))]).code, 1);
            const bad = runCheckCli(["--fail-on", "severe", rel(fixture("clean"))]);
            assert.equal(bad.code, 2);
            assert.match(bad.stderr, /severe.*critical, high, medium, low/s);
        });

        it("--soft-fail reports the findings and exits 0; unreadable input still exits 2", () => {
            const { code, entries } = json(["--soft-fail", rel(fixture("violating"))]);
            assert.equal(code, 0);
            assert.ok(entries.some((e) => e.violations.length > 0));
            assert.equal(runCheckCli(["--soft-fail", "--fail-on", "low", rel(fixture("violating"))]).code, 0);
            assert.equal(runCheckCli(["--soft-fail", rel(fixture("broken"))]).code, 2);
        });

        it("--skip <selector> leaves out what --only would pick (ids or keywords, after --only)", () => {
            const all = json([rel(fixture("violating"))]).entries.flatMap(policiesOf);
            assert.ok(all.some((id) => id.startsWith("hygiene-")) && all.includes("pss-baseline-privileged"));
            const noHygiene = json(["--skip", "hygiene", rel(fixture("violating"))]).entries.flatMap(policiesOf);
            assert.ok(noHygiene.length > 0 && !noHygiene.some((id) => id.startsWith("hygiene-")), noHygiene.join(","));
            const picked = json(["--only", "pss-baseline", "--skip", "pss-baseline-privileged", rel(fixture("violating"))]).entries.flatMap(policiesOf);
            assert.ok(picked.includes("pss-baseline-host-namespaces") && !picked.includes("pss-baseline-privileged"), picked.join(","));
            const listed = (JSON.parse(runCheckCli(["--list", "--format", "json", "--skip", "stack"]).stdout) as { id: string }[]).map((p) => p.id);
            assert.ok(listed.length > 0 && !listed.some((id) => id.startsWith("stack-")));
        });

        it("--skip that removes every policy, or names an unknown one, is a usage error", () => {
            const none = runCheckCli(["--skip", "all", rel(fixture("clean"))]);
            assert.equal(none.code, 2);
            assert.match(none.stderr, /--skip all: selects no policy/);
            const unknown = runCheckCli(["--skip", "no-such-policy", rel(fixture("clean"))]);
            assert.equal(unknown.code, 2);
            assert.match(unknown.stderr, /--skip no-such-policy: unknown policy or keyword "no-such-policy"/);
        });
    });

    describe("--ignore-path", () => {
        let dir: string;
        before(() => {
            dir = tempDir("ignore-path-");
            for (const f of ["keep/a.yaml", "vendor/b.yaml", "nested/vendor/c.yaml", "d.tmpl.yaml", "keep/e.yaml"]) {
                fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
                fs.writeFileSync(path.join(dir, f), PRIVILEGED_POD.replace("name: debug", `name: ${path.basename(f, ".yaml").replace(/\./g, "-")}`));
            }
        });
        after(() => fs.rmSync(dir, { recursive: true, force: true }));
        // Files reported, relative to the temporary directory, running in it (cwd) unless told otherwise.
        const files = (args: string[], cwd = dir) => {
            const run = runCheckCli(["--format", "json", ...args], { cwd });
            return [...new Set((JSON.parse(run.stdout) as Entry[]).map((e) => path.relative(dir, path.resolve(cwd, e.file))))].sort();
        };

        it("globs with a slash match the path as given or found, and relative to the working directory", () => {
            assert.deepEqual(files(["."]), ["d.tmpl.yaml", "keep/a.yaml", "keep/e.yaml", "nested/vendor/c.yaml", "vendor/b.yaml"]);
            assert.deepEqual(files(["--ignore-path", "vendor/**", "."]), ["d.tmpl.yaml", "keep/a.yaml", "keep/e.yaml", "nested/vendor/c.yaml"]);
            assert.deepEqual(files(["--ignore-path", "**/keep/e.yaml", "."]), ["d.tmpl.yaml", "keep/a.yaml", "nested/vendor/c.yaml", "vendor/b.yaml"]);
            // Given as an absolute path, from elsewhere: the absolute pattern matches the path as found,
            // the relative one the path relative to the working directory.
            assert.deepEqual(files(["--ignore-path", `${dir}/keep/**`, dir], REPO_ROOT), ["d.tmpl.yaml", "nested/vendor/c.yaml", "vendor/b.yaml"]);
            assert.deepEqual(files(["--ignore-path", "vendor/**", path.join(dir, "vendor"), path.join(dir, "keep")], dir), ["keep/a.yaml", "keep/e.yaml"]);
        });

        it("globs without a slash match base names, directories included; repeatable; explicit files too", () => {
            assert.deepEqual(files(["--ignore-path", "vendor", "--ignore-path", "*.tmpl.yaml", "."]), ["keep/a.yaml", "keep/e.yaml"]);
            // Nothing left to check is an error unless --allow-empty says it is expected.
            const explicit = runCheckCli(["--ignore-path", "*.yaml", path.join(dir, "keep", "a.yaml")]);
            assert.equal(explicit.code, 2);
            assert.match(explicit.stderr, /a\.yaml: no Kubernetes object found/);
            const allowed = runCheckCli(["--allow-empty", "--ignore-path", "*.yaml", path.join(dir, "keep", "a.yaml")]);
            assert.equal(allowed.code, 0);
            assert.match(allowed.stdout, /^0 objects in 0 files/m);
        });
    });

    describe("stdin", () => {
        it("`-` reads a manifest stream; locations read <stdin>:<line>", () => {
            const input = `---\n${fs.readFileSync(fixture("clean", "web.yaml"), "utf8")}---\n${PRIVILEGED_POD}`;
            const run = runCheckCli(["-"], { input });
            const podLine = input.split("\n").findIndex((l, i, lines) => l === "kind: Pod" && lines[i - 1] === "apiVersion: v1");
            assert.ok(podLine > 0);
            const rows = run.stdout.split("\n").filter((l) => l.includes("ops/debug"));
            assert.ok(rows.length > 0);
            for (const l of rows) assert.ok(l.startsWith(`<stdin>:${podLine} `), l);
            assert.equal(run.code, 1);
            const { entries } = json(["-"], input);
            assert.deepEqual([...new Set(entries.map((e) => e.file))], ["<stdin>"]);
        });

        it("`-` with paths, SARIF locations for stdin, and unreadable stdin named like a file", () => {
            const { entries } = json(["-", rel(fixture("clean"))], PRIVILEGED_POD);
            assert.ok(entries.some((e) => e.file === "<stdin>") && entries.some((e) => e.file.endsWith("web.yaml")));
            const sarif = JSON.parse(runCheckCli(["--format", "sarif", "-"], { input: PRIVILEGED_POD }).stdout);
            assert.deepEqual(validateSarif(sarif), []);
            assert.equal(sarif.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri, "stdin");
            const bad = runCheckCli(["-"], { input: "kind: [unclosed\n" });
            assert.equal(bad.code, 2);
            assert.match(bad.stderr, /^error: <stdin>: invalid YAML/m);
        });
    });

    describe("JUnit XML", () => {
        it("one suite per file, a failing case per object and policy, passing cases for clean objects, counts that add up", () => {
            const run = runCheckCli(["--format", "junit", rel(fixture("violating")), rel(fixture("clean"))]);
            assert.equal(run.code, 1);
            assert.deepEqual(xmlProblems(run.stdout), []);
            const suites = [...run.stdout.matchAll(/<testsuite name="([^"]+)" tests="(\d+)" failures="(\d+)" errors="(\d+)" skipped="(\d+)">([\s\S]*?)<\/testsuite>/g)];
            assert.deepEqual(suites.map((s) => s[1]).sort(), [
                "tests/policy-tooling/fixtures/clean/jobs/nightly.yaml",
                "tests/policy-tooling/fixtures/clean/web.yaml",
                "tests/policy-tooling/fixtures/violating/list.yaml",
                "tests/policy-tooling/fixtures/violating/privileged-pod.yml",
            ]);
            for (const [, , tests, failures, , , body] of suites) {
                assert.equal((body.match(/<testcase /g) ?? []).length, Number(tests));
                assert.equal((body.match(/<failure /g) ?? []).length, Number(failures));
            }
            const { entries } = json([rel(fixture("violating"))]);
            const debugPolicies = policiesOf(entryFor(entries, "Pod", "ops/debug"));
            // The failure's type is the policy's enforcement level (default config).
            const levels = new Map((JSON.parse(runCheckCli(["--list", "--format", "json"]).stdout) as Array<{ id: string; enforcementLevel: string }>).map((p) => [p.id, p.enforcementLevel]));
            assert.ok(debugPolicies.some((id) => levels.get(id) === "mandatory") && debugPolicies.some((id) => levels.get(id) === "advisory"), "both levels are covered");
            for (const id of debugPolicies) assert.match(run.stdout, new RegExp(`<testcase name="Pod ops/debug: ${id}" classname="${id}">\\s*<failure type="${levels.get(id)}" message="\\[`));
            assert.match(run.stdout, /<testcase name="Deployment shop\/web" classname="all selected policies"\/>/);
        });

        it("escapes what XML cannot carry as is", () => {
            const dir = tempDir("junit-escape-");
            try {
                const reason = `uses <tls> & "mTLS" ' \u0001 end`;
                const doc = fs.readFileSync(fixture("exemptions", "honoured.yaml"), "utf8").replace(/"consumes a queue[^"]*"/, JSON.stringify(reason));
                fs.writeFileSync(path.join(dir, "x.yaml"), doc);
                const run = runCheckCli(["--format", "junit", dir]);
                assert.deepEqual(xmlProblems(run.stdout), []);
                assert.ok(run.stdout.includes("uses &lt;tls&gt; &amp; &quot;mTLS&quot; &apos; \uFFFD end"), run.stdout);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    it("--kubernetes-version is --k8s-version; giving both with different values is a usage error", () => {
        const args = ["--only", "pss-restricted", rel(fixture("versions"))];
        for (const version of ["1.21", "1.22"]) {
            const a = runCheckCli(["--format", "json", "--k8s-version", version, ...args]);
            const b = runCheckCli(["--format", "json", "--kubernetes-version", version, ...args]);
            assert.equal(b.stdout, a.stdout);
            assert.equal(b.code, a.code);
        }
        assert.notEqual(runCheckCli(["--kubernetes-version", "1.21", ...args]).code, runCheckCli(["--kubernetes-version", "1.22", ...args]).code);
        const both = runCheckCli(["--k8s-version", "1.21", "--kubernetes-version", "1.22", ...args]);
        assert.equal(both.code, 2);
        assert.match(both.stderr, /--k8s-version 1\.21 and --kubernetes-version 1\.22 disagree/);
        assert.match(runCheckCli(["--kubernetes-version", "one.thirty", ...args]).stderr, /--kubernetes-version one\.thirty: expected 1\.NN/);
    });

    describe("parse paths give the same output through the bin", () => {
        let dir: string;
        before(() => {
            dir = tempDir("bin-parse-paths-");
            generateCorpus(dir, 300, 30, 21);
        });
        after(() => fs.rmSync(dir, { recursive: true, force: true }));
        for (const format of ["json", "sarif", "table", "junit"]) {
            it(`--format ${format}: default (js-yaml) and --parser yaml print the same`, () => {
                const args = ["--format", format, dir, rel(FIXTURES)];
                const fast = runCheckCli(args);
                const slow = runCheckCli(["--parser", "yaml", ...args]);
                assert.equal(fast.code, 2, "the broken fixture exits 2");
                assert.equal(slow.code, fast.code);
                assert.equal(slow.stderr, fast.stderr);
                assert.ok(slow.stdout === fast.stdout, `--parser yaml output differs (${format})`);
            });
        }
    });

    it("a small check loads neither @pulumi/pulumi, the policy runtime's server, TypeScript nor the yaml package", () => {
        const dir = tempDir("loaded-modules-");
        try {
            const preload = path.join(dir, "record.js");
            const out = path.join(dir, "loaded.json");
            fs.writeFileSync(preload, `process.on("exit", () => require("fs").writeFileSync(${JSON.stringify(out)}, JSON.stringify(Object.keys(require.cache))));\n`);
            const r = spawnSync(process.execPath, ["--require", preload, CHECKER_BIN, "--format", "json", rel(fixture("clean", "web.yaml"))], { cwd: REPO_ROOT, encoding: "utf8" });
            assert.equal(r.status, 0, r.stderr);
            const loaded = (JSON.parse(fs.readFileSync(out, "utf8")) as string[]).map((f) => path.relative(REPO_ROOT, f));
            assert.ok(loaded.some((f) => f.includes("node_modules/js-yaml/")), "the fast parser is what reads it");
            for (const heavy of ["node_modules/@pulumi/pulumi/", "node_modules/@pulumi/policy/server", "node_modules/typescript/", "node_modules/ts-node/", "node_modules/yaml/", "node_modules/ajv/", "node_modules/picomatch/"]) {
                assert.deepEqual(loaded.filter((f) => f.includes(heavy)), [], `${heavy} should not be loaded`);
            }
            assert.ok(!loaded.some((f) => f.endsWith(".ts")), "compiled JavaScript only");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("`npm run policy:check --` in this repository runs the same checker with the same flags and JSON", () => {
        const args = ["--format", "json", "--only", "pss-baseline", rel(fixture("violating"))];
        const npm = spawnSync("npm", ["run", "--silent", "policy:check", "--", ...args], { cwd: REPO_ROOT, encoding: "utf8" });
        const bin = runCheckCli(args);
        assert.equal(npm.status, 1, npm.stderr);
        assert.equal(npm.stdout, bin.stdout);
        assert.ok((JSON.parse(npm.stdout) as JsonEntry[]).every((e) => Object.keys(e).sort().join() === "file,kind,name,violations"));
    });
});

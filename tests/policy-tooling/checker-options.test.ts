// Option variants of the checker through its CLI entry point (runCli) in this process, so that
// each does not pay for a ts-node start-up; checker-cli.test.ts covers the real child process.
import { strict as assert } from "assert";
import * as path from "path";
import { entryFor, fixture, policiesOf, REPO_ROOT, runCheckInProcess, runJson } from "./support";

const rel = (p: string) => path.relative(REPO_ROOT, p);
const json = (args: string[]) => runJson(args, runCheckInProcess);

describe("policy:check options (runCli in-process)", function () {
    this.timeout(60000);

    it("--only pss-baseline behaves like pod-security-admission at baseline", () => {
        const { run, entries } = json(["--only", "pss-baseline", rel(fixture("violating"))]);
        // legacy and api only break restricted controls and hygiene rules.
        assert.deepEqual(entryFor(entries, "Deployment", "shop/legacy").violations, []);
        assert.deepEqual(entryFor(entries, "Deployment", "shop/api").violations, []);
        const debug = policiesOf(entryFor(entries, "Pod", "ops/debug"));
        assert.ok(debug.length > 0 && debug.every((id) => id.startsWith("pss-baseline-")), debug.join(","));
        assert.equal(run.code, 1);
    });

    it("--only pss-restricted adds the restricted controls and nothing outside PSS", () => {
        const { entries } = json(["--only", "pss-restricted", rel(fixture("violating"))]);
        const all = entries.flatMap(policiesOf);
        assert.ok(all.includes("pss-restricted-run-as-non-root"));
        assert.ok(all.every((id) => id.startsWith("pss-")), all.join(","));
        assert.deepEqual(entryFor(entries, "Deployment", "shop/api").violations, []);
    });

    it("--only with ids runs exactly those policies", () => {
        const { entries } = json(["--only", "pss-baseline-privileged,hygiene-probes", rel(fixture("violating"))]);
        // hygiene-probes is now the group of the per-probe policies.
        assert.deepEqual([...new Set(entries.flatMap(policiesOf))].sort(), ["hygiene-liveness-probe", "hygiene-readiness-probe", "pss-baseline-privileged"]);
    });

    it("--k8s-version: the restricted capabilities control applies from 1.22, not at 1.21", () => {
        const before122 = json(["--only", "pss-restricted", "--k8s-version", "1.21", rel(fixture("versions"))]);
        const from122 = json(["--only", "pss-restricted", "--k8s-version", "1.22", rel(fixture("versions"))]);
        assert.deepEqual(before122.entries[0].violations, []);
        assert.equal(before122.run.code, 0);
        assert.deepEqual(policiesOf(from122.entries[0]), ["pss-restricted-capabilities"]);
        assert.equal(from122.run.code, 1);
    });

    it("--stack-tag environment=production makes the image digest rule apply", () => {
        const args = ["--only", "hygiene-image-tag", rel(fixture("clean"))];
        const untagged = json(args);
        const production = json(["--stack-tag", "environment=production", ...args]);
        assert.deepEqual(untagged.entries.flatMap(policiesOf), []);
        assert.deepEqual(policiesOf(entryFor(production.entries, "Deployment", "shop/web")), ["hygiene-image-tag"]);
        assert.equal(production.run.code, 1);
    });

    it("skips empty and non-Kubernetes documents with a warning", () => {
        const { run, entries } = json(["--only", "pss", rel(fixture("mixed"))]);
        assert.deepEqual(entries.map((e) => `${e.kind} ${e.name}`), ["ConfigMap shop/settings", "ServiceAccount shop/runner"]);
        assert.match(run.stderr, /stream\.yaml: document \d+ skipped: not a Kubernetes object/);
        assert.equal(run.code, 0);
    });

    it("--config all-advisory turns the same findings into exit 0", () => {
        const { run, entries } = json(["--config", rel(fixture("configs", "all-advisory.json")), rel(fixture("violating"))]);
        assert.ok(entries.flatMap(policiesOf).length > 0);
        assert.equal(run.code, 0);
    });

    it("--config exemptNamespaces removes that policy's findings in that namespace only", () => {
        const { entries } = json(["--config", rel(fixture("configs", "exempt-ops.json")), rel(fixture("violating"))]);
        const debug = policiesOf(entryFor(entries, "Pod", "ops/debug"));
        assert.ok(!debug.includes("pss-baseline-host-namespaces"), debug.join(","));
        assert.ok(debug.includes("pss-baseline-privileged"), debug.join(","));
    });

    const badConfigs: Array<{ file: string; mentions: RegExp[] }> = [
        { file: "bad-level.json", mentions: [/pss-baseline-privileged/, /enforcementLevel/, /blocking/] },
        { file: "bad-setting-type.json", mentions: [/pss-baseline-host-namespaces/, /exemptNamespaces/] },
        { file: "unknown-setting.json", mentions: [/pss-baseline-privileged/, /exemptNamespace\b/] },
        { file: "unknown-policy.json", mentions: [/pss-baseline-privileged-containers/] },
        { file: "not-json.json", mentions: [/not-json\.json/, /cannot read policy config/] },
    ];
    for (const bad of badConfigs) {
        it(`--config ${bad.file} is refused with exit 2 and a message naming what is wrong`, () => {
            const run = runCheckInProcess(["--config", rel(fixture("configs", bad.file)), rel(fixture("clean"))]);
            assert.equal(run.code, 2);
            assert.equal(run.stdout, "");
            assert.match(run.stderr, new RegExp(bad.file.replace(".", "\\.")));
            for (const m of bad.mentions) assert.match(run.stderr, m);
        });
    }

    const usageErrors: Array<{ args: string[]; mentions: RegExp }> = [
        { args: ["--only", "no-such-policy", "x.yaml"], mentions: /no-such-policy/ },
        { args: ["--k8s-version", "one.thirty", "x.yaml"], mentions: /--k8s-version one\.thirty/ },
        { args: ["--stack-tag", "environment", "x.yaml"], mentions: /--stack-tag environment: expected key=value/ },
        { args: ["--format", "xml", "x.yaml"], mentions: /xml/ },
        { args: [], mentions: /at least one file or directory/ },
        { args: ["--list", "--format", "sarif"], mentions: /--list prints a table or json/ },
    ];
    for (const usage of usageErrors) {
        it(`usage error exits 2: ${usage.args.join(" ") || "(no paths)"}`, () => {
            const run = runCheckInProcess(usage.args);
            assert.equal(run.code, 2);
            assert.match(run.stderr, usage.mentions);
        });
    }
});

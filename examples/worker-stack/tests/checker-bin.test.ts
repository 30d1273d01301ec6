// The pack's plain-manifest checker as a consumer runs it: the package's bin
// (node_modules/.bin/k8s-policy-check, compiled JavaScript, no ts-node), over this stack's
// objects written out as plain YAML, with the pack's own per-environment configs. It must block
// and pass exactly what the policies report through runPolicies (tests/policy.test.ts).
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { runPolicies } from "@websvc/k8s-policy-pack/lib/run";
import type { ManifestResource } from "@websvc/k8s-policy-pack/lib/run";
import { runProgram } from "./harness";

const BIN = path.resolve(__dirname, "..", "node_modules", ".bin", "k8s-policy-check");
const packConfig = (environment: string) => require.resolve(`@websvc/k8s-policy-pack/config/${environment}.json`);

interface Entry { kind: string; name: string; violations: { policy: string }[] }

/** Writes the stack's Kubernetes objects as one multi-document file, as `pulumi` would render them. */
function render(resources: ManifestResource[], dir: string): string {
    const file = path.join(dir, "stack.yaml");
    fs.writeFileSync(file, resources.map((r) => stringify(r.props)).join("---\n"));
    return file;
}

function checkWithBin(file: string, environment: string, configEnvironment = environment) {
    const r = spawnSync(BIN, ["--format", "json", "--config", packConfig(configEnvironment), "--stack-tag", `environment=${environment}`, file], { encoding: "utf8" });
    if (r.error) throw r.error;
    return { code: r.status, entries: JSON.parse(r.stdout) as Entry[], stderr: r.stderr };
}

describe("the pack's checker bin over the worker stack's objects", function () {
    this.timeout(120000);
    let dir: string;
    let staging: ManifestResource[];
    let production: ManifestResource[];
    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "worker-stack-bin-"));
        staging = await runProgram("staging");
        production = await runProgram("production");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("is installed as node_modules/.bin/k8s-policy-check, a compiled JavaScript file", () => {
        const target = fs.realpathSync(BIN);
        assert.match(target, /@websvc\/k8s-policy-pack\/dist\/cli\/bin\.js$/);
        assert.match(fs.readFileSync(target, "utf8"), /^#!\/usr\/bin\/env node\n/);
    });

    it("production under production.json: exit 0, no mandatory finding", () => {
        const { code, entries } = checkWithBin(render(production, fs.mkdtempSync(path.join(dir, "p-"))), "production");
        assert.equal(code, 0);
        assert.equal(entries.length, production.length);
    });

    it("the staging settings under production.json: exit 1, blocked by the same findings runPolicies reports", () => {
        const { code, entries } = checkWithBin(render(staging, fs.mkdtempSync(path.join(dir, "s-"))), "production");
        assert.equal(code, 1);
        const byBin = entries.flatMap((e) => e.violations.map((v) => `${v.policy} ${e.kind} ${e.name.split("/").pop()}`)).sort();
        const config = JSON.parse(fs.readFileSync(packConfig("production"), "utf8"));
        const byApi = runPolicies(staging, { config, stackTags: { environment: "production" } })
            .map((v) => `${v.policy} ${v.resource?.type.split(":").pop()} ${(staging.find((r) => r.name === v.resource?.name)?.props.metadata as { name: string }).name}`)
            .sort();
        assert.deepEqual(byBin, byApi);
        assert.ok(byBin.includes("hygiene-image-tag Deployment queue-worker"), byBin.join("\n"));
    });
});

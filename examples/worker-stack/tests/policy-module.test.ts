// The example's own policy (policies/team-owner-label.js) through the installed checker bin with
// --policy-module: it reports like a built-in policy, and an exemption annotation waives it. Then
// the same module from the pack config's "policy-modules" entry (policies/pack-config.json): the
// bin's findings with --config, and the installed CrossGuard pack's policy list (what
// `pulumi preview --policy-pack` loads with WEBSVC_K8S_POLICY_PACK_CONFIG naming that file).
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkPaths } from "@websvc/k8s-policy-pack/check";
import { exemptionReportPolicy } from "@websvc/k8s-policy-pack/lib/exemption-report";
import { PACK_CONFIG_ENV, packPolicies } from "@websvc/k8s-policy-pack/lib/pack-modules";
import type { PackPolicy } from "@websvc/k8s-policy-pack/lib/types";
import { allPolicies } from "@websvc/k8s-policy-pack/policies";

const BIN = path.resolve(__dirname, "..", "node_modules", ".bin", "k8s-policy-check");
const MODULE = path.resolve(__dirname, "..", "policies", "team-owner-label.js");
const PACK_CONFIG = path.resolve(__dirname, "..", "policies", "pack-config.json");

const deployment = (name: string, labels: string, annotations = "{}") =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}, namespace: jobs, labels: ${labels}, annotations: ${annotations}}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: "registry.example.com/w:1"}]\n`;

describe("--policy-module: the example's team-owner-label policy", function () {
    this.timeout(120000);
    let dir: string;
    let file: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "worker-stack-module-"));
        file = path.join(dir, "workloads.yaml");
        fs.writeFileSync(
            file,
            [
                deployment("unowned", "{app: w}"),
                deployment("owned", "{app: w, team: payments}"),
                deployment("legacy", "{app: w}", '{"exempt.websvc-k8s/team-owner-label": "migrating to the new owner model (OPS-9)"}'),
            ].join("---\n"),
        );
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** [object, violated policies, exempted policies] per object, from the bin's JSON. */
    function checkWithBin(args: string[]) {
        const r = spawnSync(BIN, ["--format", "json", "--only", "team-owner-label", ...args, file], { encoding: "utf8" });
        const entries = JSON.parse(r.stdout || "[]") as { name: string; violations: { policy: string; message: string }[]; exempted?: { policy: string }[] }[];
        return { code: r.status, stderr: r.stderr, entries, table: entries.map((e) => [e.name, e.violations.map((v) => v.policy), (e.exempted ?? []).map((x) => x.policy)]) };
    }

    it("fails an unlabelled workload, passes a labelled one, honours an exemption annotation", () => {
        const r = checkWithBin(["--policy-module", MODULE]);
        assert.equal(r.code, 1, r.stderr);
        assert.deepEqual(r.table, [
            ["jobs/unowned", ["team-owner-label"], []],
            ["jobs/owned", [], []],
            ["jobs/legacy", [], ["team-owner-label"]],
        ]);
    });

    it("the pack config's policy-modules entry loads it for the bin (--config) as --policy-module does", () => {
        const viaConfig = checkWithBin(["--config", PACK_CONFIG]);
        assert.equal(viaConfig.code, 1, viaConfig.stderr);
        assert.deepEqual(viaConfig.entries, checkWithBin(["--policy-module", MODULE]).entries);
    });

    it("and for the installed CrossGuard pack, whose list then has the module's policy before policy-exemptions", () => {
        const policies = packPolicies(allPolicies, exemptionReportPolicy, { [PACK_CONFIG_ENV]: PACK_CONFIG });
        const names = policies.map((p) => p.name);
        assert.deepEqual(names.slice(-2), ["team-owner-label", "policy-exemptions"]);
        // The policy object the pack loaded, run over the same objects, reports what the bin reported.
        const loaded = policies.filter((p) => p.name === "team-owner-label") as PackPolicy[];
        const viaPack = checkPaths([file], { extraPolicies: loaded, only: "team-owner-label" });
        const bin = checkWithBin(["--config", PACK_CONFIG]).entries;
        assert.deepEqual(viaPack.reports.map((r) => [r.name, r.violations.map((v) => v.message), r.exempted.map((x) => x.policy)]), bin.map((e) => [e.name, e.violations.map((v) => v.message), (e.exempted ?? []).map((x) => x.policy)]));
        assert.equal(bin[0].violations[0]?.message, "metadata.labels.team: Deployment must name its owning team");
    });
});

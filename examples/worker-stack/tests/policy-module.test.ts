// The example's own policy (policies/team-owner-label.js) through the installed checker bin with
// --policy-module: it reports like a built-in policy, and an exemption annotation waives it.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const BIN = path.resolve(__dirname, "..", "node_modules", ".bin", "k8s-policy-check");
const MODULE = path.resolve(__dirname, "..", "policies", "team-owner-label.js");

const deployment = (name: string, labels: string, annotations = "{}") =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}, namespace: jobs, labels: ${labels}, annotations: ${annotations}}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: "registry.example.com/w:1"}]\n`;

describe("--policy-module: the example's team-owner-label policy", function () {
    this.timeout(120000);
    it("fails an unlabelled workload, passes a labelled one, honours an exemption annotation", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "worker-stack-module-"));
        const file = path.join(dir, "workloads.yaml");
        fs.writeFileSync(
            file,
            [
                deployment("unowned", "{app: w}"),
                deployment("owned", "{app: w, team: payments}"),
                deployment("legacy", "{app: w}", '{"exempt.websvc-k8s/team-owner-label": "migrating to the new owner model (OPS-9)"}'),
            ].join("---\n"),
        );
        const r = spawnSync(BIN, ["--format", "json", "--only", "team-owner-label", "--policy-module", MODULE, file], { encoding: "utf8" });
        fs.rmSync(dir, { recursive: true, force: true });
        assert.equal(r.status, 1, r.stderr);
        const entries = JSON.parse(r.stdout) as { name: string; violations: { policy: string }[]; exempted?: { policy: string }[] }[];
        assert.deepEqual(entries.map((e) => [e.name, e.violations.map((v) => v.policy), (e.exempted ?? []).map((x) => x.policy)]), [
            ["jobs/unowned", ["team-owner-label"], []],
            ["jobs/owned", [], []],
            ["jobs/legacy", [], ["team-owner-label"]],
        ]);
    });
});

// The Polaris agreement script on a small case folder written here (Polaris's own cases stay out
// of the repository): how a case's expected verdict is read, which files are cases, and that a
// finding counts only on the kind the Polaris check targets.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { measure, polarisMapping, summary } from "../../policy/scripts/polaris-agreement";
import { tempDir } from "./support";

const pod = (spec: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n${spec}  containers:\n  - name: c\n    image: nginx:1.27\n`;
const execRole = (kind: "Role" | "ClusterRole") =>
    `apiVersion: rbac.authorization.k8s.io/v1\nkind: ${kind}\nmetadata:\n  name: debug\n  namespace: apps\nrules:\n- apiGroups: [""]\n  resources: [pods/exec]\n  verbs: [create]\n`;

describe("policy/scripts/polaris-agreement.ts", () => {
    let dir: string;
    before(() => {
        dir = tempDir("polaris-cases-");
        const write = (check: string, file: string, text: string) => {
            fs.mkdirSync(path.join(dir, check), { recursive: true });
            fs.writeFileSync(path.join(dir, check, file), text);
        };
        write("hostPIDSet", "failure.yaml", pod("  hostPID: true\n"));
        write("hostPIDSet", "success.yaml", pod(""));
        write("hostPIDSet", "failure.labelled-wrong.yaml", pod(""));
        write("hostPIDSet", "mutated.yaml", pod("  hostPID: true\n"));
        write("rolePodExecAttach", "failure.role.yaml", execRole("Role"));
        write("rolePodExecAttach", "failure.cluster-role-only.yaml", execRole("ClusterRole"));
        write("notAPolarisCheck", "failure.yaml", pod("  hostPID: true\n"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("reads the mapping from frameworks.polaris, lists included", () => {
        const mapping = polarisMapping();
        assert.equal(mapping.get("hostPIDSet"), "pss-baseline-host-namespaces");
        assert.equal(mapping.get("hostNetworkSet"), "pss-baseline-host-namespaces");
        assert.equal(mapping.get("rolePodExecAttach"), "rbac-no-pods-exec-attach");
        assert.equal(mapping.has("notAPolarisCheck"), false);
    });

    it("judges failure/success by file name, skips mutated fixtures, counts findings on the target kind only", () => {
        const results = measure(dir);
        assert.deepEqual(results.map((r) => [r.check, r.policy, r.cases.map((c) => [c.file, c.expectFailure, c.agree])]), [
            ["hostPIDSet", "pss-baseline-host-namespaces", [
                ["failure.labelled-wrong.yaml", true, false],
                ["failure.yaml", true, true],
                ["success.yaml", false, true],
            ]],
            ["rolePodExecAttach", "rbac-no-pods-exec-attach", [
                ["failure.cluster-role-only.yaml", true, false],
                ["failure.role.yaml", true, true],
            ]],
        ]);
        assert.match(summary(results), /2 mapped checks with cases; 3\/5 cases agree \(60\.0%\)$/);
    });
});

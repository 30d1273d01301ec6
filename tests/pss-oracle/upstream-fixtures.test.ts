// Kubernetes' own pod-security-admission fixtures (test/testdata/{baseline,restricted}/v1.N/
// {pass,fail}/*.yaml in the k8s.io/pod-security-admission module zip, ~4,500 pods): the checker
// must admit every pass pod and reject every fail pod at that level and version. Kubernetes runs
// the same files against a real kube-apiserver, so they are judged after API defaulting (a volume
// without a source is admitted under restricted because it becomes emptyDir).
// The files are read from the Go module cache at test time (never copied into this repository).
// Opt-in with the oracle tier: PSS_ORACLE=1 (needs Go and the Go module proxy).
import * as assert from "assert";
import * as path from "path";
import { checkPaths } from "../../policy/cli/checker";
import { fixtureDirs, PSA_MODULE } from "../../scripts/lib/psa-fixtures";

const enabled = process.env.PSS_ORACLE === "1";

(enabled ? describe : describe.skip)(`Kubernetes' pod-security-admission fixtures (${PSA_MODULE})${enabled ? "" : " (skipped: set PSS_ORACLE=1; needs Go + module proxy)"}`, function () {
    this.timeout(10 * 60 * 1000);

    it("the checker admits every pass fixture and rejects every fail fixture, per level and version", () => {
        const dirs = fixtureDirs();
        let total = 0;
        let agree = 0;
        const misses: string[] = [];
        for (const d of dirs) {
            const result = checkPaths([d.dir], { only: `pss-${d.level}`, kubernetesVersion: d.version });
            assert.deepStrictEqual(result.inputErrors, [], `unreadable fixtures in ${d.dir}`);
            for (const report of result.reports) {
                total += 1;
                const rejected = report.violations.length > 0;
                if (rejected === (d.expect === "fail")) {
                    agree += 1;
                } else {
                    misses.push(`${d.level}/v${d.version}/${d.expect}/${path.basename(report.file)}: ${rejected ? report.violations.map((v) => v.message).join("; ") : "admitted"}`);
                }
            }
        }
        console.log(`      upstream pod-security-admission fixtures: ${agree}/${total} agree (${dirs.length} level/version/verdict folders)`);
        assert.ok(total > 4000, `expected the module's ~4,500 fixtures, found ${total}`);
        assert.deepStrictEqual(misses.slice(0, 20), [], `${misses.length} disagreements`);
    });
});

// Kubernetes' own pod-security-admission fixtures (test/testdata/{baseline,restricted}/v1.N/
// {pass,fail}/*.yaml in the k8s.io/pod-security-admission module zip, ~4,500 pods): the checker
// must admit every pass pod and reject every fail pod at that level and version. Kubernetes runs
// the same files against a real kube-apiserver, so they are judged after API defaulting (a volume
// without a source is admitted under restricted because it becomes emptyDir).
// The files are read from the Go module cache at test time (never copied into this repository).
// Opt-in with the oracle tier: PSS_ORACLE=1 (needs Go and the Go module proxy).
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { checkPaths } from "../../policy/cli/checker";

const enabled = process.env.PSS_ORACLE === "1";
export const PSA_MODULE = "k8s.io/pod-security-admission@v0.37.2";

/** The module's directory in the Go module cache, downloading it if needed. */
export function psaModuleDir(): string {
    const out = execFileSync("go", ["mod", "download", "-json", PSA_MODULE], { env: { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "-mod=mod" } }).toString();
    const dir = (JSON.parse(out) as { Dir?: string }).Dir;
    if (!dir || !fs.existsSync(dir)) throw new Error(`go mod download ${PSA_MODULE} gave no directory: ${out}`);
    return dir;
}

export interface FixtureDir { level: "baseline" | "restricted"; version: string; expect: "pass" | "fail"; dir: string }

export function fixtureDirs(root: string): FixtureDir[] {
    const dirs: FixtureDir[] = [];
    for (const level of ["baseline", "restricted"] as const) {
        for (const v of fs.readdirSync(path.join(root, level)).filter((d) => /^v1\.\d+$/.test(d))) {
            for (const expect of ["pass", "fail"] as const) {
                const dir = path.join(root, level, v, expect);
                if (fs.existsSync(dir)) dirs.push({ level, version: v.slice(1), expect, dir });
            }
        }
    }
    return dirs;
}

(enabled ? describe : describe.skip)(`Kubernetes' pod-security-admission fixtures (${PSA_MODULE})${enabled ? "" : " (skipped: set PSS_ORACLE=1; needs Go + module proxy)"}`, function () {
    this.timeout(10 * 60 * 1000);

    it("the checker admits every pass fixture and rejects every fail fixture, per level and version", () => {
        const root = path.join(psaModuleDir(), "test", "testdata");
        const dirs = fixtureDirs(root);
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

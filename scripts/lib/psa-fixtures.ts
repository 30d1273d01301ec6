// Kubernetes' own pod-security-admission fixtures, read from the Go module cache (downloaded
// through the Go module proxy when missing, never copied into this repository):
// test/testdata/{baseline,restricted}/v1.N/{pass,fail}/*.yaml of k8s.io/pod-security-admission.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export const PSA_MODULE = "k8s.io/pod-security-admission@v0.37.2";

/** The module's directory in the Go module cache, downloading it if needed. */
export function psaModuleDir(): string {
    const out = execFileSync("go", ["mod", "download", "-json", PSA_MODULE], { env: { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "-mod=mod" } }).toString();
    const dir = (JSON.parse(out) as { Dir?: string }).Dir;
    if (!dir || !fs.existsSync(dir)) throw new Error(`go mod download ${PSA_MODULE} gave no directory: ${out}`);
    return dir;
}

export interface FixtureDir { level: "baseline" | "restricted"; version: string; expect: "pass" | "fail"; dir: string }

/** One entry per level / version / verdict folder under test/testdata. */
export function fixtureDirs(root: string = path.join(psaModuleDir(), "test", "testdata")): FixtureDir[] {
    const dirs: FixtureDir[] = [];
    for (const level of ["baseline", "restricted"] as const) {
        for (const v of fs.readdirSync(path.join(root, level)).filter((d) => /^v1\.\d+$/.test(d))) {
            for (const expect of ["pass", "fail"] as const) {
                const dir = path.join(root, level, v, expect);
                if (fs.existsSync(dir)) dirs.push({ level, version: v.slice(1), expect, dir });
            }
        }
    }
    return dirs.sort((a, b) => a.level.localeCompare(b.level) || Number(a.version.split(".")[1]) - Number(b.version.split(".")[1]) || a.expect.localeCompare(b.expect));
}

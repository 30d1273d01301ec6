// promtool from scripts/promtool.sh's cache: where it is, running it, reading its results.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..", "..");

/** The cached promtool's path, or undefined with the reason it is missing (never builds). */
export function promtoolPath(): { path?: string; missing?: string } {
    const found = spawnSync("bash", [path.join(ROOT, "scripts/promtool.sh"), "--print-path"], { encoding: "utf8" });
    const bin = found.stdout.trim();
    if (found.status === 0 && existsSync(bin)) return { path: bin };
    return { missing: `promtool is not built (${bin || "no path"}): run \`bash scripts/promtool.sh\` (a cold build from the Go module proxy takes minutes)` };
}

export interface PromtoolRun {
    code: number;
    output: string;
    seconds: number;
}

/** Runs promtool; resolves with its exit code and combined output (several can run side by side). */
export function promtool(bin: string, args: string[], cwd: string): Promise<PromtoolRun> {
    const started = process.hrtime.bigint();
    return new Promise((resolve, reject) => {
        const child = spawn(bin, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
        child.stderr.setEncoding("utf8").on("data", (d: string) => (output += d));
        child.once("error", reject);
        child.once("close", (code) => resolve({ code: code ?? -1, output, seconds: Number(process.hrtime.bigint() - started) / 1e9 }));
    });
}

export function promtoolVersion(bin: string): string {
    return execFileSync(bin, ["--version"], { encoding: "utf8" }).split("\n")[0];
}

/**
 * Samples a failed promql_expr_test printed after `got:` (promtool's format: `{a="b", c="d"} 1.2E+03, {…} …`,
 * or `nil`). The probe files rely on it: their expectation is a sentinel, so promtool always prints what it got.
 */
export function gotSamples(output: string): Array<{ labels: Record<string, string>; value: number }> {
    const line = /got: (.*)$/m.exec(output);
    if (!line) throw new Error(`no "got:" line in promtool's output:\n${output}`);
    if (line[1].trim() === "nil") return [];
    const out: Array<{ labels: Record<string, string>; value: number }> = [];
    for (const m of line[1].matchAll(/\{([^}]*)\} ([-+0-9.eE]+|NaN)/g)) {
        const labels: Record<string, string> = {};
        for (const l of m[1].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = JSON.parse(`"${l[2]}"`);
        out.push({ labels, value: Number(m[2]) });
    }
    return out;
}

// What every tier shares: where the repository is, what it needs from the machine (a `pulumi` CLI on
// PATH, a cluster from KUBECONFIG), how it says what is missing, and how the steps of one lifecycle
// depend on each other. Provisioning (toolchain build, `npm run cluster -- up`, image build) is not
// done here: a tier only finds what was provisioned, and names the entry point when it is missing.
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "../../..");

/** The first executable file `name` in a PATH-like list of directories. */
export function onPath(name: string, pathList = process.env.PATH ?? ""): string | undefined {
    for (const dir of pathList.split(path.delimiter)) {
        if (!dir) continue;
        const file = path.join(dir, name);
        try {
            fs.accessSync(file, fs.constants.X_OK);
            if (fs.statSync(file).isFile()) return file;
        } catch {
            // not in this directory
        }
    }
    return undefined;
}

/** Something a tier needs and did not find, with the command that provides it. */
export interface Missing {
    what: string;
    provide: string;
}

/** "<tier> tier: <what>, <what> (<how>); <what> (<how>)": what is missing, grouped by how to provide it. */
export function describeMissing(tier: string, missing: readonly Missing[]): string {
    const byProvide = new Map<string, string[]>();
    for (const m of missing) byProvide.set(m.provide, [...(byProvide.get(m.provide) ?? []), m.what]);
    return `${tier} tier: ${[...byProvide].map(([provide, what]) => `${what.join(", ")} (${provide})`).join("; ")}`;
}

const reported = new Set<string>();

/**
 * In a `before` hook: skips the suite when a prerequisite is missing, after printing
 * `SKIPPED: <tier> tier: <what is missing> (<how to provide it>)` once per run. With
 * TIERS_REQUIRE_PREREQUISITES=1 (set by .ci/run, which has just provisioned them) a missing
 * prerequisite fails the suite instead: there it is a broken provisioning step, not a machine without it.
 */
export function skipUnlessProvisioned(ctx: Mocha.Context, tier: string, missing: readonly Missing[]): void {
    if (missing.length === 0) return;
    const why = describeMissing(tier, missing);
    if (process.env.TIERS_REQUIRE_PREREQUISITES === "1") throw new Error(`missing after provisioning: ${why}`);
    if (!reported.has(why)) {
        reported.add(why);
        console.log(`SKIPPED: ${why}`);
    }
    ctx.skip();
}

/** Prints a detail line under the current test in the spec reporter's layout. */
export function note(text: string): void {
    for (const line of text.split("\n")) console.log(`      ${line}`);
}

function isPending(e: unknown): boolean {
    return typeof e === "object" && e !== null && (e as { constructor?: { name?: string } }).constructor?.name === "Pending";
}

/**
 * The ordered steps of one lifecycle (one stack: init, preview, up, ... destroy). A step marked
 * `required` that fails stops the lifecycle: the later steps are skipped, each saying which step
 * failed (the bash tiers returned early the same way). Other steps fail on their own.
 */
export class Lifecycle {
    private stopped?: string;

    constructor(private readonly name: string) {}

    /** Skips every later step with this reason (e.g. a provider this machine cannot build). */
    stop(reason: string): void {
        this.stopped ??= reason;
    }

    it(title: string, fn: (this: Mocha.Context) => Promise<void> | void, options: { required?: boolean } = {}): Mocha.Test {
        const lifecycle = this;
        return it(title, async function () {
            if (lifecycle.stopped) {
                note(`SKIPPED: ${lifecycle.name}: ${lifecycle.stopped}`);
                this.skip();
            }
            try {
                await fn.call(this);
            } catch (e) {
                if (options.required && !isPending(e)) lifecycle.stop(`an earlier step failed: "${title}"`);
                throw e;
            }
        });
    }
}

/** Polls `probe` until it returns a value other than undefined, or throws with `describe()` after `seconds`. */
export async function waitFor<T>(seconds: number, probe: () => T | undefined | Promise<T | undefined>, describe: () => string, intervalMs = 500): Promise<T> {
    const until = Date.now() + seconds * 1000;
    for (;;) {
        const value = await probe();
        if (value !== undefined) return value;
        if (Date.now() >= until) throw new Error(`timeout after ${seconds}s: ${describe()}`);
        await new Promise((r) => setTimeout(r, intervalMs));
    }
}

/** The median of some numbers (the mean of the two middle ones for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
    if (values.length === 0) return NaN;
    const v = [...values].sort((a, b) => a - b);
    const mid = Math.floor(v.length / 2);
    return v.length % 2 ? v[mid] : Math.floor((v[mid - 1] + v[mid]) / 2);
}

/** Runs a command asynchronously, resolving with its exit code and combined output (for long child programs). */
export function run(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; output: string }> {
    return new Promise((resolve) => {
        execFile(command, args, { ...options, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
            const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
            resolve({ code, output: `${stdout}${stderr}` });
        });
    });
}

/** The last lines of a text, indented, for a failure message. */
export function tail(text: string, lines = 25): string {
    return text.trimEnd().split("\n").slice(-lines).map((l) => `       | ${l}`).join("\n");
}

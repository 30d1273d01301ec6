// The real Pulumi CLI for the deploy-safety specs (tests/tiers/deploy-safety/deploy-safety.test.ts). The
// CLI is driven as a child process, not through the Automation API, because these specs need what
// that API hides: the process itself (SIGKILL mid-rollout, two `up` at once), exact exit codes and
// output, `--event-log` to time a fault, `stack export` without decryption, `state unprotect`.
// Contract (as every tier): `pulumi` and its plugins on PATH, a cluster from KUBECONFIG. The random
// provider is the TEST STAND-IN of scripts/providers/random-standin, put first on PATH here only.
import { configDefaults, dropUnknownRuntimeOptions, isolatedPulumiEnv, languageHostFlags, missingConfigKeys, RANDOM_STANDIN_BIN, RANDOM_STANDIN_ENV, setStackConfig } from "./engine";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import YAML from "yaml";
import { readProject } from "../../../scripts/lib/stack-config";
import { descendantsOf } from "../../support/processes";

export const ROOT = path.resolve(__dirname, "../../..");

/** The first executable `name` on PATH. */
export function which(name: string, pathList = process.env.PATH ?? ""): string | undefined {
    for (const dir of pathList.split(path.delimiter).filter(Boolean)) {
        const file = path.join(dir, name);
        try {
            fs.accessSync(file, fs.constants.X_OK);
            return file;
        } catch {
            // not here
        }
    }
    return undefined;
}

export interface CliResult {
    code: number | null;
    signal: NodeJS.Signals | null;
    /** stdout and stderr interleaved as they came. */
    output: string;
    stdout: string;
    seconds: number;
}

/** One engine environment: private PULUMI_HOME, a file backend with locking, the stand-in on PATH. */
export class SafetyEngine {
    readonly work: string;
    readonly env: NodeJS.ProcessEnv;
    private readonly children = new Set<ChildProcess>();

    constructor(tier: string) {
        this.work = fs.mkdtempSync(path.join(process.env.TMPDIR ?? os.tmpdir(), `websvc-${tier}-`));
        const home = path.join(this.work, "pulumi-home");
        const state = path.join(this.work, "state");
        fs.mkdirSync(home, { recursive: true });
        fs.mkdirSync(state, { recursive: true });
        const env: NodeJS.ProcessEnv = {
            ...process.env,
            PATH: `${RANDOM_STANDIN_BIN}${path.delimiter}${process.env.PATH ?? ""}`,
            ...RANDOM_STANDIN_ENV,
            ...isolatedPulumiEnv(tier, home, state),
            // `--event-log` (used to time the faults) exists only with the debug commands on (CLI v3.171.0).
            PULUMI_DEBUG_COMMANDS: "true",
        };
        delete env.PULUMI_ACCESS_TOKEN;
        this.env = env;
    }

    /** Runs the CLI to the end (bounded by `timeoutSeconds`, then SIGKILL). */
    run(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutSeconds?: number } = {}): Promise<CliResult> {
        return this.started(args, options).done;
    }

    /** Starts the CLI; `done` resolves when it exits. The child is killed at `stopAll()` if still running. */
    started(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutSeconds?: number } = {}): { child: ChildProcess; done: Promise<CliResult> } {
        const t0 = Date.now();
        // Its own process group: a fault kills the CLI with its plugins, as a lost CI runner does.
        const child = spawn("pulumi", [...args, "--non-interactive"], { cwd: options.cwd, env: { ...this.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
        this.children.add(child);
        let output = "";
        let stdout = "";
        child.stdout!.on("data", (d) => { output += d; stdout += d; });
        child.stderr!.on("data", (d) => (output += d));
        const timer = setTimeout(() => killGroup(child), (options.timeoutSeconds ?? 600) * 1000);
        const done = new Promise<CliResult>((resolve) => {
            child.on("close", (code, signal) => {
                clearTimeout(timer);
                this.children.delete(child);
                resolve({ code, signal, output, stdout, seconds: (Date.now() - t0) / 1000 });
            });
        });
        return { child, done };
    }

    /** Kills every CLI this engine started that still runs, with its plugins (its process group). */
    stopAll(): void {
        for (const c of this.children) if (c.exitCode === null) killGroup(c);
    }

    remove(): void {
        if (!process.env.KEEP_TIER_WORKDIR) fs.rmSync(this.work, { recursive: true, force: true });
    }
}

/** Program copy with its own stack; every CLI call of one stack goes through here. */
export class SafetyStack {
    readonly dir: string;

    constructor(readonly engine: SafetyEngine, readonly name: string) {
        this.dir = path.join(engine.work, `program-${name}`);
    }

    /**
     * Copies a program (default: this project's; node_modules linked to the project's) and drops runtime
     * options the language host lacks, then `stack init` with `values` as plain config.
     */
    async init(values: Record<string, unknown>, source = ROOT): Promise<void> {
        fs.cpSync(source, this.dir, {
            recursive: true,
            filter: (from) => {
                const top = path.relative(source, from).split(path.sep)[0];
                return ![".git", "node_modules", "policy", "dist", "examples"].includes(top);
            },
        });
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(this.dir, "node_modules"));
        dropUnknownRuntimeOptions(path.join(this.dir, "Pulumi.yaml"), languageHostFlags());
        this.setConfig(values); // creates Pulumi.<stack>.yaml when the source has none
        await this.must(["stack", "init"]); // the name comes from --stack
        if (source === ROOT) await this.setCliRequiredConfig();
    }

    /** Plain values into Pulumi.<stack>.yaml, kept typed. */
    setConfig(values: Record<string, unknown>): void {
        setStackConfig(path.join(this.dir, `Pulumi.${this.name}.yaml`), readProject(this.dir).name, values);
    }

    environment(): string {
        return String(YAML.parse(fs.readFileSync(path.join(this.dir, `Pulumi.${this.name}.yaml`), "utf8")).config["websvc:environment"]);
    }

    run(args: readonly string[], options: { kubeconfig?: string; timeoutSeconds?: number } = {}): Promise<CliResult> {
        return this.engine.run([...args, "--stack", this.name], { cwd: this.dir, env: kubeEnv(options.kubeconfig), timeoutSeconds: options.timeoutSeconds });
    }

    start(args: readonly string[], options: { kubeconfig?: string } = {}) {
        return this.engine.started([...args, "--stack", this.name], { cwd: this.dir, env: kubeEnv(options.kubeconfig) });
    }

    /** Runs and throws with the output on a non-zero exit. */
    async must(args: readonly string[], options: { kubeconfig?: string } = {}): Promise<CliResult> {
        const r = await this.run(args, options);
        if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} (stack ${this.name}) exited ${r.code ?? r.signal}:\n${tailOf(r.output)}`);
        return r;
    }

    /** The state as stored: secrets stay ciphertext unless `showSecrets`. */
    async exportState(showSecrets = false): Promise<{ text: string; deployment: any }> {
        const r = await this.must(["stack", "export", ...(showSecrets ? ["--show-secrets"] : [])]);
        return { text: r.stdout, deployment: JSON.parse(r.stdout).deployment };
    }

    /**
     * Removes the lock files a killed CLI left in the file backend (runbook: with Pulumi Cloud this is
     * `pulumi cancel`; the file backend has no cancel). Returns how many it removed.
     */
    breakStaleLocks(): number {
        const locks = path.join(String(this.engine.env.PULUMI_BACKEND_URL).replace(/^file:\/\//, ""), ".pulumi", "locks");
        if (!fs.existsSync(locks)) return 0;
        const files = (fs.readdirSync(locks, { recursive: true }) as string[])
            .map((f) => path.join(locks, f))
            .filter((f) => f.endsWith(".json") && path.basename(path.dirname(f)) === this.name);
        for (const f of files) fs.rmSync(f);
        return files.length;
    }

    /**
     * Some CLI versions (v3.171.0) require every Pulumi.yaml key declared without a default. Those get
     * config.ts's own defaults (engine.ts configDefaults: read by validating this stack's config), secrets "" (= unset).
     */
    private async setCliRequiredConfig(): Promise<void> {
        const missing = missingConfigKeys((await this.run(["config"])).output);
        if (missing.length === 0) return;
        const { plain, emptySecrets } = configDefaults(this.dir, this.name, missing);
        for (const key of emptySecrets) await this.must(["config", "set", "--secret", key, ""]);
        this.setConfig(plain);
    }
}

/** SIGKILL to the process group of a CLI started here (detached: the group id is its pid). */
export function killGroup(child: ChildProcess): void {
    // The engine starts its plugins in process groups of their own, so the CLI's group alone left them
    // running, orphaned (3 pulumi-resource-kubernetes per CI run): they are killed too, as a lost CI
    // runner's whole job goes. Collected first: once the CLI is dead they are no longer its descendants.
    const plugins = descendantsOf(child.pid!);
    for (const target of [-child.pid!, ...plugins]) {
        try {
            process.kill(target, "SIGKILL");
        } catch {
            // already gone
        }
    }
}

const kubeEnv = (kubeconfig?: string): NodeJS.ProcessEnv | undefined => (kubeconfig ? { KUBECONFIG: kubeconfig } : undefined);

export function tailOf(text: string, lines = 30): string {
    return text.trimEnd().split("\n").slice(-lines).map((l) => `       | ${l}`).join("\n");
}

/** The engine's event log (`--event-log`), as far as written: one JSON event per line. */
export function readEventLog(file: string): any[] {
    if (!fs.existsSync(file)) return [];
    return fs.readFileSync(file, "utf8").split("\n").filter((l) => l.trim().startsWith("{")).flatMap((l) => {
        try {
            return [JSON.parse(l)];
        } catch {
            return []; // a line still being written
        }
    });
}

/** Polls until `probe` returns a value, or throws after `seconds`. */
export async function waitUntil<T>(seconds: number, probe: () => T | undefined | Promise<T | undefined>, what: string, intervalMs = 200): Promise<T> {
    const until = Date.now() + seconds * 1000;
    for (;;) {
        const v = await probe();
        if (v !== undefined) return v;
        if (Date.now() > until) throw new Error(`timeout after ${seconds}s waiting for ${what}`);
        await new Promise((r) => setTimeout(r, intervalMs));
    }
}

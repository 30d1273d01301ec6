// The real Pulumi CLI for the config check of the engine tier, set up the way
// the retired bash engine tier (scripts/tiers/lib/engine.sh) set it up: a CLI from PATH (or, failing that, the toolchain's bin dir),
// a private PULUMI_HOME, a local file backend, a passphrase, no update checks and no plugin
// downloads; a copy of the program whose stack files the CLI may write; render mode (the
// kubernetes provider writes YAML, no cluster). Everything runs through child_process, because the
// point is to type what a user types: the Automation API cannot pass `--type` to `config set`.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import YAML from "yaml";
import { schemaDefaults, SECRET_KEYS } from "../../../config";
import { parsePropertyPath } from "../../../scripts/lib/config-path";
import { dropUnknownRuntimeOptions, languageHostFlags, missingConfigKeys, randomProviderEnv, type RandomProvider } from "./engine";

export const ROOT = path.resolve(__dirname, "../../..");
const REQUIRED = ["pulumi", "pulumi-language-nodejs", "pulumi-resource-kubernetes"];

export interface Result { code: number; out: string }

/** Runs a command, output and errors together; never throws on a non-zero exit. */
export function run(cmd: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Result {
    const r = spawnSync(cmd, args, { cwd: options.cwd, env: options.env, encoding: "utf8", maxBuffer: 64 << 20, timeout: options.timeoutMs ?? 120_000 });
    const out = `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? `\n${r.error.message}` : ""}`;
    return { code: r.status ?? (r.signal ? 128 : 1), out };
}

const onPath = (bin: string, dirs: readonly string[]) => dirs.find((d) => { try { fs.accessSync(path.join(d, bin), fs.constants.X_OK); return true; } catch { return false; } });

/** The directory holding the CLI, the Node.js host and the kubernetes provider, or what is missing. */
export function findToolchain(): { dir: string; via: string } | { missing: string } {
    const dirs = (process.env.PATH ?? "").split(path.delimiter).filter(Boolean);
    const found = REQUIRED.map((b) => onPath(b, dirs));
    if (found.every(Boolean)) return { dir: found[0]!, via: "PATH" };
    // Provisioning is apart (npm run toolchain); this only asks where it put the binaries.
    const asked = run("bash", [path.join(ROOT, "scripts/pulumi-toolchain.sh"), "--print-bin-dir"]);
    const dir = asked.out.trim().split("\n")[0];
    if (asked.code === 0 && REQUIRED.every((b) => onPath(b, [dir]))) return { dir, via: "scripts/pulumi-toolchain.sh --print-bin-dir" };
    const absent = REQUIRED.filter((b, i) => !found[i]);
    return { missing: `${absent.join(", ")} not on PATH, and the toolchain is not built in ${dir || "its cache"} (run \`npm run toolchain\`: a cold build compiles the CLI and the kubernetes provider from Go sources, about 50 min on 2 cores)` };
}

/** One private CLI environment: its own PULUMI_HOME and file backend under a temp dir. */
export class Cli {
    readonly work = fs.mkdtempSync(path.join(os.tmpdir(), "websvc-cli-config-"));
    readonly env: NodeJS.ProcessEnv;
    readonly version: string;
    /** Flags `pulumi config set` has (`--type` came with v3.147, `--plaintext` with the secret heuristics). */
    readonly setFlags: ReadonlySet<string>;
    readonly plugins: ReadonlySet<string>;
    /** The real pulumi-resource-random from PATH, or the TEST STAND-IN (lib/engine.ts randomProviderEnv). */
    readonly random: RandomProvider;

    constructor(readonly binDir: string, passphrase: string) {
        const random = randomProviderEnv(`${binDir}${path.delimiter}${process.env.PATH ?? ""}`);
        this.random = random.provider;
        const env: NodeJS.ProcessEnv = {
            ...process.env,
            PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ""}`,
            ...random.env,
            PULUMI_HOME: path.join(this.work, "pulumi-home"),
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            PULUMI_CONFIG_PASSPHRASE: passphrase,
            PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
        };
        delete env.PULUMI_ACCESS_TOKEN;
        delete env.PULUMI_BACKEND_URL;
        this.env = env;
        fs.mkdirSync(path.join(this.work, "state"), { recursive: true });
        this.must(["login", `file://${path.join(this.work, "state")}`]);
        this.version = this.must(["version"]).trim();
        this.setFlags = new Set([...this.must(["config", "set", "--help"]).matchAll(/^\s+(?:-\w, )?--([a-z][a-z-]*)/gm)].map((m) => m[1]));
        this.plugins = new Set([...fs.readdirSync(binDir).filter((f) => f.startsWith("pulumi-resource-")), path.basename(random.provider.path)]);
    }

    pulumi(args: readonly string[], cwd?: string, timeoutMs?: number): Result {
        return run("pulumi", args, { cwd, env: this.env, timeoutMs });
    }

    must(args: readonly string[], cwd?: string): string {
        const r = this.pulumi(args, cwd);
        if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} failed (exit ${r.code}):\n${r.out}`);
        return r.out;
    }

    /** A copy of the program (the CLI writes its stack files there; the repo stays clean), with the repo's node_modules. */
    programCopy(name: string): string {
        const dir = path.join(this.work, name);
        fs.mkdirSync(dir);
        const excluded = ["./node_modules", "./.git", "./policy", "./dist", "./app/node_modules", "./examples", "./tests"].map((e) => `--exclude=${e}`).join(" ");
        const copied = run("sh", ["-c", `tar -C "$1" ${excluded} -cf - . | tar -C "$2" -xf -`, "sh", ROOT, dir]);
        if (copied.code !== 0) throw new Error(`copying the program failed:\n${copied.out}`);
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
        // The Node.js host exits on runtime options it does not declare as flags (packagemanager is for `pulumi install`).
        dropUnknownRuntimeOptions(path.join(dir, "Pulumi.yaml"), languageHostFlags(this.env));
        return dir;
    }

    /** A new stack `name` in `dir` whose config starts as the `from` stack file's. */
    initStack(dir: string, name: string, from: string): void {
        fs.copyFileSync(path.join(dir, `Pulumi.${from}.yaml`), path.join(dir, `Pulumi.${name}.yaml`));
        this.must(["stack", "init", name, "--non-interactive"], dir);
    }

    /** `pulumi config set --path [--type] -- <path> <text>` on a stack, as a user types it. */
    setPath(dir: string, stack: string, propertyPath: string, text: string, type?: string): Result {
        // --type and --plaintext are mutually exclusive (v3.171.0); --plaintext only skips the secret-looking-value check.
        const flags = ["--path", ...(type ? ["--type", type] : this.setFlags.has("plaintext") ? ["--plaintext"] : [])];
        return this.pulumi(["config", "set", "-s", stack, ...flags, "--", propertyPath, text], dir);
    }

    /**
     * Keys this CLI requires because Pulumi.yaml declares them without a default (v3.171.0 does;
     * v3.276.0 does not), given config.ts's own defaults (schemaDefaults) instead of restating them.
     */
    fillCliRequired(dir: string, stack: string): string[] {
        const listed = this.pulumi(["config", "-s", stack], dir).out;
        const missing = missingConfigKeys(listed);
        const defaults = schemaDefaults() as Record<string, unknown>;
        for (const key of missing) {
            if (key === "namespace") this.must(["config", "set", "-s", stack, key, `websvc-${stack}`], dir);
            else if ((SECRET_KEYS as readonly string[]).includes(key)) this.must(["config", "set", "-s", stack, "--secret", key, ""], dir);
            // appSecrets' default (names such as session-key, kind password) trips v3.171.0's
            // secret-looking-value check: it is a spec, not a secret, so it is written as plaintext.
            else if (key in defaults) this.must(["config", "set", "-s", stack, ...(this.setFlags.has("plaintext") ? ["--plaintext"] : []), key, JSON.stringify(defaults[key])], dir);
            else throw new Error(`${this.version} requires ${key}, which has no default in config.ts`);
        }
        return missing;
    }

    /** The value the stack file holds at a `--path` key (as YAML reads it: a quoted "0100" stays a string). */
    stored(dir: string, stack: string, propertyPath: string, project = "websvc"): unknown {
        const { key, segments } = parsePropertyPath(propertyPath);
        const fullKey = key.includes(":") ? key : `${project}:${key}`;
        let cur: unknown = YAML.parse(fs.readFileSync(path.join(dir, `Pulumi.${stack}.yaml`), "utf8"))?.config?.[fullKey];
        for (const s of segments) cur = cur === null || typeof cur !== "object" ? undefined : (cur as Record<string | number, unknown>)[s];
        return cur;
    }

    cleanup(): void {
        fs.rmSync(this.work, { recursive: true, force: true });
    }
}

// The real Pulumi engine for the tiers, through the Automation API (`@pulumi/pulumi/automation`):
// the CLI from PATH, a private PULUMI_HOME and file backend, nothing that reaches the network, a copy
// of the policy pack, copies of programs with their stack config, and stacks on them.
// The CLI is called directly (PulumiCommand.run) only where the Automation API cannot reach:
// `stack export` without `--show-secrets` (Workspace.exportStack always decrypts), the language
// host's `--help` (its flags), and reading which config keys this CLI version requires.
import { execFile, spawn, spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CommandError, EngineEvent, LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import YAML from "yaml";
import { instanceName, SECRET_KEYS, validateConfig } from "../../../config";
import { loadStackConfig, readProject } from "../../../scripts/lib/stack-config";
import { Missing, onPath, ROOT } from "./tier";
export { tail } from "./tier";

export interface Engine {
    tier: string;
    /** Scratch directory of this run (removed at exit unless KEEP_TIER_WORKDIR is set). */
    work: string;
    /** The copy of policy/ the engine loads (its node_modules is the pack's installed tree). */
    policyDir: string;
    pulumiHome: string;
    envVars: Record<string, string>;
    cli: PulumiCommand;
    /** Runtime options the Node.js language host accepts as flags; undefined when it has no `--help`. */
    hostFlags?: ReadonlySet<string>;
    /** The pulumi-resource-random the engine uses: the real one from PATH, or the TEST STAND-IN. */
    randomProvider: RandomProvider;
}

/** Where the engine's pulumi-resource-random comes from. */
export interface RandomProvider {
    path: string;
    standIn: boolean;
}

/**
 * The TEST STAND-IN for pulumi-resource-random (scripts/providers/random-standin, docs/deploy-safety.md),
 * like kwok for kubelets: the Go module proxy refuses the real provider's module, so without a real one
 * on PATH the tiers put the stand-in's bin dir first on the PATH of the engine they spawn, with the
 * variable it refuses to start without. Nothing outside the tiers does this.
 */
export const RANDOM_STANDIN_BIN = path.join(ROOT, "scripts/providers/random-standin/bin");
export const RANDOM_STANDIN_ENV = { WEBSVC_RANDOM_STANDIN: "tests-only" } as const;

/**
 * The random provider for an engine environment: the real one when PATH has it, else the stand-in
 * (its bin dir first on PATH, and WEBSVC_RANDOM_STANDIN, for the engine's environment only).
 */
export function randomProviderEnv(pathList = process.env.PATH ?? ""): { provider: RandomProvider; env: Record<string, string> } {
    const real = onPath("pulumi-resource-random", pathList);
    if (real) return { provider: { path: real, standIn: false }, env: {} };
    return {
        provider: { path: path.join(RANDOM_STANDIN_BIN, "pulumi-resource-random"), standIn: true },
        env: { PATH: `${RANDOM_STANDIN_BIN}${path.delimiter}${pathList}`, ...RANDOM_STANDIN_ENV },
    };
}

/**
 * randomProviderEnv, once the provider it picked was seen to start (print its port). Throws when it
 * cannot: no tier runs AppSecrets-less stacks any more, so this is a failure, not a skip.
 */
export async function startableRandomProvider(pathList = process.env.PATH ?? ""): Promise<{ provider: RandomProvider; env: Record<string, string> }> {
    const random = randomProviderEnv(pathList);
    const problem = await pluginStartProblem(random.provider.path, { ...process.env, ...random.env }, 30);
    if (problem) {
        const which = random.provider.standIn ? "none on PATH (the Go module proxy refuses github.com/pulumi/pulumi-random), and the test stand-in" : "the one on PATH,";
        throw new Error(`no pulumi-resource-random can start: ${which} ${random.provider.path} ${problem}`);
    }
    return random;
}

/** Starts a plugin and stops it once it prints its port (as the engine reads it); why it did not, or undefined. */
export function pluginStartProblem(file: string, env: NodeJS.ProcessEnv, seconds: number): Promise<string | undefined> {
    if (!onPath(path.basename(file), path.dirname(file))) return Promise.resolve("is missing or not executable");
    return new Promise((resolve) => {
        const child = spawn(file, [], { env, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        let err = "";
        const timer = setTimeout(() => finish(`printed no port within ${seconds} s`), seconds * 1000);
        const finish = (problem?: string) => {
            clearTimeout(timer);
            child.removeAllListeners("exit");
            if (child.exitCode === null) child.kill("SIGKILL");
            resolve(problem && `${problem}: ${err.trim().split("\n").slice(-5).join(" | ")}`);
        };
        child.stdout.on("data", (d) => { out += d; if (/^\d+\n/.test(out)) finish(); });
        child.stderr.on("data", (d) => (err += d));
        child.on("exit", (code, signal) => finish(`exited ${code ?? signal} before printing its port`));
    });
}

/** What the engine tiers need from PATH. Plugins are found on PATH: automatic plugin downloads are off. */
export function engineMissing(pathList = process.env.PATH ?? ""): Missing[] {
    const provide = "build it with `npm run toolchain` (a cold build is about 50 min on 2 cores), then put `$(bash scripts/pulumi-toolchain.sh --print-bin-dir)` first on PATH; or install Pulumi and its plugins";
    const missing: Missing[] = [];
    const absent = ["pulumi", "pulumi-language-nodejs", "pulumi-resource-kubernetes"].filter((bin) => !onPath(bin, pathList));
    if (absent.length > 0) missing.push({ what: `no ${absent.join(", ")} on PATH`, provide });
    const cli = onPath("pulumi", pathList);
    // The toolchain script records whether its CLI can start a Node.js policy pack at all.
    const status = cli ? path.join(path.dirname(path.dirname(cli)), "status.env") : undefined;
    const nodejsPolicy = status && fs.existsSync(status) ? /^NODEJS_POLICY=(.*)$/m.exec(fs.readFileSync(status, "utf8"))?.[1] : undefined;
    if (nodejsPolicy?.startsWith("unsupported")) missing.push({ what: `this toolchain cannot run a Node.js policy pack: ${nodejsPolicy}`, provide: "see docs/ENGINE.md" });
    return missing;
}

let prepared: Promise<Engine> | undefined;

/**
 * The CLI's environment for a tier: a private PULUMI_HOME, a file backend with its lock on, a
 * passphrase that says it is for tests, and nothing the CLI could reach the network for.
 */
export function isolatedPulumiEnv(tier: string, pulumiHome: string, state: string): Record<string, string> {
    return {
        PULUMI_HOME: pulumiHome,
        PULUMI_BACKEND_URL: `file://${state}`,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_CONFIG_PASSPHRASE: `${tier}-test-only`,
        PULUMI_DIY_BACKEND_NO_LOCK: "false",
    };
}

/** The engine environment of this run, prepared once per process. */
export function prepareEngine(tier: string): Promise<Engine> {
    prepared ??= setUp(tier);
    return prepared;
}

async function setUp(tier: string): Promise<Engine> {
    const work = fs.mkdtempSync(path.join(process.env.TMPDIR ?? os.tmpdir(), `websvc-${tier}-`));
    if (!process.env.KEEP_TIER_WORKDIR) process.on("exit", () => fs.rmSync(work, { recursive: true, force: true }));
    const pulumiHome = path.join(work, "pulumi-home");
    const state = path.join(work, "state");
    fs.mkdirSync(pulumiHome, { recursive: true });
    fs.mkdirSync(state, { recursive: true });
    // Nothing the CLI could reach the network for: no update check, no plugin download, a file backend.
    delete process.env.PULUMI_ACCESS_TOKEN;
    const random = await startableRandomProvider();
    const envVars = { ...isolatedPulumiEnv(tier, pulumiHome, state), PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true", ...random.env };
    const cli = await PulumiCommand.get({ skipVersionCheck: true });
    const policyDir = path.join(work, "policy");
    copyTree(path.join(ROOT, "policy"), policyDir);
    const engine: Engine = {
        tier, work, policyDir, pulumiHome, envVars, cli,
        hostFlags: languageHostFlags(),
        randomProvider: random.provider,
    };
    const bins = ["pulumi", "pulumi-language-nodejs", "pulumi-analyzer-policy", "pulumi-resource-kubernetes"].filter((b) => onPath(b));
    const randomNote = random.provider.standIn ? `pulumi-resource-random = the TEST STAND-IN ${random.provider.path} (no real one on PATH; like kwok for kubelets)` : `pulumi-resource-random ${random.provider.path}`;
    console.log(`${tier}: pulumi ${cli.version?.toString() ?? "(unknown version)"} from ${path.dirname(onPath("pulumi")!)} with ${bins.join(" ")}; ${randomNote}; work dir ${work}`);
    return engine;
}

/**
 * Copies a directory without its node_modules, .git and `skip` (top-level names); the copy's
 * node_modules links to an installed tree (by default the source's own).
 */
export function copyTree(src: string, dest: string, options: { skip?: readonly string[]; nodeModules?: string } = {}): void {
    const left = new Set([".git", ...(options.skip ?? [])]);
    fs.cpSync(src, dest, {
        recursive: true,
        filter: (from) => {
            const parts = path.relative(src, from).split(path.sep);
            return !left.has(parts[0]) && !parts.includes("node_modules");
        },
    });
    const modules = options.nodeModules ?? path.join(src, "node_modules");
    if (fs.existsSync(modules)) fs.symlinkSync(modules, path.join(dest, "node_modules"));
}

/** Edits a YAML file in place, keeping its comments and layout. */
export function editYaml(file: string, change: (doc: YAML.Document) => void): void {
    const doc = YAML.parseDocument(fs.readFileSync(file, "utf8"));
    change(doc);
    fs.writeFileSync(file, doc.toString());
}

/** Plain (non-secret) config values into a stack file, objects and lists kept typed (not JSON strings). */
export function setStackConfig(stackFile: string, project: string, values: Record<string, unknown>): void {
    if (!fs.existsSync(stackFile)) fs.writeFileSync(stackFile, "config: {}\n");
    editYaml(stackFile, (doc) => {
        for (const [key, value] of Object.entries(values)) doc.setIn(["config", `${project}:${key}`], doc.createNode(value));
    });
}

/**
 * The flags the Node.js language host on PATH declares (undefined when its --help lists none). Go's
 * flag package prints the usage on stderr and may exit 0, so both streams are read.
 */
export function languageHostFlags(env?: NodeJS.ProcessEnv): ReadonlySet<string> | undefined {
    const help = spawnSync("pulumi-language-nodejs", ["--help"], { encoding: "utf8", env });
    const flags = [...`${help.stdout ?? ""}${help.stderr ?? ""}`.matchAll(/^\s*-([a-z][a-z-]*)/gm)].map((m) => m[1]);
    return flags.length > 0 ? new Set(flags) : undefined;
}

/**
 * Drops the runtime options of Pulumi.yaml that the language host does not declare as flags: an old
 * host exits on unknown ones (e.g. packagemanager, which only `pulumi install` uses). Returns them.
 */
export function dropUnknownRuntimeOptions(projectFile: string, hostFlags: ReadonlySet<string> | undefined): string[] {
    const dropped: string[] = [];
    if (!hostFlags) return dropped;
    editYaml(projectFile, (doc) => {
        const options = doc.getIn(["runtime", "options"]);
        if (!YAML.isMap(options)) return;
        for (const item of [...options.items]) {
            const key = String(YAML.isScalar(item.key) ? item.key.value : item.key);
            if (!hostFlags.has(key)) {
                options.delete(key);
                dropped.push(key);
            }
        }
    });
    return dropped;
}

/** A copy of a program (node_modules linked) ready for this engine's language host. */
export function copyProgram(engine: Engine, src: string, dest: string, options: { skip?: readonly string[]; nodeModules?: string } = {}): void {
    copyTree(src, dest, options);
    const dropped = dropUnknownRuntimeOptions(path.join(dest, "Pulumi.yaml"), engine.hostFlags);
    if (dropped.length > 0) console.log(`      note: dropped runtime option(s) ${dropped.join(", ")} (unknown to this language host)`);
}

/** The project's own program (everything but node_modules, .git, the pack, examples and build output). */
export function copyProjectProgram(engine: Engine, dest: string): void {
    copyProgram(engine, ROOT, dest, { skip: ["policy", "dist", "examples"] });
}

/** `pulumi stack init` in a program directory, through the Automation API. */
export function initStack(engine: Engine, workDir: string, stackName: string): Promise<Stack> {
    return LocalWorkspace.createStack({ stackName, workDir }, { envVars: engine.envVars, pulumiHome: engine.pulumiHome, pulumiCommand: engine.cli });
}

/** The options that load the pack, with its config for an environment when there is one. */
export function packOptions(engine: Engine, environment?: string): { policyPacks: string[]; policyPackConfigs?: string[] } {
    const config = environment ? path.join(engine.policyDir, "config", `${environment}.json`) : undefined;
    return config && fs.existsSync(config) ? { policyPacks: [engine.policyDir], policyPackConfigs: [config] } : { policyPacks: [engine.policyDir] };
}

/**
 * The CLI itself (the same binary and environment as the Automation API's), for what that API cannot
 * do; rejects with a CommandError-like message (the command and its stderr) on a non-zero exit.
 */
export function pulumiCli(engine: Engine, stack: Stack, args: string[]): Promise<{ stdout: string; stderr: string }> {
    const argv = [...args, "--stack", stack.name, "--non-interactive"];
    return new Promise((resolve, reject) => {
        execFile(engine.cli.command, argv, { cwd: stack.workspace.workDir, env: { ...process.env, ...engine.envVars }, maxBuffer: 256 << 20 }, (error, stdout, stderr) => {
            if (error) reject(new Error(`pulumi ${argv.join(" ")} failed (${error.code}):\n${stderr}${stdout}`));
            else resolve({ stdout, stderr });
        });
    });
}

/** The stack's state as the backend stores it: secrets stay ciphertext (`stack export` without --show-secrets). */
export async function encryptedState(engine: Engine, stack: Stack): Promise<unknown> {
    return JSON.parse((await pulumiCli(engine, stack, ["stack", "export"])).stdout);
}

/**
 * Destroys a stack the way docs/deploy-safety.md says to take one down: production resources are
 * protected (components/lib/protection.ts), so a plain destroy stops at the first one; the procedure
 * is `pulumi state unprotect --all`, then destroy. Returns how many resources were protected.
 */
export async function destroyAsDocumented(engine: Engine, stack: Stack, options: Parameters<Stack["destroy"]>[0] = {}): Promise<number> {
    const state = (await encryptedState(engine, stack)) as { deployment?: { resources?: { protect?: boolean }[] } };
    const protectedCount = (state.deployment?.resources ?? []).filter((r) => r.protect).length;
    if (protectedCount > 0) await pulumiCli(engine, stack, ["state", "unprotect", "--all", "--yes"]);
    await stack.destroy(options);
    return protectedCount;
}

/** The message of a failed Automation API command, with the CLI's stderr. */
export function commandText(e: unknown): string {
    return e instanceof CommandError || e instanceof Error ? e.message : String(e);
}

/** The environment a stack deploys, from its stack file (websvc:environment). */
export function stackEnvironment(stackFile: string, project = "websvc"): string | undefined {
    const config = YAML.parse(fs.readFileSync(stackFile, "utf8"))?.config ?? {};
    const value = config[`${project}:environment`];
    return typeof value === "string" ? value : undefined;
}

// ---------------------------------------------------------------- config the CLI requires
const MISSING_CONFIG = /missing configuration values? (.*)$/m;
const SECRET_EMPTY: ReadonlySet<string> = new Set(SECRET_KEYS);

/** The keys a CLI names in its "missing configuration values 'a', 'b'" error ([] when it names none). */
export function missingConfigKeys(cliOutput: string): string[] {
    const m = MISSING_CONFIG.exec(cliOutput);
    return m ? [...m[1].matchAll(/'([A-Za-z]+)'/g)].map((x) => x[1]) : [];
}

/**
 * The raw config object config.ts validates, from the stack's values and Pulumi.yaml: keys Pulumi.yaml
 * types are scalars, the others (objects and lists, typed in config.ts) are JSON.
 */
function rawConfig(programDir: string, stackName: string): Record<string, unknown> {
    const loaded = loadStackConfig(programDir, stackName);
    const raw: Record<string, unknown> = {};
    for (const [fullKey, value] of Object.entries(loaded.config)) {
        if (loaded.secretKeys.includes(fullKey)) continue;
        const key = fullKey.slice(loaded.project.length + 1);
        const type = loaded.declarations[key]?.type;
        raw[key] = type === "integer" ? Number(value) : type === "string" || type === "boolean" ? value : JSON.parse(value);
    }
    return raw;
}

/**
 * The values config.ts gives `keys` when they are unset: its zod defaults (and `<appName>-<environment>`
 * for the namespace), read by validating the stack's own config, so nothing here restates them.
 * Secret keys get "", which config.ts treats as unset.
 */
export function configDefaults(programDir: string, stackName: string, keys: readonly string[]): { plain: Record<string, unknown>; emptySecrets: string[] } {
    const parsed = validateConfig(rawConfig(programDir, stackName), stackName, readProject(programDir).name) as Record<string, unknown>;
    const plain: Record<string, unknown> = {};
    const emptySecrets: string[] = [];
    for (const key of keys) {
        if (SECRET_EMPTY.has(key)) emptySecrets.push(key);
        else if (key === "namespace") plain[key] = parsed.namespace ?? instanceName(parsed as Parameters<typeof instanceName>[0]);
        else if (parsed[key] !== undefined) plain[key] = parsed[key];
        else throw new Error(`config.ts has no default for websvc:${key}, which this CLI requires (stack ${stackName})`);
    }
    return { plain, emptySecrets };
}

/**
 * Some CLI versions (v3.171.0) treat every Pulumi.yaml key declared without a default as required
 * (v3.276.0 does not). Asks the CLI which ones it misses and sets them to config.ts's defaults.
 * Returns the keys it set. The engine tier's synth comparison runs synth without them, so a value
 * here that differed from config.ts's default would fail there.
 */
export async function setCliRequiredConfig(engine: Engine, stack: Stack, programDir: string): Promise<string[]> {
    let answer: string;
    try {
        const r = await pulumiCli(engine, stack, ["config"]);
        answer = `${r.stdout}\n${r.stderr}`;
    } catch (e) {
        answer = commandText(e);
        if (!MISSING_CONFIG.test(answer)) throw e;
    }
    const missing = missingConfigKeys(answer);
    if (missing.length === 0) return [];
    const { plain, emptySecrets } = configDefaults(programDir, stack.name, missing);
    const project = readProject(programDir).name;
    setStackConfig(path.join(programDir, `Pulumi.${stack.name}.yaml`), project, plain);
    for (const key of emptySecrets) await stack.setConfig(key, { value: "", secret: true });
    return missing;
}

// ---------------------------------------------------------------- engine events
/** The structured events of one engine operation (Automation API `onEvent`). */
export class EngineEvents {
    readonly all: EngineEvent[] = [];
    readonly onEvent = (event: EngineEvent): void => {
        this.all.push(event);
    };

    /** Policy violations reported by the pack, optionally of one enforcement level. */
    violations(level?: string): { policyName: string; level: string; message: string; urn?: string }[] {
        return this.all.flatMap((e) => (e.policyEvent && (!level || e.policyEvent.enforcementLevel === level)
            ? [{ policyName: e.policyEvent.policyName, level: e.policyEvent.enforcementLevel, message: e.policyEvent.message, urn: e.policyEvent.resourceUrn }]
            : []));
    }

    /** The planned or performed operations on resources of one type (e.g. "update"). */
    ops(type: string): string[] {
        return this.all.flatMap((e) => (e.resourcePreEvent && e.resourcePreEvent.metadata.type === type ? [e.resourcePreEvent.metadata.op] : []));
    }

    /**
     * Seconds from the engine starting a step on a resource of `type` to that step failing or ending
     * (the events' own timestamps, whole seconds): what a resource's customTimeouts bounds, without the
     * engine's start-up, the program and the other resources around it.
     */
    stepSeconds(type: string): number | undefined {
        const start = this.all.find((e) => e.resourcePreEvent?.metadata.type === type);
        const end = this.all.find((e) => (e.resOpFailedEvent?.metadata.type ?? e.resOutputsEvent?.metadata.type) === type);
        return start && end ? end.timestamp - start.timestamp : undefined;
    }

    /** The operation counts of the summary event (`{ create: 23 }`, `{ same: 23 }`). */
    changes(): Record<string, number> {
        const summary = this.all.find((e) => e.summaryEvent)?.summaryEvent;
        return (summary?.resourceChanges ?? {}) as Record<string, number>;
    }
}

/** `{ create: 23, same: 1 }` as "23 create, 1 same". */
export function describeChanges(changes: Record<string, number | undefined>): string {
    const parts = Object.entries(changes).filter(([, n]) => n).map(([op, n]) => `${n} ${op}`);
    return parts.length > 0 ? parts.join(", ") : "no changes";
}

/** Every mandatory violation, for an assertion message. */
export function describeViolations(events: EngineEvents, level = "mandatory"): string {
    return events.violations(level).map((v) => `[${v.level}] ${v.policyName}: ${v.message.split("\n")[0]}`).join("\n");
}

/** A fresh random hex string (secret values the engine must keep encrypted). */
export function randomHex(bytes = 16): string {
    return randomBytes(bytes).toString("hex");
}

/** The deliberately non-compliant program (a privileged root Pod; variant "hardened" is its compliant control). */
export const BAD_STACK = path.join(ROOT, "scripts/fixtures/bad-stack");

/** A copy of the bad-stack fixture with a fresh stack `name` and its config (renderDir: render mode). */
export async function fixtureStack(engine: Engine, name: string, config: { renderDir?: string; variant?: "bad" | "hardened" } = {}): Promise<Stack> {
    const dir = path.join(engine.work, name);
    copyProgram(engine, BAD_STACK, dir, { nodeModules: path.join(ROOT, "node_modules") });
    const stack = await initStack(engine, dir, name);
    for (const [key, value] of Object.entries(config)) {
        if (value !== undefined) await stack.setConfig(key, { value });
    }
    return stack;
}


export interface ProjectStack {
    stack: Stack;
    dir: string;
    stackFile: string;
    /** websvc:environment of the stack file (staging, production). */
    environment: string;
}

/**
 * A stack of the project's own program, in a copy, with its real stack file plus `values`
 * (appSecrets as the stack file configures them), a real secret (websvc:alertWebhookUrl, which must
 * reach only a Kubernetes Secret) and the config this CLI version requires.
 */
export async function projectStack(engine: Engine, name: string, values: Record<string, unknown>): Promise<ProjectStack> {
    const dir = path.join(engine.work, `program-${name}`);
    copyProjectProgram(engine, dir);
    const stackFile = path.join(dir, `Pulumi.${name}.yaml`);
    const environment = stackEnvironment(stackFile) ?? name;
    setStackConfig(stackFile, "websvc", values);
    const stack = await initStack(engine, dir, name);
    await stack.setConfig("alertWebhookUrl", { value: `https://hooks.example.com/services/${randomHex()}`, secret: true });
    const required = await setCliRequiredConfig(engine, stack, dir);
    if (required.length > 0) console.log(`    note ${name}: this CLI requires the Pulumi.yaml keys without defaults; set to config.ts's defaults: ${required.join(", ")}`);
    return { stack, dir, stackFile, environment };
}

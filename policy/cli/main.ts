// Plain-manifest checker: runs the pack's policies (the same code CrossGuard runs) over
// Kubernetes YAML files, for teams and CI jobs that do not deploy through Pulumi. Installed as
// the package's `k8s-policy-check` bin (compiled JavaScript, no ts-node).
//
//   k8s-policy-check [--format table|json|sarif|junit|github] [--only <selector>] [--skip <selector>]
//       [--k8s-version|--kubernetes-version 1.NN] [--config FILE] [--stack-tag k=v ...]
//       [--fail-on <severity>] [--soft-fail] [--ignore-path GLOB ...]
//       [--disallow-annotation-exemptions] [--allow-empty] [--baseline FILE] [--write-baseline FILE] [--source-map FILE]
//       [--jobs N] PATH...|-
//   k8s-policy-check --list [--format table|json]
//
// Exit codes: 0 clean or advisory-only, 1 a mandatory violation (or a finding at --fail-on
// severity), 2 unreadable input, bad config or usage. This module is the CLI's main (bin.ts runs
// it); the package's public API is ../check.ts. It never constructs a PolicyPack (that is
// index.ts), so it can be imported in-process.
import * as os from "os";
import { setFlagsFromString } from "v8";
import { runInNewContext } from "vm";
import { Command, CommanderError, Option } from "commander";
import {
    checkPaths,
    checkPathsParallel,
    collectGarbageBetweenFiles,
    EXIT_BAD_INPUT,
    loadPolicyConfigFile,
    PolicyConfigError,
    policiesFor,
    SEVERITIES,
} from "./checker";
import type { CheckOptions, CheckResult } from "./checker";
import { FORMATS, listPolicies, toJson, toSarif, toTable } from "./formats";
import type { Format } from "./formats";
import { toJunit } from "./junit";
import { toGithub } from "./github";
import { loadPolicyModules } from "./policy-modules";
import { frameworkSummary } from "./framework-report";
import { FRAMEWORK_IDS, frameworkPolicyIds } from "../lib/frameworks";
import type { FrameworkId } from "../lib/frameworks";
import { allPolicies } from "../policies";
import type { PackPolicy } from "../lib/types";
import { CONFIG_FILE_NAME, findConfigFile, loadConfigFile } from "./config-file";
import { applyBaseline, describeEntry, loadBaseline, writeBaseline } from "./baseline";
import { loadSourceMap } from "./source-map";
import type { BaselineEntry } from "./baseline";
import { PARSERS, readInputText, STDIN_NAME } from "./manifests";
import type { ParserChoice, TextReader } from "./manifests";
import type { Severity } from "../lib/types";


export interface CliIo {
    stdout: (text: string) => void;
    stderr: (text: string) => void;
    /** What `-` reads (default: the process's stdin). */
    stdin?: () => string;
}

const processIo: CliIo = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
};

interface RawOptions {
    format: Format;
    only?: string;
    skip?: string;
    k8sVersion?: string;
    kubernetesVersion?: string;
    config?: string;
    stackTag: string[];
    failOn?: Severity;
    softFail?: boolean;
    ignorePath: string[];
    disallowAnnotationExemptions?: boolean;
    parser: ParserChoice;
    allowEmpty?: boolean;
    policyModule: string[];
    framework?: FrameworkId;
    baseline?: string;
    writeBaseline?: string;
    list?: boolean;
    jobs?: string;
    sourceMap?: string;
}

/**
 * Default --jobs: one thread, reading file by file. More threads parse the YAML ahead in worker
 * threads, which holds the whole parsed input in memory at once and adds an isolate per worker;
 * on the benchmark corpus on 2 cores it bought little wall time for ~25% more peak memory
 * (policy/README.md, Benchmark).
 */
export const DEFAULT_JOBS = 1;

/** The most --jobs accepts usefully: one per CPU. */
export const MAX_USEFUL_JOBS = Math.max(1, os.availableParallelism());

const repeatable = (v: string, acc: string[]) => [...acc, v];

function buildCommand(io: CliIo): Command {
    return new Command("k8s-policy-check")
        .description("Check plain Kubernetes manifests against the websvc policy pack")
        .addOption(new Option("--format <format>", "output format").choices(FORMATS).default("table"))
        .option("--only <selector>", "policies to run: pss-baseline, pss-restricted, pss, hygiene, stack, all, or comma-separated ids")
        .option("--skip <selector>", "policies not to run (same selectors as --only, applied after it)")
        .option("--k8s-version <version>", "Kubernetes minor version the manifests target, e.g. 1.30")
        .option("--kubernetes-version <version>", "same as --k8s-version (the name kube-score and kubeconform use)")
        .option("--config <file>", "per-environment pack config (the pulumi --policy-pack-config JSON format)")
        .option("--stack-tag <key=value>", "stack tag seen by policies (repeatable)", repeatable, [])
        .addOption(new Option("--fail-on <severity>", "also exit 1 when a finding, advisory ones included, has this severity or a higher one").choices(SEVERITIES))
        .option("--soft-fail", "report findings but exit 0 (unreadable input still exits 2)")
        .option("--ignore-path <glob>", "do not read paths matching this glob (repeatable; a pattern without / matches base names)", repeatable, [])
        .option("--allow-empty", "a path with no Kubernetes object is a warning, not an error (exit 2, the default, as kubectl apply refuses it)")
        .option("--disallow-annotation-exemptions", "do not honour exempt.websvc-k8s/<policy id> annotations on objects")
        .addOption(new Option("--parser <parser>", "auto: js-yaml, with the yaml package for what js-yaml cannot parse; yaml: the yaml package for every file (slower; to compare). Both decode as Kubernetes does").choices(PARSERS).default("auto"))
        .option("--policy-module <path>", "load extra policies from this JavaScript file or package (repeatable; see docs/checker.md)", repeatable, [])
        .addOption(new Option("--framework <framework>", "run the policies mapped to a compliance framework's controls and print a per-control summary on stderr (uncovered controls listed)").choices(FRAMEWORK_IDS))
        .option("--baseline <file>", "report and fail on findings not recorded in this baseline only; list recorded ones that are gone")
        .option("--write-baseline <file>", "record the current findings in this baseline file (kind, namespace, name, policy, field path)")
        .option("--config-file <file>", `checker options file (default: the nearest ${CONFIG_FILE_NAME} from the working directory up); flags win over it`)
        .option("--no-config-file", `do not look for ${CONFIG_FILE_NAME}`)
        .option("--source-map <file>", "object -> program source map (the synth's <out>.sources.json): findings on those objects point at the source line that built them")
        .option("--list", "list the policies and their metadata instead of checking")
        .option("--jobs <n>", `threads that parse the YAML ahead when the input is 1 MiB or more (default ${DEFAULT_JOBS}: file by file; up to ${MAX_USEFUL_JOBS} CPUs here; more threads, more memory)`)
        .argument("[paths...]", "manifest files or directories (searched recursively for .yaml/.yml/.json, as kubectl apply -f does); - reads stdin")
        .exitOverride()
        .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
}

type Prepared = { code: number } | { paths: string[]; options: CheckOptions; format: Format; jobs: number; framework?: FrameworkId; baseline?: { file: string; entries: BaselineEntry[] }; writeBaseline?: string };

/** Parses argv and handles everything up to the check itself (usage errors, --list, config). */
function prepare(argv: string[], io: CliIo): Prepared {
    const command = buildCommand(io);
    try {
        command.parse(argv, { from: "user" });
    } catch (e) {
        if (e instanceof CommanderError) return { code: e.exitCode === 0 ? 0 : EXIT_BAD_INPUT }; // --help exits 0
        throw e;
    }
    const paths = command.args;
    return guarded(io, () => {
        const raw = withConfigFile(command);
        if (raw.list) {
            if (raw.format !== "table" && raw.format !== "json") throw new UsageError(`--list prints a table or json, not ${raw.format}`);
            io.stdout(listPolicies(policiesFor(raw.only, raw.skip, extraPoliciesOf(raw)), raw.format));
            return { code: 0 };
        }
        if (paths.length === 0) throw new UsageError("give at least one file or directory to check (or --list)");
        const jobs = toJobs(raw.jobs);
        const baseline = raw.baseline ? { file: raw.baseline, entries: loadBaseline(raw.baseline) } : undefined;
        if (raw.framework && raw.only) throw new UsageError(`--framework ${raw.framework} selects its own policies: give it without --only`);
        const options = toCheckOptions(raw.framework ? { ...raw, only: frameworkPolicyIds(raw.framework).join(",") } : raw);
        return { paths, options, format: raw.format, jobs, baseline, writeBaseline: raw.writeBaseline, framework: raw.framework };
    });
}

const RENDERERS: Record<Format, (result: CheckResult) => string> = { table: toTable, json: toJson, sarif: (r) => toSarif(r), junit: toJunit, github: toGithub };

/** Applies --baseline and --write-baseline, telling what they did on stderr. */
function withBaselines(result: CheckResult, prepared: Exclude<Prepared, { code: number }>, io: CliIo): CheckResult {
    if (prepared.baseline) {
        const { result: filtered, accepted, gone } = applyBaseline(result, prepared.baseline.entries, prepared.options);
        io.stderr(`baseline: ${accepted} finding(s) recorded in ${prepared.baseline.file} left out; ${gone.length} recorded finding(s) no longer present\n`);
        for (const e of gone) io.stderr(`baseline: no longer present: ${describeEntry(e)}\n`);
        result = filtered;
    }
    if (prepared.writeBaseline) {
        const n = writeBaseline(prepared.writeBaseline, result);
        io.stderr(`baseline: wrote ${n} finding(s) to ${prepared.writeBaseline}\n`);
        // What was just recorded is accepted: the exit code is that of a check against the new baseline.
        result = { ...result, exitCode: result.inputErrors.length > 0 ? EXIT_BAD_INPUT : 0 };
    }
    if (prepared.framework) io.stderr(frameworkSummary(result, prepared.framework));
    return result;
}

function report(result: CheckResult, format: Format, io: CliIo): number {
    for (const w of result.warnings) io.stderr(`warning: ${w.file}: ${w.message}\n`);
    for (const e of result.inputErrors) io.stderr(`error: ${e.file}: ${e.message}\n`);
    io.stdout(RENDERERS[format](result));
    return result.exitCode;
}

/** The input reader: stdin from `io` when it provides it. */
function readerFor(io: CliIo): TextReader {
    const stdin = io.stdin;
    return stdin ? (file) => (file === STDIN_NAME ? stdin() : readInputText(file)) : readInputText;
}

function guarded<T>(io: CliIo, fn: () => T): T | { code: number } {
    try {
        return fn();
    } catch (e) {
        if (e instanceof PolicyConfigError || e instanceof UsageError) {
            io.stderr(`error: ${e.message}\n`);
            return { code: EXIT_BAD_INPUT };
        }
        throw e;
    }
}

/**
 * Runs the CLI and returns its exit code; output goes through `io`. Parses on the calling thread
 * (--jobs is validated but has no effect here); runCliAsync, which the command line uses, can
 * parse in worker threads. Both report the same.
 */
export function runCli(argv: string[], io: CliIo = processIo): number {
    const prepared = prepare(argv, io);
    if ("code" in prepared) return prepared.code;
    const outcome = guarded(io, () => report(withBaselines(checkPaths(prepared.paths, prepared.options, readerFor(io)), prepared, io), prepared.format, io));
    return typeof outcome === "number" ? outcome : outcome.code;
}

/** runCli, with YAML parsing spread over --jobs threads for inputs of 1 MiB or more. */
export async function runCliAsync(argv: string[], io: CliIo = processIo): Promise<number> {
    const prepared = prepare(argv, io);
    if ("code" in prepared) return prepared.code;
    let result: CheckResult;
    try {
        result = await checkPathsParallel(prepared.paths, prepared.options, prepared.jobs, readerFor(io));
    } catch (e) {
        const handled = guarded(io, () => {
            throw e;
        });
        return handled.code;
    }
    const outcome = guarded(io, () => report(withBaselines(result, prepared, io), prepared.format, io));
    return typeof outcome === "number" ? outcome : outcome.code;
}

function toJobs(value: string | undefined): number {
    if (value === undefined) return DEFAULT_JOBS;
    if (!/^\d{1,2}$/.test(value) || Number(value) < 1) throw new UsageError(`--jobs ${value}: expected a number of threads from 1 to 99`);
    return Number(value);
}

class UsageError extends Error {}

function extraPoliciesOf(raw: RawOptions): PackPolicy[] {
    // --policy-module's modules, then those of the pack config's "policy-modules" entry (the CrossGuard pack's too).
    return loadPolicyModules(raw.policyModule, new Set(allPolicies.map((p) => p.name)), process.cwd(), raw.config);
}

/**
 * The options: the command line's, with the config file's (--config-file, else the nearest
 * .k8s-policy-check.yaml) for every option the command line did not give.
 */
function withConfigFile(command: Command): RawOptions {
    const raw = command.opts<RawOptions & { configFile?: string | false }>();
    const file = raw.configFile === false ? undefined : (raw.configFile ?? findConfigFile());
    if (!file) return raw;
    const fromFile = loadConfigFile(file) as Record<string, unknown>;
    const merged: Record<string, unknown> = { ...raw };
    for (const [key, value] of Object.entries(fromFile)) {
        // The file's kubernetesVersion stands for both version flags.
        const flags = key === "kubernetesVersion" ? ["kubernetesVersion", "k8sVersion"] : [key];
        if (flags.some((f) => command.getOptionValueSource(f) === "cli")) continue;
        merged[key] = value;
    }
    return merged as unknown as RawOptions;
}

function toCheckOptions(raw: RawOptions): CheckOptions {
    if (raw.k8sVersion !== undefined && raw.kubernetesVersion !== undefined && raw.k8sVersion !== raw.kubernetesVersion) {
        throw new UsageError(`--k8s-version ${raw.k8sVersion} and --kubernetes-version ${raw.kubernetesVersion} disagree: give one`);
    }
    const [versionFlag, version] = raw.kubernetesVersion !== undefined ? ["--kubernetes-version", raw.kubernetesVersion] : ["--k8s-version", raw.k8sVersion];
    if (version !== undefined && !/^1\.\d{1,2}$/.test(version)) {
        throw new UsageError(`${versionFlag} ${version}: expected 1.NN, e.g. 1.30`);
    }
    const stackTags: Record<string, string> = {};
    for (const tag of raw.stackTag) {
        const eq = tag.indexOf("=");
        if (eq <= 0) throw new UsageError(`--stack-tag ${tag}: expected key=value`);
        stackTags[tag.slice(0, eq)] = tag.slice(eq + 1);
    }
    const extraPolicies = extraPoliciesOf(raw);
    // Select first so an unknown --only/--skip id is reported before the manifests are read.
    policiesFor(raw.only, raw.skip, extraPolicies);
    return {
        extraPolicies,
        only: raw.only,
        skip: raw.skip,
        kubernetesVersion: version,
        config: raw.config ? loadPolicyConfigFile(raw.config, [...allPolicies, ...extraPolicies]) : undefined,
        stackTags: raw.stackTag.length ? stackTags : undefined,
        failOn: raw.failOn,
        softFail: raw.softFail,
        ignorePaths: raw.ignorePath.length ? raw.ignorePath : undefined,
        disallowAnnotationExemptions: raw.disallowAnnotationExemptions,
        parser: raw.parser,
        allowEmpty: raw.allowEmpty,
        sourceMap: raw.sourceMap ? loadSourceMap(raw.sourceMap) : undefined,
    };
}

/** V8's gc function without starting Node with --expose-gc (the flag, set at run time, applies to new contexts). */
function exposedGc(): (() => void) | undefined {
    try {
        setFlagsFromString("--expose-gc");
        return runInNewContext("gc") as () => void;
    } catch {
        return undefined;
    }
}

/** The command line: runs the CLI on process.argv and sets the exit code. */
export function main(): void {
    // Policies signal "not applicable" by throwing (CrossGuard's protocol): tens of thousands of
    // throws on a large corpus, and capturing their stack traces cost ~10% of the run. The CLI
    // reports errors by message only, so it does not need them.
    Error.stackTraceLimit = 0;
    // The yaml parser reads process.env.LOG_TOKENS once per token (millions on a large input);
    // reads from a plain snapshot are ~8x cheaper than from the live environment. This process
    // spawns nothing and sets no variables, so a snapshot is all it needs.
    process.env = { ...process.env };
    collectGarbageBetweenFiles(exposedGc());
    runCliAsync(process.argv.slice(2)).then(
        (code) => {
            process.exitCode = code;
        },
        (e) => {
            // An unexpected error crashes the process as it did when the CLI was synchronous.
            setImmediate(() => {
                throw e;
            });
        },
    );
}

if (require.main === module) main();

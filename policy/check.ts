// Plain-manifest checker: runs the pack's policies (the same code CrossGuard runs) over
// Kubernetes YAML files, for teams and CI jobs that do not deploy through Pulumi.
//
//   npm run --silent policy:check -- [--format table|json|sarif] [--only <selector>]
//       [--k8s-version 1.NN] [--config FILE] [--stack-tag k=v ...] [--jobs N] PATH...
//   npm run --silent policy:check -- --list [--format table|json]
//
// Exit codes: 0 clean or advisory-only, 1 a mandatory violation, 2 unreadable input, bad config or usage.
// This module never constructs a PolicyPack (that is index.ts), so it can be imported in-process.
import * as os from "os";
import { Command, CommanderError, Option } from "commander";
import {
    checkPaths,
    checkPathsParallel,
    EXIT_BAD_INPUT,
    loadPolicyConfigFile,
    PolicyConfigError,
    policiesFor,
} from "./cli/checker";
import type { CheckOptions, CheckResult } from "./cli/checker";
import { FORMATS, listPolicies, toJson, toSarif, toTable } from "./cli/formats";
import type { Format } from "./cli/formats";

export { checkPaths, checkPathsParallel, checkObjects, loadPolicyConfigFile, validatePolicyConfig, PolicyConfigError } from "./cli/checker";
export type { CheckOptions, CheckResult, ObjectReport, ReportedViolation } from "./cli/checker";
export { loadManifests, loadManifestsParallel, parseManifestText } from "./cli/manifests";
export type { ManifestObject, InputError } from "./cli/manifests";
export { toJson, toSarif, toTable, listPolicies } from "./cli/formats";

export interface CliIo {
    stdout: (text: string) => void;
    stderr: (text: string) => void;
}

const processIo: CliIo = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
};

interface RawOptions {
    format: Format;
    only?: string;
    k8sVersion?: string;
    config?: string;
    stackTag: string[];
    list?: boolean;
    jobs?: string;
}

/** Default --jobs: one parsing thread per CPU, at most 4. */
export const DEFAULT_JOBS = Math.max(1, Math.min(os.availableParallelism(), 4));

function buildCommand(io: CliIo): Command {
    return new Command("policy-check")
        .description("Check plain Kubernetes manifests against the websvc policy pack")
        .addOption(new Option("--format <format>", "output format").choices(FORMATS).default("table"))
        .option("--only <selector>", "policies to run: pss-baseline, pss-restricted, pss, hygiene, stack, all, or comma-separated ids")
        .option("--k8s-version <version>", "Kubernetes minor version the manifests target, e.g. 1.30")
        .option("--config <file>", "per-environment pack config (the pulumi --policy-pack-config JSON format)")
        .option("--stack-tag <key=value>", "stack tag seen by policies (repeatable)", (v: string, acc: string[]) => [...acc, v], [])
        .option("--list", "list the policies and their metadata instead of checking")
        .option("--jobs <n>", `threads that parse the YAML when the input is 1 MiB or more (default ${DEFAULT_JOBS}: one per CPU, at most 4)`)
        .argument("[paths...]", "YAML files or directories (searched recursively for .yaml/.yml)")
        .exitOverride()
        .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
}

type Prepared = { code: number } | { paths: string[]; options: CheckOptions; format: Format; jobs: number };

/** Parses argv and handles everything up to the check itself (usage errors, --list, config). */
function prepare(argv: string[], io: CliIo): Prepared {
    const command = buildCommand(io);
    try {
        command.parse(argv, { from: "user" });
    } catch (e) {
        if (e instanceof CommanderError) return { code: e.exitCode === 0 ? 0 : EXIT_BAD_INPUT }; // --help exits 0
        throw e;
    }
    const raw = command.opts<RawOptions>();
    const paths = command.args;
    return guarded(io, () => {
        if (raw.list) {
            if (raw.format === "sarif") throw new UsageError("--list prints a table or json, not sarif");
            io.stdout(listPolicies(policiesFor(raw.only), raw.format));
            return { code: 0 };
        }
        if (paths.length === 0) throw new UsageError("give at least one file or directory to check (or --list)");
        const jobs = toJobs(raw.jobs);
        return { paths, options: toCheckOptions(raw), format: raw.format, jobs };
    });
}

function report(result: CheckResult, format: Format, io: CliIo): number {
    for (const w of result.warnings) io.stderr(`warning: ${w.file}: ${w.message}\n`);
    for (const e of result.inputErrors) io.stderr(`error: ${e.file}: ${e.message}\n`);
    io.stdout(format === "json" ? toJson(result) : format === "sarif" ? toSarif(result) : toTable(result));
    return result.exitCode;
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
    const outcome = guarded(io, () => report(checkPaths(prepared.paths, prepared.options), prepared.format, io));
    return typeof outcome === "number" ? outcome : outcome.code;
}

/** runCli, with YAML parsing spread over --jobs threads for inputs of 1 MiB or more. */
export async function runCliAsync(argv: string[], io: CliIo = processIo): Promise<number> {
    const prepared = prepare(argv, io);
    if ("code" in prepared) return prepared.code;
    let result: CheckResult;
    try {
        result = await checkPathsParallel(prepared.paths, prepared.options, prepared.jobs);
    } catch (e) {
        const handled = guarded(io, () => {
            throw e;
        });
        return handled.code;
    }
    const outcome = guarded(io, () => report(result, prepared.format, io));
    return typeof outcome === "number" ? outcome : outcome.code;
}

function toJobs(value: string | undefined): number {
    if (value === undefined) return DEFAULT_JOBS;
    if (!/^\d{1,2}$/.test(value) || Number(value) < 1) throw new UsageError(`--jobs ${value}: expected a number of threads from 1 to 99`);
    return Number(value);
}

class UsageError extends Error {}

function toCheckOptions(raw: RawOptions): CheckOptions {
    if (raw.k8sVersion !== undefined && !/^1\.\d{1,2}$/.test(raw.k8sVersion)) {
        throw new UsageError(`--k8s-version ${raw.k8sVersion}: expected 1.NN, e.g. 1.30`);
    }
    const stackTags: Record<string, string> = {};
    for (const tag of raw.stackTag) {
        const eq = tag.indexOf("=");
        if (eq <= 0) throw new UsageError(`--stack-tag ${tag}: expected key=value`);
        stackTags[tag.slice(0, eq)] = tag.slice(eq + 1);
    }
    // Select first so an unknown --only id is reported before the manifests are read.
    policiesFor(raw.only);
    return {
        only: raw.only,
        kubernetesVersion: raw.k8sVersion,
        config: raw.config ? loadPolicyConfigFile(raw.config) : undefined,
        stackTags: raw.stackTag.length ? stackTags : undefined,
    };
}

if (require.main === module) {
    // Policies signal "not applicable" by throwing (CrossGuard's protocol): tens of thousands of
    // throws on a large corpus, and capturing their stack traces cost ~10% of the run. The CLI
    // reports errors by message only, so it does not need them.
    Error.stackTraceLimit = 0;
    // The yaml parser reads process.env.LOG_TOKENS once per token (millions on a large input);
    // reads from a plain snapshot are ~8x cheaper than from the live environment. This process
    // spawns nothing and sets no variables, so a snapshot is all it needs.
    process.env = { ...process.env };
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

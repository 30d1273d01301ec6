// The checker's core, callable in-process (tests, the synth script) and from check.ts.
// It runs the same policy code as the CrossGuard pack, via PolicyRunner, over plain manifests,
// file by file: each object's resource policies run as soon as its file is parsed, and only the
// copies the stack policies need stay in memory.
import * as fs from "fs";
import { getHeapStatistics } from "v8";
import { PolicyRunner, runPolicies, typeTokenFor } from "../run";
import type { ExemptedViolation, PolicyConfigFile, Violation } from "../run";
import { unknownExemptionAnnotations } from "../lib/exemptions";
import { modulesOfConfig, POLICY_MODULES_KEY } from "../lib/pack-modules";
import { allPolicies, groupSettings, policyGroups, selectPolicies } from "../policies";
import type { PackPolicy, Severity } from "../lib/types";
import { expandPaths, loadManifestFile, parseFilesParallel, readInputText, STDIN_NAME } from "./manifests";
import type { FileResult, InputError, ManifestObject, ParserChoice, TextReader } from "./manifests";
import { ignoreMatcher } from "./ignore";
import { anchorResult } from "./source-map";
import type { SourceMap } from "./source-map";

export const EXIT_CLEAN = 0;
export const EXIT_MANDATORY_VIOLATION = 1;
export const EXIT_BAD_INPUT = 2;

export const SEVERITIES: readonly Severity[] = ["critical", "high", "medium", "low"];

export interface CheckOptions {
    /** Policy selector as understood by selectPolicies ("pss-baseline", "hygiene", "id1,id2", ...). Default: all. */
    only?: string;
    /** Policies to leave out, same selector syntax (applied after `only`). */
    skip?: string;
    /** Glob patterns (picomatch) of paths not to read; see ignoreMatcher. */
    ignorePaths?: string[];
    /** Refuse exemption annotations on objects for every policy. */
    disallowAnnotationExemptions?: boolean;
    /** Also exit 1 when a finding (advisory ones included) has this severity or a higher one. */
    failOn?: Severity;
    /** Report only: findings never make the exit code 1 (unreadable input still exits 2). */
    softFail?: boolean;
    /** "yaml" reads every file with the `yaml` package instead of the fast path (same result, slower). */
    parser?: ParserChoice;
    /** Kubernetes minor version the manifests target, e.g. "1.30". */
    kubernetesVersion?: string;
    /**
     * A path (file, directory or stdin) that yields no Kubernetes object is a warning instead of an
     * input error (exit 2). Off by default: like `kubectl apply` ("no objects passed to apply"), a
     * gate pointed at nothing to check must not pass.
     */
    allowEmpty?: boolean;
    /** Parsed per-environment pack config (`pulumi preview --policy-pack-config` format). */
    config?: PolicyConfigFile;
    stackTags?: Record<string, string>;
    /** Policies from --policy-module files, run beside the built-in ones (see policy-modules.ts). */
    extraPolicies?: PackPolicy[];
    /** Object → program source map (--source-map): findings on mapped objects point at their source line. */
    sourceMap?: SourceMap;
}

export interface ReportedViolation {
    policy: string;
    message: string;
    severity: Violation["severity"];
    enforcementLevel: Violation["enforcementLevel"];
}

/** A finding an exemption annotation on the object waived; shown, never counted. */
export interface ReportedExemption extends ReportedViolation {
    reason: string;
    annotation: string;
}

/** One per checked object, clean objects included. */
export interface ObjectReport {
    file: string;
    line?: number;
    kind: string;
    name: string;
    violations: ReportedViolation[];
    exempted: ReportedExemption[];
}

export interface CheckResult {
    reports: ObjectReport[];
    /** Violations a stack policy raised without naming one of the objects. */
    unattributed: ReportedViolation[];
    inputErrors: InputError[];
    warnings: InputError[];
    files: string[];
    policies: PackPolicy[];
    exitCode: number;
}

/** A config file that cannot be used; the message names the file and, from runPolicies, the policy and key. */
export class PolicyConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PolicyConfigError";
    }
}

/** Reads a `--policy-pack-config` JSON file and validates it against every policy's configSchema. */
export function loadPolicyConfigFile(file: string, policies: PackPolicy[] = allPolicies): PolicyConfigFile {
    let parsed: unknown;
    try {
        parsed = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new PolicyConfigError(`${file}: cannot read policy config: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new PolicyConfigError(`${file}: policy config must be a JSON object keyed by policy id`);
    }
    const config = parsed as PolicyConfigFile;
    try {
        validatePolicyConfig(config, policies);
    } catch (e) {
        throw new PolicyConfigError(`${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
    return config;
}

/**
 * Throws (naming policy and key) when the config does not fit the pack. Values are checked by
 * runPolicies against each configSchema, as the Pulumi CLI does; on top of that, policy ids and
 * setting names the pack does not know are refused, because a typo there would silently leave a
 * policy at its default.
 */
export function validatePolicyConfig(config: PolicyConfigFile, policies: PackPolicy[] = allPolicies): void {
    const byId = new Map(policies.map((p) => [p.name, p]));
    for (const [key, entry] of Object.entries(config)) {
        if (key === "all") {
            if (typeof entry === "object" && entry !== null) {
                const extra = Object.keys(entry).filter((k) => k !== "enforcementLevel");
                if (extra.length > 0) throw new Error(`"all": only enforcementLevel can be set for all policies, not ${extra.map((k) => `"${k}"`).join(", ")}`);
            }
            continue;
        }
        if (key === POLICY_MODULES_KEY) {
            modulesOfConfig(config, "policy config"); // its modules are loaded beside the built-in policies (cli/policy-modules.ts)
            continue;
        }
        const policy = byId.get(key);
        // A former policy id that is now a group of per-aspect policies (policyGroups).
        const isGroup = !policy && key in policyGroups;
        if (!policy && !isGroup) throw new Error(`unknown policy "${key}" (not in this pack)`);
        if (isGroup) checkGroupLevel(key, entry);
        if (typeof entry === "object" && entry !== null && !Array.isArray(entry)) {
            const known = policy ? new Set(["enforcementLevel", ...Object.keys(policy.configSchema?.properties ?? {})]) : groupSettings(key);
            const unknown = Object.keys(entry).filter((k) => !known.has(k));
            if (unknown.length > 0) {
                throw new Error(`policy "${key}": unknown setting ${unknown.map((k) => `"${k}"`).join(", ")} (known: ${[...known].join(", ")})`);
            }
        }
    }
    runPolicies([], { policies, config });
}

/** A group entry's level is checked under the group's own id (its members would name themselves). */
function checkGroupLevel(groupId: string, entry: unknown): void {
    const level = typeof entry === "string" ? entry : (entry as { enforcementLevel?: unknown } | null)?.enforcementLevel;
    const levels = ["advisory", "mandatory", "remediate", "disabled"];
    if (level !== undefined && !levels.includes(level as string)) {
        throw new Error(`policy "${groupId}": invalid enforcementLevel ${JSON.stringify(level)} (expected one of ${levels.join(", ")})`);
    }
}

/**
 * The policies --only picks (all without it) minus those --skip picks; a bad selector is a
 * PolicyConfigError. Policies from --policy-module (`extra`) are picked by their ids (and run
 * when there is no --only).
 */
export function policiesFor(only: string | undefined, skip?: string, extra: PackPolicy[] = []): PackPolicy[] {
    const extraIds = new Set(extra.map((p) => p.name));
    const select = (flag: string, selector: string) => {
        const items = selector.split(",").map((x) => x.trim());
        const mine = extra.filter((p) => items.includes(p.name));
        const rest = items.filter((x) => !extraIds.has(x)).join(",");
        if (rest === "" && mine.length > 0) return mine;
        try {
            return [...selectPolicies(rest), ...mine];
        } catch (e) {
            throw new PolicyConfigError(`${flag} ${selector}: ${e instanceof Error ? e.message : String(e)}`);
        }
    };
    let policies = only ? select("--only", only) : [...allPolicies, ...extra];
    if (skip) {
        const skipped = new Set(select("--skip", skip).map((p) => p.name));
        policies = policies.filter((p) => !skipped.has(p.name));
    }
    if (policies.length === 0) throw new PolicyConfigError(`${[only && `--only ${only}`, skip && `--skip ${skip}`].filter(Boolean).join(" ")}: selects no policy`);
    return policies;
}

/**
 * Reads the manifests under `paths` file by file and checks them; never throws for bad
 * manifests, only reports. `-` reads stdin (through `read`).
 */
export function checkPaths(paths: string[], options: CheckOptions = {}, read: TextReader = readInputText): CheckResult {
    const { check, files, origins } = startCheck(paths, options);
    return checkFiles(check, { paths, files, origins }, read, options.parser, (file) => loadManifestFile(file, read, options.parser));
}

/**
 * checkPaths with YAML parsing spread over `jobs` threads (this one plus jobs-1 workers; inputs
 * under 1 MiB are parsed on this thread only). Same result as checkPaths.
 */
export async function checkPathsParallel(paths: string[], options: CheckOptions = {}, jobs = 2, read: TextReader = readInputText): Promise<CheckResult> {
    if (jobs <= 1 || options.parser === "yaml") return checkPaths(paths, options, read);
    const { check, files, origins } = startCheck(paths, options);
    // Parsed ahead of the check (all in memory at once): the price of parsing on several threads.
    const parsed = await parseFilesParallel(files, jobs, undefined, read);
    return checkFiles(check, { paths, files, origins }, read, options.parser, (_file, i) => parsed[i]);
}

/** The files to read, and for each the index of the path argument it was found under. */
interface Inputs {
    paths: string[];
    files: string[];
    origins: number[];
}

function startCheck(paths: string[], options: CheckOptions): { check: StreamingCheck } & Omit<Inputs, "paths"> {
    const check = new StreamingCheck(options);
    const ignore = ignoreMatcher(options.ignorePaths);
    const files: string[] = [];
    const origins: number[] = [];
    paths.forEach((p, i) => {
        const expanded = expandPaths([p], { ignore });
        check.inputErrors.push(...expanded.errors);
        for (const f of expanded.files) {
            files.push(f);
            origins.push(i);
        }
    });
    return { check, files, origins };
}

/** Feeds the files' parse results to the check in file order, collecting garbage between files; reports paths that held no object. */
function checkFiles(check: StreamingCheck, inputs: Inputs, read: TextReader, parser: ParserChoice | undefined, resultOf: (file: string, index: number) => FileResult): CheckResult {
    const reader = new FileReloader(read, parser);
    const gc = new GarbageCollector();
    const objectsPerPath = inputs.paths.map(() => 0);
    // A path that could not be read, or held an unreadable file, already has an error of its own.
    const unreadable = new Set(check.inputErrors.map((e) => e.file));
    inputs.files.forEach((file, i) => {
        const loaded = resultOf(file, i);
        objectsPerPath[inputs.origins[i]] += loaded.objects.length;
        if (loaded.errors.length > 0) unreadable.add(inputs.paths[inputs.origins[i]]);
        check.addFile(file, loaded, file === STDIN_NAME ? undefined : reader);
        gc.afterFile();
    });
    inputs.paths.forEach((p, i) => {
        if (objectsPerPath[i] === 0 && !unreadable.has(p)) check.reportEmpty(p === "-" ? STDIN_NAME : p);
    });
    return check.finish(inputs.files);
}

/** Checks objects already in memory (e.g. rendered by the synth script). Stack policies see all of them at once. */
export function checkObjects(objects: ManifestObject[], options: CheckOptions = {}): CheckResult {
    const check = new StreamingCheck(options);
    for (const o of objects) check.addObject(o);
    return check.finish([...new Set(objects.map((o) => o.file))]);
}

/** One check run: objects go in one at a time (resource policies run at once), finish() runs the stack policies and reports. */
class StreamingCheck {
    readonly inputErrors: InputError[] = [];
    readonly warnings: InputError[] = [];
    private readonly policies: PackPolicy[];
    private readonly runner: PolicyRunner;
    private readonly reports: ObjectReport[] = [];
    private readonly byUrn = new Map<string, ObjectReport>();
    private readonly byTypeAndName = new Map<string, ObjectReport>();
    // Group ids (former policy ids) exempt their members, so they are known too.
    private readonly knownIds = new Set([...allPolicies.map((p) => p.name), ...Object.keys(policyGroups)]);

    constructor(private readonly options: CheckOptions) {
        this.policies = policiesFor(options.only, options.skip, options.extraPolicies);
        for (const p of options.extraPolicies ?? []) this.knownIds.add(p.name);
        this.runner = new PolicyRunner({
            policies: this.policies,
            config: options.config ? configForPolicies(options.config, this.policies) : undefined,
            stackTags: options.stackTags,
            kubernetesVersion: options.kubernetesVersion,
            disallowAnnotationExemptions: options.disallowAnnotationExemptions,
            // Parsed YAML holds no engine "unknown" sentinels, so the runtime's unknown-checking proxy
            // (a Proxy on every property read) would only cost time.
            unknownChecking: false,
            // Plain JSON needs no protobuf Struct round trip: same values and key order, much cheaper.
            wire: false,
        });
    }

    /** A file's objects; with `reloader`, large ones are read again if a stack policy needs them rather than kept. */
    addFile(file: string, loaded: FileResult, reloader?: FileReloader): void {
        this.inputErrors.push(...loaded.errors);
        this.warnings.push(...loaded.warnings);
        loaded.objects.forEach((o, i) => {
            // Only what identifies the object: capturing `o` would keep its body in memory.
            const id: ObjectId = { apiVersion: o.apiVersion, kind: o.kind, name: o.name, line: o.line };
            this.addObject(o, reloader && (() => reloader.body(file, i, id)));
        });
    }

    /** A path that held no Kubernetes object: an input error unless allowEmpty. */
    reportEmpty(file: string): void {
        const finding = { file, message: "no Kubernetes object found (kubectl: \"no objects passed to apply\")" };
        if (this.options.allowEmpty) this.warnings.push(finding);
        else this.inputErrors.push({ ...finding, message: `${finding.message}; --allow-empty accepts it` });
    }

    addObject(o: ManifestObject, reload?: () => Record<string, unknown>): void {
        const index = this.reports.length;
        const report: ObjectReport = { file: o.file, line: o.line, kind: o.kind, name: o.name, violations: [], exempted: [] };
        const type = typeTokenFor(o.apiVersion, o.kind);
        const urn = syntheticUrn(type, o.name, index);
        this.reports.push(report);
        this.byUrn.set(urn, report);
        // First one wins: a duplicate object (same kind and name in two files) is reported once.
        if (!this.byTypeAndName.has(`${type}::${o.name}`)) this.byTypeAndName.set(`${type}::${o.name}`, report);
        for (const key of unknownExemptionAnnotations(o.body, this.knownIds)) {
            this.warnings.push({ file: o.file, message: `${o.kind} ${o.name}: annotation ${key} names no policy of this pack, so it exempts nothing` });
        }
        this.runner.add({ type, name: o.name, urn, props: o.body }, reload);
    }

    finish(files: string[]): CheckResult {
        const { violations, exempted } = this.runner.finish();
        const unattributed: ReportedViolation[] = [];
        for (const v of violations) {
            const reported: ReportedViolation = { policy: v.policy, message: v.message, severity: v.severity, enforcementLevel: v.enforcementLevel };
            const target = this.targetOf(v);
            if (target) target.violations.push(reported);
            else unattributed.push(reported);
        }
        for (const x of exempted) {
            this.targetOf(x)?.exempted.push({ policy: x.policy, message: x.message, severity: x.severity, enforcementLevel: x.enforcementLevel, reason: x.reason, annotation: x.annotation });
        }
        const result: CheckResult = {
            reports: this.reports,
            unattributed,
            inputErrors: this.inputErrors,
            warnings: this.warnings,
            files,
            policies: this.policies,
            exitCode: exitCodeFor(this.inputErrors.length > 0, violations, this.options),
        };
        return this.options.sourceMap ? anchorResult(result, this.options.sourceMap) : result;
    }

    private targetOf(v: Violation | ExemptedViolation): ObjectReport | undefined {
        if (!v.resource) return undefined;
        return (v.resource.urn && this.byUrn.get(v.resource.urn)) || this.byTypeAndName.get(`${v.resource.type}::${v.resource.name}`);
    }
}

type ObjectId = Pick<ManifestObject, "apiVersion" | "kind" | "name" | "line">;

// A full collection when the heap grew this much since the last one. Parsing makes garbage that
// V8 collects late (it lets the heap grow to a multiple of what is live): without this, the
// checker's peak memory was about twice what it keeps, for the price of a few collections.
const COLLECT_AFTER_BYTES = 32 * 1024 * 1024;
let collectGarbage: (() => void) | undefined;

/** Lets the checker run full garbage collections between files (the command line passes V8's gc). */
export function collectGarbageBetweenFiles(gc: (() => void) | undefined): void {
    collectGarbage = gc;
}

class GarbageCollector {
    private base = getHeapStatistics().used_heap_size;
    afterFile(): void {
        if (!collectGarbage) return;
        if (getHeapStatistics().used_heap_size - this.base < COLLECT_AFTER_BYTES) return;
        collectGarbage();
        this.base = getHeapStatistics().used_heap_size;
    }
}

/** Reads a file's objects again for the stack policies (the last file read is kept: they ask file by file). */
class FileReloader {
    private last?: { file: string; objects: ManifestObject[] };
    constructor(private readonly read: TextReader, private readonly parser: ParserChoice | undefined) {}

    body(file: string, index: number, first: ObjectId): Record<string, unknown> {
        if (this.last?.file !== file) this.last = { file, objects: loadManifestFile(file, this.read, this.parser).objects };
        const again = this.last.objects[index];
        if (!again || again.apiVersion !== first.apiVersion || again.kind !== first.kind || again.name !== first.name || again.line !== first.line) {
            throw new Error(`${file} changed while it was being checked`);
        }
        return again.body;
    }
}

/** 2 for unreadable input; else 1 for a mandatory violation or, with failOn, a finding that severe; --soft-fail makes findings 0. */
export function exitCodeFor(badInput: boolean, violations: Violation[], options: Pick<CheckOptions, "failOn" | "softFail">): number {
    if (badInput) return EXIT_BAD_INPUT;
    if (options.softFail) return EXIT_CLEAN;
    if (violations.some((v) => v.enforcementLevel === "mandatory")) return EXIT_MANDATORY_VIOLATION;
    if (options.failOn) {
        const threshold = SEVERITIES.indexOf(options.failOn);
        if (violations.some((v) => v.enforcementLevel !== "disabled" && SEVERITIES.indexOf(v.severity) <= threshold)) return EXIT_MANDATORY_VIOLATION;
    }
    return EXIT_CLEAN;
}

// Unique per object even when two files hold the same kind/name, so violations map back exactly.
function syntheticUrn(type: string, name: string, index: number): string {
    return `urn:pulumi:manifests::policy-check::${type}::${name}#${index}`;
}

// The whole file was validated against the full pack; pass on only what the selected policies read:
// their own entries, and the entries of the groups (former policy ids) they belong to.
function configForPolicies(config: PolicyConfigFile, policies: PackPolicy[]): PolicyConfigFile {
    const ids = new Set(policies.map((p) => p.name));
    const read = (key: string) => key === "all" || ids.has(key) || (policyGroups[key]?.members.some((m) => ids.has(m)) ?? false);
    return Object.fromEntries(Object.entries(config).filter(([key]) => read(key))) as PolicyConfigFile;
}


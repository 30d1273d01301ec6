// The checker's core, callable in-process (tests, the synth script) and from check.ts.
// It runs the same policy code as the CrossGuard pack, via runPolicies, over plain manifests.
import * as fs from "fs";
import { runPolicies, typeTokenFor } from "../lib/run";
import type { ManifestResource, PolicyConfigFile, Violation } from "../lib/run";
import { allPolicies, groupSettings, policyGroups, selectPolicies } from "../policies";
import type { PackPolicy } from "../lib/types";
import { loadManifests, loadManifestsParallel } from "./manifests";
import type { InputError, LoadedManifests, ManifestObject } from "./manifests";

export const EXIT_CLEAN = 0;
export const EXIT_MANDATORY_VIOLATION = 1;
export const EXIT_BAD_INPUT = 2;

export interface CheckOptions {
    /** Policy selector as understood by selectPolicies ("pss-baseline", "hygiene", "id1,id2", ...). Default: all. */
    only?: string;
    /** Kubernetes minor version the manifests target, e.g. "1.30". */
    kubernetesVersion?: string;
    /** Parsed per-environment pack config (`pulumi preview --policy-pack-config` format). */
    config?: PolicyConfigFile;
    stackTags?: Record<string, string>;
}

export interface ReportedViolation {
    policy: string;
    message: string;
    severity: Violation["severity"];
    enforcementLevel: Violation["enforcementLevel"];
}

/** One per checked object, clean objects included. */
export interface ObjectReport {
    file: string;
    line?: number;
    kind: string;
    name: string;
    violations: ReportedViolation[];
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
export function loadPolicyConfigFile(file: string): PolicyConfigFile {
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
        validatePolicyConfig(config);
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

/** The policies an --only selector picks (all without one); a bad selector is a PolicyConfigError. */
export function policiesFor(only: string | undefined): PackPolicy[] {
    let policies: PackPolicy[];
    try {
        policies = only ? selectPolicies(only) : allPolicies;
    } catch (e) {
        throw new PolicyConfigError(`--only ${only}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (policies.length === 0) throw new PolicyConfigError(`--only ${only}: selects no policy`);
    return policies;
}

/** Loads the manifests under `paths` and checks them; never throws for bad manifests, only reports. */
export function checkPaths(paths: string[], options: CheckOptions = {}): CheckResult {
    return checkLoaded(loadManifests(paths), options);
}

/**
 * checkPaths with YAML parsing spread over `jobs` threads (this one plus jobs-1 workers; inputs
 * under 1 MiB are parsed on this thread only). Same result as checkPaths.
 */
export async function checkPathsParallel(paths: string[], options: CheckOptions = {}, jobs = 2): Promise<CheckResult> {
    return checkLoaded(await loadManifestsParallel(paths, jobs), options);
}

function checkLoaded(loaded: LoadedManifests, options: CheckOptions): CheckResult {
    const result = checkObjects(loaded.objects, options);
    return {
        ...result,
        inputErrors: loaded.errors,
        warnings: loaded.warnings,
        files: loaded.files,
        exitCode: loaded.errors.length > 0 ? EXIT_BAD_INPUT : result.exitCode,
    };
}

/** Checks objects already in memory (e.g. rendered by the synth script). Stack policies see all of them at once. */
export function checkObjects(objects: ManifestObject[], options: CheckOptions = {}): CheckResult {
    const policies = policiesFor(options.only);
    const resources: ManifestResource[] = objects.map((o, i) => ({
        type: typeTokenFor(o.apiVersion, o.kind),
        name: o.name,
        urn: syntheticUrn(o, i),
        props: o.body,
    }));
    const violations = runPolicies(resources, {
        policies,
        config: options.config ? configForPolicies(options.config, policies) : undefined,
        stackTags: options.stackTags,
        kubernetesVersion: options.kubernetesVersion,
        // Parsed YAML holds no engine "unknown" sentinels, so the runtime's unknown-checking proxy
        // (a Proxy on every property read) would only cost time.
        unknownChecking: false,
        // Plain JSON needs no protobuf Struct round trip: same values and key order, much cheaper.
        wire: false,
    });

    const reports: ObjectReport[] = objects.map((o) => ({ file: o.file, line: o.line, kind: o.kind, name: o.name, violations: [] }));
    const byUrn = new Map<string, ObjectReport>();
    const byTypeAndName = new Map<string, ObjectReport>();
    resources.forEach((r, i) => {
        byUrn.set(r.urn as string, reports[i]);
        // First one wins: a duplicate object (same kind and name in two files) is reported once.
        if (!byTypeAndName.has(`${r.type}::${r.name}`)) byTypeAndName.set(`${r.type}::${r.name}`, reports[i]);
    });
    const unattributed: ReportedViolation[] = [];
    for (const v of violations) {
        const reported: ReportedViolation = { policy: v.policy, message: v.message, severity: v.severity, enforcementLevel: v.enforcementLevel };
        const target = v.resource
            ? (v.resource.urn && byUrn.get(v.resource.urn)) || byTypeAndName.get(`${v.resource.type}::${v.resource.name}`)
            : undefined;
        if (target) target.violations.push(reported);
        else unattributed.push(reported);
    }
    const anyMandatory = violations.some((v) => v.enforcementLevel === "mandatory");
    return {
        reports,
        unattributed,
        inputErrors: [],
        warnings: [],
        files: [...new Set(objects.map((o) => o.file))],
        policies,
        exitCode: anyMandatory ? EXIT_MANDATORY_VIOLATION : EXIT_CLEAN,
    };
}

// Unique per object even when two files hold the same kind/name, so violations map back exactly.
function syntheticUrn(o: ManifestObject, index: number): string {
    return `urn:pulumi:manifests::policy-check::${typeTokenFor(o.apiVersion, o.kind)}::${o.name}#${index}`;
}

// The whole file was validated against the full pack; pass on only what the selected policies read.
function configForPolicies(config: PolicyConfigFile, policies: PackPolicy[]): PolicyConfigFile {
    const ids = new Set(policies.map((p) => p.name));
    return Object.fromEntries(Object.entries(config).filter(([key]) => key === "all" || ids.has(key))) as PolicyConfigFile;
}

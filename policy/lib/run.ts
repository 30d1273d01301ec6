// Runs pack policies over plain resources the way CrossGuard would: same enforcement-level
// resolution, same config validation (JSON schema, defaults applied), args built like the
// runtime's, and the policies' real validateResource / validateStack.
import Ajv, { type ValidateFunction } from "ajv";
import type { EnforcementLevel, PolicyConfigSchema, ReportViolation } from "@pulumi/policy";
import { defaultUrn, isNotApplicable, makeResourceValidationArgs, makeStackValidationArgs, plainWireProps, UnknownValueError, wireProps, type ResourceInit } from "./args";
import type { PackPolicy, PackResourcePolicy, PackStackPolicy, Severity } from "./types";
import { allPolicies, configEntryFor, PACK_ENFORCEMENT_LEVEL } from "../policies";

export { typeTokenFor } from "./k8s";

export const PACK_NAME = "websvc-k8s";

export interface ManifestResource {
    /** Pulumi type token, e.g. "kubernetes:apps/v1:Deployment". */
    type: string;
    name: string;
    urn?: string;
    props: Record<string, unknown>;
}

export interface Violation {
    policy: string;
    severity: Severity;
    enforcementLevel: "advisory" | "mandatory" | "remediate" | "disabled";
    message: string;
    /** Undefined only for stack-level findings not tied to one resource. */
    resource?: { type: string; name: string; urn?: string };
}

/** The exact format `pulumi preview --policy-pack-config FILE` takes. */
export interface PolicyConfigFile {
    all?: EnforcementLevel | { enforcementLevel: EnforcementLevel };
    [policyId: string]: unknown;
}

export interface RunOptions {
    policies?: PackPolicy[];
    config?: PolicyConfigFile;
    stackTags?: Record<string, string>;
    /** Overrides every policy's kubernetesVersion setting, e.g. "1.33". */
    kubernetesVersion?: string;
    /** Wrap props in the runtime's unknown-checking proxy (default true, as the runtime does). */
    unknownChecking?: boolean;
    /**
     * Send props through the protobuf Struct round trip like the runtime (default true). false
     * takes a fast path for plain JSON props (parsed manifests) that yields the same values and
     * key order without protobuf, and still falls back to the round trip for anything else.
     */
    wire?: boolean;
}

const enforcementLevels: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

export interface ResolvedPolicy {
    policy: PackPolicy;
    enforcementLevel: EnforcementLevel;
    /** Validated config with schema defaults, without enforcementLevel. */
    config: Record<string, unknown>;
}

const ajv = new Ajv({ useDefaults: true, allErrors: true, strict: false });
const validatorCache = new WeakMap<PolicyConfigSchema, ValidateFunction>();

function validatorFor(schema: PolicyConfigSchema): ValidateFunction {
    let v = validatorCache.get(schema);
    if (!v) {
        v = ajv.compile({ type: "object", properties: schema.properties, required: schema.required ?? [] });
        validatorCache.set(schema, v);
    }
    return v;
}

function checkLevel(level: unknown, where: string): EnforcementLevel {
    if (typeof level !== "string" || !enforcementLevels.includes(level as EnforcementLevel)) {
        throw new Error(`${where}: invalid enforcementLevel ${JSON.stringify(level)} (expected one of ${enforcementLevels.join(", ")})`);
    }
    return level as EnforcementLevel;
}

/** Splits one config entry (string level or object) into its level and its properties. */
function splitEntry(entry: unknown, policyId: string): { level?: EnforcementLevel; props: Record<string, unknown> } {
    if (entry === undefined || entry === null) {
        return { props: {} };
    }
    if (typeof entry === "string") {
        return { level: checkLevel(entry, `policy "${policyId}"`), props: {} };
    }
    if (typeof entry !== "object" || Array.isArray(entry)) {
        throw new Error(`policy "${policyId}": config must be an enforcement level or an object, got ${JSON.stringify(entry)}`);
    }
    const { enforcementLevel, ...props } = entry as Record<string, unknown>;
    return { level: enforcementLevel === undefined ? undefined : checkLevel(enforcementLevel, `policy "${policyId}"`), props };
}

/** Enforcement level and validated config per policy, as the CLI would send them to the pack. */
export function resolvePolicies(policies: PackPolicy[], opts: Pick<RunOptions, "config" | "kubernetesVersion"> = {}): ResolvedPolicy[] {
    const file = opts.config ?? {};
    const all = splitEntry(file.all, "all");
    return policies.map((policy) => {
        const own = splitEntry(configEntryFor(file, policy), policy.name);
        const enforcementLevel = own.level ?? all.level ?? policy.enforcementLevel ?? PACK_ENFORCEMENT_LEVEL;
        const config: Record<string, unknown> = structuredClone(own.props);
        if (opts.kubernetesVersion !== undefined && policy.configSchema?.properties.kubernetesVersion) {
            config.kubernetesVersion = opts.kubernetesVersion;
        }
        if (policy.configSchema) {
            const validate = validatorFor(policy.configSchema);
            if (!validate(config)) {
                const details = (validate.errors ?? []).map((e) => {
                    const key = e.instancePath ? e.instancePath.replace(/^\//, "").replace(/\//g, ".") : String(e.params?.missingProperty ?? e.params?.additionalProperty ?? "");
                    return `${key}: ${e.message}`;
                });
                throw new Error(`invalid config for policy "${policy.name}": ${details.join("; ")}`);
            }
        }
        return { policy, enforcementLevel, config };
    });
}

function isStackPolicy(p: PackPolicy): p is PackStackPolicy {
    return typeof (p as PackStackPolicy).validateStack === "function";
}

function reportedLevel(r: ResolvedPolicy): Violation["enforcementLevel"] {
    // The runtime reports a still-failing remediate policy as mandatory; a remediate-level policy
    // with a remediation keeps "remediate" here so the checker can say it would be auto-fixed.
    if (r.enforcementLevel === "remediate") {
        const canFix = !isStackPolicy(r.policy) && typeof (r.policy as PackResourcePolicy).remediateResource === "function";
        return canFix ? "remediate" : "mandatory";
    }
    return r.enforcementLevel;
}

function collector(r: ResolvedPolicy, out: Violation[], resource: Violation["resource"], urnToResource?: Map<string, ManifestResource>): ReportViolation {
    return (message?: string | object, urn?: string) => {
        const text = typeof message === "string" && message.length > 0 ? message : r.policy.description;
        let target = resource;
        if (!target && urn && urnToResource) {
            const m = urnToResource.get(urn);
            target = m ? { type: m.type, name: m.name, urn } : undefined;
        }
        out.push({ policy: r.policy.name, severity: r.policy.metadata.severity, enforcementLevel: reportedLevel(r), message: text, resource: target });
    };
}

function handleError(e: unknown, r: ResolvedPolicy, out: Violation[], resource: Violation["resource"]): void {
    if (isNotApplicable(e)) {
        return;
    }
    const from = `policy '${r.policy.name}' from policy pack '${PACK_NAME}'`;
    if (e instanceof UnknownValueError) {
        // Same as the runtime: an unknown value during preview downgrades to an advisory note.
        out.push({ policy: r.policy.name, severity: r.policy.metadata.severity, enforcementLevel: "advisory", message: `can't run ${from} during preview: ${(e as Error).message}`, resource });
        return;
    }
    throw new Error(`Error validating resource with ${from}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

function toInit(m: ManifestResource): ResourceInit {
    return { type: m.type, name: m.name, urn: m.urn ?? defaultUrn(m.type, m.name), props: m.props };
}

export function runPolicies(resources: ManifestResource[], opts: RunOptions = {}): Violation[] {
    const resolved = resolvePolicies(opts.policies ?? allPolicies, opts).filter((r) => r.enforcementLevel !== "disabled");
    const violations: Violation[] = [];
    // Props go through the wire round trip once per resource; every policy then gets its own
    // args (and proxy) over that same deserialized copy, as each runtime call would see it.
    const toWire = opts.wire === false ? plainWireProps : wireProps;
    const inits = resources.map((m) => ({ ...toInit(m), props: toWire(m.props) }));
    const argsOptions = (r: ResolvedPolicy) => ({ config: r.config, stackTags: opts.stackTags, unknownChecking: opts.unknownChecking, wire: false });
    for (const [i, m] of resources.entries()) {
        const resource = { type: m.type, name: m.name, urn: inits[i].urn };
        for (const r of resolved) {
            if (isStackPolicy(r.policy)) {
                continue;
            }
            const validate = r.policy.validateResource;
            if (!validate) {
                continue;
            }
            const report = collector(r, violations, resource);
            for (const v of Array.isArray(validate) ? validate : [validate]) {
                try {
                    const args = makeResourceValidationArgs(inits[i], argsOptions(r));
                    const result = v(args, report);
                    if (result instanceof Promise) {
                        throw new Error("async validateResource is not supported by runPolicies");
                    }
                } catch (e) {
                    handleError(e, r, violations, resource);
                }
            }
        }
    }
    const byUrn = new Map(resources.map((m, i) => [inits[i].urn as string, m]));
    for (const r of resolved) {
        if (!isStackPolicy(r.policy)) {
            continue;
        }
        const report = collector(r, violations, undefined, byUrn);
        try {
            const args = makeStackValidationArgs(inits, argsOptions(r));
            const result = r.policy.validateStack(args, report);
            if (result instanceof Promise) {
                throw new Error("async validateStack is not supported by runPolicies");
            }
        } catch (e) {
            handleError(e, r, violations, undefined);
        }
    }
    return violations;
}

/**
 * Applies remediations like the runtime's remediate RPC: only policies at enforcement level
 * "remediate", in pack order, each seeing the previous one's output. Returns new props.
 */
export function remediateResource(resource: ManifestResource, opts: RunOptions = {}): Record<string, unknown> {
    const resolved = resolvePolicies(opts.policies ?? allPolicies, opts);
    let props = resource.props;
    for (const r of resolved) {
        if (r.enforcementLevel !== "remediate" || isStackPolicy(r.policy) || !r.policy.remediateResource) {
            continue;
        }
        try {
            const args = makeResourceValidationArgs({ ...toInit(resource), props }, { config: r.config, stackTags: opts.stackTags, unknownChecking: opts.unknownChecking });
            const result = r.policy.remediateResource(args);
            if (result instanceof Promise) {
                throw new Error("async remediateResource is not supported");
            }
            if (result) {
                props = result as Record<string, unknown>;
            }
        } catch (e) {
            if (!isNotApplicable(e) && !(e instanceof UnknownValueError)) {
                throw e;
            }
        }
    }
    return props;
}

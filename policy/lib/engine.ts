// The engine: runs policies over plain resources the way CrossGuard would: same enforcement-level
// resolution, same config validation (JSON schema, defaults applied), args built like the
// runtime's, and the policies' real validateResource / validateStack. It is handed a catalogue
// (lib/catalogue.ts) and never imports the pack's policies: ../run.ts binds the pack's own.
import type { ValidateFunction } from "ajv";
import type { EnforcementLevel, PolicyConfigSchema, ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { defaultUrn, freezeStackTags, isNotApplicable, makeResourceValidationArgs, makeStackValidationArgs, plainWireProps, resourceArgsFactory, UnknownValueError, weighedPlainWireProps, wireProps, type ArgsOptions, type ResourceInit } from "./args";
import { detach } from "./detach";
import { withExemptionSink, type ExemptedFinding } from "./exemptions";
import type { PackPolicy, PackResourcePolicy, PackStackPolicy, Severity } from "./types";
import { configEntryFor, type Catalogue } from "./catalogue";

import { kindOf } from "./k8s";

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

/** A finding an exemption annotation on its object waived: reported, never counted as a violation. */
export interface ExemptedViolation extends Violation {
    resource: { type: string; name: string; urn?: string };
    /** The annotation's value. */
    reason: string;
    /** The annotation key, e.g. exempt.websvc-k8s/hygiene-probes. */
    annotation: string;
}

/** The exact format `pulumi preview --policy-pack-config FILE` takes. */
export interface PolicyConfigFile {
    all?: EnforcementLevel | { enforcementLevel: EnforcementLevel };
    [policyId: string]: unknown;
}

export interface RunOptions {
    /** The policies, their groups and default enforcement level. */
    catalogue: Catalogue;
    /** The policies to run (default: all of the catalogue's). */
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
    /** Refuse exemption annotations for every policy (as its disallowAnnotationExemptions setting would). */
    disallowAnnotationExemptions?: boolean;
}

const enforcementLevels: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

export interface ResolvedPolicy {
    policy: PackPolicy;
    enforcementLevel: EnforcementLevel;
    /** Validated config with schema defaults, without enforcementLevel. */
    config: Record<string, unknown>;
}

// Ajv is loaded and a schema compiled only when some policy gets settings to validate: with no
// settings the result is the schema defaults (see defaultsOnly), and the checker's start-up stays short.
let ajv: import("ajv").default | undefined;
const validatorCache = new WeakMap<PolicyConfigSchema, ValidateFunction>();

function validatorFor(schema: PolicyConfigSchema): ValidateFunction {
    let v = validatorCache.get(schema);
    if (!v) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- ajv loaded on the first config schema only: most runs validate none
        const Ajv = require("ajv").default as typeof import("ajv").default;
        ajv ??= new Ajv({ useDefaults: true, allErrors: true, strict: false });
        v = ajv.compile({ type: "object", properties: schema.properties, required: schema.required ?? [] });
        validatorCache.set(schema, v);
    }
    return v;
}

/**
 * What validating `{}` with useDefaults yields: every top-level property's default, in schema
 * order (nested defaults only apply inside values that exist). Undefined when a required
 * property has no default: then Ajv must produce the error. tests/policy-tooling checks that
 * this equals Ajv's result for every policy.
 */
export function defaultsOnly(schema: PolicyConfigSchema): Record<string, unknown> | undefined {
    const config: Record<string, unknown> = {};
    for (const [key, prop] of Object.entries(schema.properties)) {
        // Defaults are JSON (the CrossGuard config format), so a JSON copy is a full copy.
        if (typeof prop === "object" && prop.default !== undefined) config[key] = JSON.parse(JSON.stringify(prop.default));
    }
    return (schema.required ?? []).every((k) => k in config) ? config : undefined;
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
export function resolvePolicies(policies: PackPolicy[], opts: Pick<RunOptions, "catalogue" | "config" | "kubernetesVersion" | "disallowAnnotationExemptions">): ResolvedPolicy[] {
    const file = opts.config ?? {};
    const all = splitEntry(file.all, "all");
    return policies.map((policy) => {
        const own = splitEntry(configEntryFor(opts.catalogue.groups, file, policy), policy.name);
        const enforcementLevel = own.level ?? all.level ?? policy.enforcementLevel ?? opts.catalogue.enforcementLevel;
        const config: Record<string, unknown> = structuredClone(own.props);
        if (opts.kubernetesVersion !== undefined && policy.configSchema?.properties.kubernetesVersion) {
            config.kubernetesVersion = opts.kubernetesVersion;
        }
        if (opts.disallowAnnotationExemptions && policy.configSchema?.properties.disallowAnnotationExemptions) {
            config.disallowAnnotationExemptions = true;
        }
        const defaults = policy.configSchema && Object.keys(config).length === 0 ? defaultsOnly(policy.configSchema) : undefined;
        if (defaults) {
            return { policy, enforcementLevel, config: defaults };
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
        // The runtime also takes { message, urn, enforcementLevel } (see lib/exemption-report.ts).
        let level = reportedLevel(r);
        if (typeof message === "object" && message !== null) {
            const v = message as { message?: unknown; urn?: unknown; enforcementLevel?: unknown };
            if (typeof v.urn === "string") urn = v.urn;
            if (typeof v.enforcementLevel === "string" && enforcementLevels.includes(v.enforcementLevel as EnforcementLevel)) level = v.enforcementLevel as Violation["enforcementLevel"];
            message = typeof v.message === "string" ? v.message : undefined;
        }
        // Messages are built from parsed values: detached, they do not keep the input in memory.
        const text = detach(typeof message === "string" && message.length > 0 ? message : r.policy.description);
        let target = resource;
        if (!target && urn && urnToResource) {
            const m = urnToResource.get(urn);
            target = m ? { type: m.type, name: m.name, urn } : undefined;
        }
        out.push({ policy: r.policy.name, severity: r.policy.metadata.severity, enforcementLevel: level, message: text, resource: target });
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

type ResourceTarget = NonNullable<Violation["resource"]>;

/** Props heavier than this (about bytes: see weighedPlainWireProps) are reloaded for the stack policies rather than kept. */
export const LAZY_PROPS_WEIGHT = 64 * 1024;

/**
 * Runs the policies the way CrossGuard does, one resource at a time: add() runs the resource
 * policies on a resource at once and keeps its (wired) props for the stack policies, which
 * finish() runs over everything added. The checker streams files through it, so only the wired
 * copies stay in memory, not the parsed documents. Violations come out in the order runPolicies
 * has always given: resources in order, each in policy order, then the stack policies.
 */
export class PolicyRunner {
    readonly violations: Violation[] = [];
    /** Findings waived by an exemption annotation (not in `violations`). */
    readonly exempted: ExemptedViolation[] = [];
    private readonly resourcePolicies: ResolvedPolicy[];
    /** The kinds whose props some stack policy reads (undefined: any kind, as a policy declares none). */
    private readonly stackKinds?: ReadonlySet<string>;
    /** The resource policies per type token, without those whose `kinds` leave the type out. */
    private readonly policiesByType = new Map<string, ResolvedPolicy[]>();
    private readonly stackPolicies: ResolvedPolicy[];
    private readonly inits: ResourceInit[] = [];
    private readonly targets = new Map<string, ResourceTarget>();
    private readonly toWire: (props: Record<string, unknown>) => Record<string, any>;
    private readonly plain: boolean;
    private readonly argsOptions: Map<ResolvedPolicy, ArgsOptions>;
    private readonly commonArgs: Omit<ArgsOptions, "config">;
    private current?: ResolvedPolicy;
    private readonly collect = (f: ExemptedFinding) => {
        const r = this.current;
        const resource = this.targets.get(f.urn);
        if (!r || !resource) return;
        this.exempted.push({ policy: r.policy.name, severity: r.policy.metadata.severity, enforcementLevel: reportedLevel(r), message: detach(f.message), resource, reason: detach(f.reason), annotation: f.annotation });
    };

    constructor(opts: RunOptions) {
        const resolved = resolvePolicies(opts.policies ?? [...opts.catalogue.policies], opts).filter((r) => r.enforcementLevel !== "disabled");
        this.resourcePolicies = resolved.filter((r) => !isStackPolicy(r.policy) && r.policy.validateResource);
        this.stackPolicies = resolved.filter((r) => isStackPolicy(r.policy));
        const read = this.stackPolicies.map((r) => (r.policy as PackStackPolicy).kinds);
        if (read.every((k) => k !== undefined)) this.stackKinds = new Set(read.flat());
        // Props go through the wire round trip once per resource; every policy then gets its own
        // args (and proxy) over that same deserialized copy, as each runtime call would see it.
        this.plain = opts.wire === false;
        this.toWire = this.plain ? plainWireProps : wireProps;
        // The runtime builds stackTags once per pack: one frozen map serves every call.
        const stackTags = freezeStackTags(opts.stackTags);
        this.commonArgs = { stackTags, unknownChecking: opts.unknownChecking, wire: false };
        this.argsOptions = new Map(resolved.map((r) => [r, { ...this.commonArgs, config: r.config }]));
    }

    /**
     * Runs the resource policies on `m` now; its props are kept (wired) for finish(). With
     * `reload` (which must return the same props again, e.g. by reading the file again), large
     * props, and props of kinds no stack policy declares it reads, are not kept: a stack policy
     * that reads them gets them through it, so a corpus of big ConfigMaps, CRDs and rules need
     * not stay in memory for stack policies that never look at them.
     */
    add(m: ManifestResource, reload?: () => Record<string, unknown>): void {
        const policies = this.policiesFor(m.type);
        const kind = kindOf(m.type);
        // Without `reload` everything is kept; with it, only the kinds a stack policy reads.
        const keep = reload === undefined || this.stackKinds === undefined || (kind !== undefined && this.stackKinds.has(kind));
        if (policies.length === 0 && !keep) {
            // Nothing reads it now, and no stack policy asks for its kind: not even copied. A stack
            // policy that reads it after all gets it through `reload`, the same props.
            const init: ResourceInit = { ...toInit(m), props: {}, loadProps: lazyProps(this.toWire, reload!) };
            this.targets.set(init.urn as string, { type: m.type, name: m.name, urn: init.urn });
            this.inits.push(init);
            return;
        }
        let props: Record<string, any>;
        let weight = 0;
        if (this.plain) ({ props, weight } = weighedPlainWireProps(m.props));
        else props = this.toWire(m.props);
        const init: ResourceInit = { ...toInit(m), props };
        const resource: ResourceTarget = { type: m.type, name: m.name, urn: init.urn };
        this.targets.set(init.urn as string, resource);
        const argsFor = resourceArgsFactory(init, this.commonArgs);
        withExemptionSink(this.collect, () => {
            for (const r of policies) {
                const validate = (r.policy as PackResourcePolicy).validateResource!;
                const report = collector(r, this.violations, resource);
                this.current = r;
                for (const v of Array.isArray(validate) ? validate : [validate]) {
                    try {
                        const args: ResourceValidationArgs = argsFor(r.config);
                        const result = v(args, report);
                        if (result instanceof Promise) {
                            throw new Error("async validateResource is not supported by runPolicies");
                        }
                    } catch (e) {
                        handleError(e, r, this.violations, resource);
                    }
                }
            }
            this.current = undefined;
        });
        this.inits.push(reload && (!keep || weight > LAZY_PROPS_WEIGHT) ? { ...init, props: {}, loadProps: lazyProps(this.toWire, reload) } : init);
    }

    /**
     * The resource policies that can judge a resource of this type. A policy whose `kinds` leave
     * the kind out would find it not applicable, which reports nothing: not calling it is the same
     * result, without tens of thousands of not-applicable throws on a large corpus.
     */
    private policiesFor(type: string): ResolvedPolicy[] {
        let found = this.policiesByType.get(type);
        if (!found) {
            const kind = kindOf(type);
            found = this.resourcePolicies.filter((r) => {
                const kinds = (r.policy as PackResourcePolicy).kinds;
                return kinds === undefined || (kind !== undefined && kinds.includes(kind));
            });
            this.policiesByType.set(type, found);
        }
        return found;
    }

    /** Runs the stack policies over every resource added; returns all violations and waived findings. */
    finish(): { violations: Violation[]; exempted: ExemptedViolation[] } {
        const byUrn = new Map<string, ManifestResource>();
        for (const init of this.inits) byUrn.set(init.urn as string, init as ManifestResource);
        withExemptionSink(this.collect, () => {
            for (const r of this.stackPolicies) {
                const report = collector(r, this.violations, undefined, byUrn);
                this.current = r;
                try {
                    const args = makeStackValidationArgs(this.inits, this.argsOptions.get(r));
                    const result = (r.policy as PackStackPolicy).validateStack(args, report);
                    if (result instanceof Promise) {
                        throw new Error("async validateStack is not supported by runPolicies");
                    }
                } catch (e) {
                    handleError(e, r, this.violations, undefined);
                }
            }
            this.current = undefined;
        });
        return { violations: this.violations, exempted: this.exempted };
    }
}

// Outside PolicyRunner.add on purpose: a closure made there would keep add's whole scope alive,
// the props it is meant to let go of included.
function lazyProps(toWire: (props: Record<string, unknown>) => Record<string, any>, reload: () => Record<string, unknown>): () => Record<string, unknown> {
    return () => toWire(reload());
}

/** Violations of `resources` under `opts` (findings waived by exemption annotations left out). */
export function runPolicies(resources: ManifestResource[], opts: RunOptions): Violation[] {
    return runPolicyCheck(resources, opts).violations;
}

/** runPolicies, plus the findings exemption annotations waived. */
export function runPolicyCheck(resources: ManifestResource[], opts: RunOptions): { violations: Violation[]; exempted: ExemptedViolation[] } {
    const runner = new PolicyRunner(opts);
    for (const m of resources) runner.add(m);
    return runner.finish();
}

/**
 * Applies remediations like the runtime's remediate RPC: only policies at enforcement level
 * "remediate", in pack order, each seeing the previous one's output. Returns new props.
 */
export function remediateResource(resource: ManifestResource, opts: RunOptions): Record<string, unknown> {
    const resolved = resolvePolicies(opts.policies ?? [...opts.catalogue.policies], opts);
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

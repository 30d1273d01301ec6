// Factory for non-PSS resource policies: common config (exemptions), config defaults, findings
// reported as "<field path>: <message>", and optional safe remediation on a plain copy.
import type { ResourceValidationArgs } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { configSchema, exemptionReason, type CommonConfig } from "./config";
import { annotationExemption, reportExempted, withRefusal } from "./exemptions";
import { plainCopy, podViewOf, workloadKinds, type Obj, type PodView } from "./k8s";
import { readConfig } from "./policy";
import type { PackResourcePolicy, PeerMapping, PolicyMetadata, Severity } from "./types";

export interface Finding {
    /** Field path from the object root, e.g. "spec.template.spec.containers[0].securityContext.privileged". */
    path: string;
    message: string;
}

export interface ResourcePolicyDef<C> {
    id: string;
    title: string;
    description: string;
    severity: Severity;
    category?: "hygiene" | "pss";
    enforcementLevel?: "advisory" | "mandatory";
    frameworks: PeerMapping;
    remediation: string;
    /** Extra metadata (PSS level, pod-security-admission check id, overrides). */
    metadata?: Pick<PolicyMetadata, "pssLevel" | "psaCheckId" | "overrides" | "group">;
    config?: Record<string, PolicyConfigJSONSchema>;
    /** The only kinds `check` can judge (it finds every other kind not applicable): see PackResourcePolicy. */
    kinds?: readonly string[];
    /** Findings for this resource; call args.notApplicable(reason) for resources it does not cover. */
    check: (args: ResourceValidationArgs, cfg: C & CommonConfig) => Finding[];
    /** Safe fix applied to a plain copy of props; only called when check() found something. */
    remediate?: (props: Obj, args: ResourceValidationArgs, cfg: C & CommonConfig) => void;
}

/** What the Pulumi CLI / Cloud show for a policy (display name, remediation, tags, framework). */
export function runtimeMetadata(title: string, remediation: string, category: string, frameworks: PeerMapping, pssLevel?: string): Pick<PackResourcePolicy, "displayName" | "remediationSteps" | "tags" | "framework"> {
    const meta: Pick<PackResourcePolicy, "displayName" | "remediationSteps" | "tags" | "framework"> = {
        displayName: title,
        remediationSteps: remediation,
        tags: ["kubernetes", category, ...(pssLevel ? [`pss-${pssLevel}`] : [])],
    };
    if (frameworks.pss) {
        meta.framework = {
            name: "Kubernetes Pod Security Standards",
            version: pssLevel ?? "",
            reference: "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
            specification: frameworks.pss,
        };
    }
    return meta;
}

export function resourcePolicy<C extends object = object>(def: ResourcePolicyDef<C>): PackResourcePolicy {
    const category = def.category ?? "hygiene";
    // PSS controls behave like pod-security-admission: no namespace is exempt unless configured,
    // and no annotation on the object exempts it.
    const schema = configSchema(def.config ?? {}, undefined, category === "pss" ? [] : undefined, category !== "pss");
    // The checker hands every resource the same getConfig function per policy (lib/args.ts,
    // resourceArgsFactory), so the defaults are filled in once per run; the runtime makes a new
    // function per call. Each call still gets its own shallow copy, as readConfig gives.
    const readOnce = new WeakMap<object, C & CommonConfig>();
    const configFor = (args: ResourceValidationArgs): C & CommonConfig => {
        let read = readOnce.get(args.getConfig);
        if (!read) readOnce.set(args.getConfig, (read = readConfig<C & CommonConfig>(args, schema)));
        const cfg = { ...read };
        const exempt = exemptionReason(cfg, args.name, args.props);
        if (exempt) {
            args.notApplicable(exempt);
        }
        return cfg;
    };
    const policy: PackResourcePolicy = {
        name: def.id,
        description: def.description,
        enforcementLevel: def.enforcementLevel ?? "mandatory",
        severity: def.severity,
        configSchema: schema,
        ...runtimeMetadata(def.title, def.remediation, category, def.frameworks, def.metadata?.pssLevel),
        ...(def.kinds ? { kinds: def.kinds } : {}),
        validateResource: (args, reportViolation) => {
            const cfg = configFor(args);
            const findings = def.check(args, cfg);
            // Annotations are read only when there is something to waive.
            const exemption = findings.length > 0
                ? annotationExemption(args.props, { policyId: def.id, group: def.metadata?.group, category, disallowed: cfg.disallowAnnotationExemptions })
                : undefined;
            for (const f of findings) {
                const message = `${f.path}: ${f.message}`;
                if (exemption?.honoured) reportExempted({ policy: def.id, urn: args.urn, message, reason: exemption.reason, annotation: exemption.annotation });
                else reportViolation(exemption ? withRefusal(message, exemption) : message);
            }
        },
        metadata: {
            id: def.id,
            title: def.title,
            severity: def.severity,
            category,
            frameworks: def.frameworks,
            remediation: def.remediation,
            ...def.metadata,
        },
    };
    const fix = def.remediate;
    if (fix) {
        policy.remediateResource = (args) => {
            const cfg = configFor(args);
            if (def.check(args, cfg).length === 0) {
                return undefined;
            }
            // An honoured exemption waives the fix too: the object stays as written.
            if (annotationExemption(args.props, { policyId: def.id, group: def.metadata?.group, category, disallowed: cfg.disallowAnnotationExemptions })?.honoured) {
                return undefined;
            }
            const props = plainCopy(args.props) as Obj;
            fix(props, args, cfg);
            return props;
        };
    }
    return policy;
}

/** What requirePodView takes: a policy that calls it first declares `kinds: POD_KINDS`. */
export const POD_KINDS: readonly string[] = workloadKinds;

/** The pod view of a workload, or not applicable. */
export function requirePodView(args: ResourceValidationArgs): PodView {
    const view = podViewOf(args.type, args.props);
    if (!view) {
        return args.notApplicable("not a Pod or a workload with a pod template");
    }
    return view;
}

/** Batch workloads run to completion: no Service traffic, so probes do not apply. */
export function isBatch(view: PodView): boolean {
    return view.kind === "Job" || view.kind === "CronJob";
}

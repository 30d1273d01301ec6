// Factory and helpers for stack policies: they see every resource of the stack at once
// (workloads with their PDBs, HPAs, NetworkPolicies, Services, ServiceMonitors).
import type { PolicyResource, StackValidationArgs } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { configSchema, exemptionReason, type CommonConfig } from "./config";
import { annotationExemption, reportExempted, withRefusal } from "./exemptions";
import { asArray, isObj, parseTypeToken, podViewOf, type Obj, type PodView } from "./k8s";
import { readConfig } from "./policy";
import { runtimeMetadata } from "./resource-policy";
import type { PackStackPolicy, PeerMapping, Severity } from "./types";

export interface StackFinding {
    /** The resource the finding is about (reported with its URN). */
    resource?: PolicyResource;
    message: string;
}

/** A Kubernetes object of the stack, with the fields stack policies join on. */
export interface K8sObject {
    resource: PolicyResource;
    kind: string;
    group: string;
    namespace: string;
    name: string;
    labels: Record<string, string>;
    props: Obj;
}

export interface StackPolicyDef<C> {
    id: string;
    /** Default "stack"; a policy that joins objects for a per-object judgement keeps its own
     *  category (hygiene-automount-service-account-token, the RBAC policies). */
    category?: "stack" | "hygiene" | "rbac";
    title: string;
    description: string;
    severity: Severity;
    enforcementLevel?: "advisory" | "mandatory";
    frameworks: PeerMapping;
    remediation: string;
    config?: Record<string, PolicyConfigJSONSchema>;
    /**
     * The kinds whose objects `check` looks at (through ofKind, subjects, workloads, hpaFor...). The
     * checker keeps those objects' props in memory for it and loads any other kind's again from
     * its file when asked, so a missing kind costs time, never a different result. Without it, the
     * checker keeps every object's props (the pack's own policies all declare theirs).
     */
    kinds?: readonly string[];
    check: (objects: StackObjects, cfg: C & CommonConfig, args: StackValidationArgs) => StackFinding[];
}

export function stackPolicy<C extends object = object>(def: StackPolicyDef<C>): PackStackPolicy {
    const schema = configSchema(def.config ?? {});
    return {
        name: def.id,
        description: def.description,
        enforcementLevel: def.enforcementLevel ?? "mandatory",
        severity: def.severity,
        configSchema: schema,
        ...runtimeMetadata(def.title, def.remediation, def.category ?? "stack", def.frameworks),
        ...(def.kinds ? { kinds: def.kinds } : {}),
        validateStack: (args, reportViolation) => {
            const cfg = readConfig<C & CommonConfig>(args, schema);
            const objects = new StackObjects(args.resources, cfg);
            for (const f of def.check(objects, cfg, args)) {
                const exemption = f.resource
                    ? annotationExemption(f.resource.props, { policyId: def.id, category: "stack", disallowed: cfg.disallowAnnotationExemptions })
                    : undefined;
                if (exemption?.honoured) {
                    reportExempted({ policy: def.id, urn: f.resource!.urn, message: f.message, reason: exemption.reason, annotation: exemption.annotation });
                } else {
                    reportViolation(exemption ? withRefusal(f.message, exemption) : f.message, f.resource?.urn);
                }
            }
        },
        metadata: {
            id: def.id,
            title: def.title,
            severity: def.severity,
            category: def.category ?? "stack",
            frameworks: def.frameworks,
            remediation: def.remediation,
        },
    };
}

export const DEFAULT_NAMESPACE = "default";

function toObject(resource: PolicyResource): K8sObject | undefined {
    const token = parseTypeToken(resource.type);
    return token ? new StackObject(resource, token.kind, token.group) : undefined;
}

/**
 * A K8sObject whose props-derived fields are read when a policy first asks: finding objects by
 * kind needs only the type token, so props a stack policy never looks at are never read (the
 * checker loads large documents on first read).
 */
class StackObject implements K8sObject {
    private meta?: { namespace: string; name: string; labels: Record<string, string> };
    constructor(readonly resource: PolicyResource, readonly kind: string, readonly group: string) {}

    get props(): Obj {
        return this.resource.props as Obj;
    }
    get namespace(): string {
        return this.metadata().namespace;
    }
    get name(): string {
        return this.metadata().name;
    }
    get labels(): Record<string, string> {
        return this.metadata().labels;
    }

    private metadata(): NonNullable<StackObject["meta"]> {
        if (!this.meta) {
            const meta = isObj(this.props.metadata) ? this.props.metadata : {};
            this.meta = {
                namespace: typeof meta.namespace === "string" && meta.namespace !== "" ? meta.namespace : DEFAULT_NAMESPACE,
                name: typeof meta.name === "string" && meta.name !== "" ? meta.name : this.resource.name,
                labels: isObj(meta.labels) ? meta.labels : {},
            };
        }
        return this.meta;
    }
}

/** The stack's Kubernetes objects; exempt ones (common config) are left out of `subjects`. */
export class StackObjects {
    readonly all: K8sObject[];
    // Per kind list, computed once: policies ask per workload (hpaFor), which was O(n²).
    private readonly byKinds = new Map<string, K8sObject[]>();
    private hpaIndex?: Map<string, K8sObject> | null;
    constructor(resources: PolicyResource[], private readonly cfg: Partial<CommonConfig>) {
        this.all = resources.map(toObject).filter((o): o is K8sObject => o !== undefined);
    }

    /** Objects of these kinds, in stack order (a fresh array each call; the filtering is memoized). */
    ofKind(...kinds: string[]): K8sObject[] {
        const key = kinds.join("\0");
        let found = this.byKinds.get(key);
        if (!found) {
            found = this.all.filter((o) => kinds.includes(o.kind));
            this.byKinds.set(key, found);
        }
        return found.slice();
    }

    /** The first HPA (stack order) whose scaleTargetRef names this namespace, kind and name. */
    hpaTargeting(namespace: string, kind: string, name: string): K8sObject | undefined {
        if (this.hpaIndex === undefined) this.hpaIndex = this.buildHpaIndex();
        if (this.hpaIndex === null) {
            // Some HPA has an unknown (preview) value: scan like the runtime-faithful original, so
            // the UnknownValueError surfaces exactly when it did.
            return this.ofKind("HorizontalPodAutoscaler").find((h) => {
                const ref = h.props.spec?.scaleTargetRef;
                return h.namespace === namespace && isObj(ref) && ref.kind === kind && ref.name === name;
            });
        }
        return this.hpaIndex.get(JSON.stringify([namespace, kind, name]));
    }

    private buildHpaIndex(): Map<string, K8sObject> | null {
        const index = new Map<string, K8sObject>();
        try {
            for (const h of this.ofKind("HorizontalPodAutoscaler")) {
                const ref = h.props.spec?.scaleTargetRef;
                if (!isObj(ref)) continue;
                const refKind = ref.kind;
                const refName = ref.name;
                if (typeof refKind !== "string" || typeof refName !== "string") continue;
                const key = JSON.stringify([h.namespace, refKind, refName]);
                if (!index.has(key)) index.set(key, h);
            }
        } catch {
            return null;
        }
        return index;
    }

    /** Objects of these kinds that the policy must judge (not exempt by namespace or name). */
    subjects(...kinds: string[]): K8sObject[] {
        return this.ofKind(...kinds).filter((o) => exemptionReason(this.cfg, o.resource.name, o.props) === undefined);
    }

    /** Workloads (not bare pods' templates) with their pod view. */
    workloads(kinds: readonly string[] = controllerKinds): { obj: K8sObject; view: PodView }[] {
        return this.subjects(...kinds).flatMap((obj) => {
            const view = podViewOf(obj.resource.type, obj.props);
            return view ? [{ obj, view }] : [];
        });
    }
}

/** Kinds that run pods continuously under a controller. */
export const controllerKinds: readonly string[] = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"];

/** Kinds whose replica count can be >1 and that an HPA can scale. */
export const scalableKinds: readonly string[] = ["Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"];

/** metav1.LabelSelector semantics: matchLabels AND matchExpressions; an empty selector matches all. */
export function labelSelectorMatches(selector: unknown, labels: Record<string, string>): boolean {
    if (!isObj(selector)) {
        return false;
    }
    const matchLabels = isObj(selector.matchLabels) ? selector.matchLabels : {};
    for (const [k, v] of Object.entries(matchLabels)) {
        if (labels[k] !== v) {
            return false;
        }
    }
    for (const expr of asArray(selector.matchExpressions)) {
        const key = String(expr?.key ?? "");
        const values = asArray(expr?.values).map(String);
        const has = Object.prototype.hasOwnProperty.call(labels, key);
        switch (expr?.operator) {
            case "In": if (!has || !values.includes(labels[key])) return false; break;
            case "NotIn": if (has && values.includes(labels[key])) return false; break;
            case "Exists": if (!has) return false; break;
            case "DoesNotExist": if (has) return false; break;
            default: return false;
        }
    }
    return true;
}

/** Service-style selector (plain map); an empty or missing one selects nothing. */
export function mapSelectorMatches(selector: unknown, labels: Record<string, string>): boolean {
    if (!isObj(selector) || Object.keys(selector).length === 0) {
        return false;
    }
    return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

export function podLabels(view: PodView): Record<string, string> {
    return isObj(view.podMeta.labels) ? view.podMeta.labels : {};
}

export function objectLabel(obj: K8sObject): string {
    return `${obj.kind} ${obj.namespace}/${obj.name}`;
}

/** The ServiceAccount a pod runs as (the admission default is "default"). */
export function serviceAccountNameOf(view: PodView): string {
    const name = view.podSpec.serviceAccountName;
    return typeof name === "string" && name !== "" ? name : "default";
}

/** The HPA scaling this workload, if any (same namespace, scaleTargetRef kind + name). */
export function hpaFor(objects: StackObjects, obj: K8sObject): K8sObject | undefined {
    return objects.hpaTargeting(obj.namespace, obj.kind, obj.name);
}


/**
 * What the program asked for. After the first deploy, stack policies see each resource's live
 * outputs: server defaults, fields that controllers own (an HPA-set `spec.replicas`) and `status`.
 * The Kubernetes provider records the program's own inputs beside them under `__inputs`. Live
 * props without that record cannot tell who set a field: undefined. Props that are not live
 * (inputs at preview, plain manifests) are what was asked for.
 */
export function programInputs(props: Obj): Obj | undefined {
    if (isObj(props.__inputs)) {
        return props.__inputs;
    }
    const meta = isObj(props.metadata) ? props.metadata : {};
    const live = props.status !== undefined || meta.uid !== undefined || meta.resourceVersion !== undefined;
    return live ? undefined : props;
}

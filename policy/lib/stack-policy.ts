// Factory and helpers for stack policies: they see every resource of the stack at once
// (workloads with their PDBs, HPAs, NetworkPolicies, Services, ServiceMonitors).
import type { PolicyResource, StackValidationArgs } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { configSchema, exemptionReason, type CommonConfig } from "./config";
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
    title: string;
    description: string;
    severity: Severity;
    enforcementLevel?: "advisory" | "mandatory";
    frameworks: PeerMapping;
    remediation: string;
    config?: Record<string, PolicyConfigJSONSchema>;
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
        ...runtimeMetadata(def.title, def.remediation, "stack", def.frameworks),
        validateStack: (args, reportViolation) => {
            const cfg = readConfig<C & CommonConfig>(args, schema);
            const objects = new StackObjects(args.resources, cfg);
            for (const f of def.check(objects, cfg, args)) {
                reportViolation(f.message, f.resource?.urn);
            }
        },
        metadata: {
            id: def.id,
            title: def.title,
            severity: def.severity,
            category: "stack",
            frameworks: def.frameworks,
            remediation: def.remediation,
        },
    };
}

export const DEFAULT_NAMESPACE = "default";

function toObject(resource: PolicyResource): K8sObject | undefined {
    const token = parseTypeToken(resource.type);
    if (!token) {
        return undefined;
    }
    const props = resource.props as Obj;
    const meta = isObj(props.metadata) ? props.metadata : {};
    return {
        resource,
        kind: token.kind,
        group: token.group,
        namespace: typeof meta.namespace === "string" && meta.namespace !== "" ? meta.namespace : DEFAULT_NAMESPACE,
        name: typeof meta.name === "string" && meta.name !== "" ? meta.name : resource.name,
        labels: isObj(meta.labels) ? meta.labels : {},
        props,
    };
}

/** The stack's Kubernetes objects; exempt ones (common config) are left out of `subjects`. */
export class StackObjects {
    readonly all: K8sObject[];
    constructor(resources: PolicyResource[], private readonly cfg: Partial<CommonConfig>) {
        this.all = resources.map(toObject).filter((o): o is K8sObject => o !== undefined);
    }

    ofKind(...kinds: string[]): K8sObject[] {
        return this.all.filter((o) => kinds.includes(o.kind));
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

/** The HPA scaling this workload, if any (same namespace, scaleTargetRef kind + name). */
export function hpaFor(objects: StackObjects, obj: K8sObject): K8sObject | undefined {
    return objects.ofKind("HorizontalPodAutoscaler").find((h) => {
        const ref = h.props.spec?.scaleTargetRef;
        return h.namespace === obj.namespace && isObj(ref) && ref.kind === obj.kind && ref.name === obj.name;
    });
}


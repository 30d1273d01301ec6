// Kubernetes object helpers shared by every policy. Policies match on Pulumi type tokens
// (`kubernetes:<group>/<version>:<Kind>`) so the pack does not depend on @pulumi/kubernetes.
import { defaultedPodSpec } from "./pod-defaults";

/** "apps/v1","Deployment" -> "kubernetes:apps/v1:Deployment"; "v1","Pod" -> "kubernetes:core/v1:Pod". */
export function typeTokenFor(apiVersion: string, kind: string): string {
    const groupVersion = apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`;
    return `kubernetes:${groupVersion}:${kind}`;
}

export interface ParsedToken { group: string; version: string; kind: string }

const tokenPattern = /^kubernetes:([^:/]+)\/([^:/]+):([A-Za-z0-9]+)$/;

export function parseTypeToken(type: string): ParsedToken | undefined {
    const m = tokenPattern.exec(type);
    return m ? { group: m[1], version: m[2], kind: m[3] } : undefined;
}

/** Kind of a Kubernetes resource token, ignoring group/version (Deployment in apps/v1 or extensions/v1beta1). */
export function kindOf(type: string): string | undefined {
    return parseTypeToken(type)?.kind;
}

export type Obj = Record<string, any>;

export function isObj(v: unknown): v is Obj {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function asArray(v: unknown): any[] {
    return Array.isArray(v) ? v : [];
}

/** Where a workload keeps its pod template, relative to the object root. */
const podTemplatePaths: Record<string, string[]> = {
    Pod: [],
    PodTemplate: ["template"],
    ReplicationController: ["spec", "template"],
    ReplicaSet: ["spec", "template"],
    Deployment: ["spec", "template"],
    StatefulSet: ["spec", "template"],
    DaemonSet: ["spec", "template"],
    Job: ["spec", "template"],
    CronJob: ["spec", "jobTemplate", "spec", "template"],
};

export const workloadKinds: readonly string[] = Object.keys(podTemplatePaths);

export interface PodView {
    kind: string;
    /** Object metadata (namespace, name, labels). */
    objectMeta: Obj;
    /** Pod (template) metadata: labels and annotations that pods get. */
    podMeta: Obj;
    podSpec: Obj;
    /** Field path prefixes used in messages, e.g. "spec.template.spec". */
    specPath: string;
    metaPath: string;
    /** False when the object has no pod spec at all (podSpec is then a detached `{}`). */
    specPresent: boolean;
}

export interface PodViewOptions {
    /** Apply the API server's defaults that change verdicts (pod-defaults.ts); default true.
     *  Remediations pass false: they edit the object the program wrote, not a defaulted copy. */
    defaults?: boolean;
}

/** Extracts the pod spec and pod metadata from any pod-bearing workload; undefined otherwise.
 *  By default the spec is the pod as the API server stores it (see pod-defaults.ts). */
export function podViewOf(type: string, props: Obj, options: PodViewOptions = {}): PodView | undefined {
    const kind = kindOf(type);
    if (!kind || !(kind in podTemplatePaths)) {
        return undefined;
    }
    const templatePath = podTemplatePaths[kind];
    let template: unknown = props;
    for (const key of templatePath) {
        template = isObj(template) ? template[key] : undefined;
    }
    const prefix = templatePath.length ? `${templatePath.join(".")}.` : "";
    const t = isObj(template) ? template : {};
    return {
        kind,
        objectMeta: isObj(props.metadata) ? props.metadata : {},
        podMeta: isObj(t.metadata) ? t.metadata : {},
        podSpec: !isObj(t.spec) ? {} : options.defaults === false ? t.spec : defaultedPodSpec(t.spec),
        specPath: `${prefix}spec`,
        metaPath: `${prefix}metadata`,
        specPresent: isObj(t.spec),
    };
}

export interface ContainerRef {
    container: Obj;
    name: string;
    /** e.g. "spec.template.spec.initContainers[0]" */
    path: string;
    group: "initContainers" | "containers" | "ephemeralContainers";
}

/** Init, regular and ephemeral containers, in that order (the order pod-security-admission visits them). */
export function containersOf(view: PodView): ContainerRef[] {
    const refs: ContainerRef[] = [];
    for (const group of ["initContainers", "containers", "ephemeralContainers"] as const) {
        asArray(view.podSpec[group]).forEach((c, i) => {
            const container = isObj(c) ? c : {};
            refs.push({ container, name: String(container.name ?? ""), path: `${view.specPath}.${group}[${i}]`, group });
        });
    }
    return refs;
}

/** Reads a nested field; undefined when any step is missing or null. */
export function dig(obj: unknown, ...keys: (string | number)[]): any {
    let cur: any = obj;
    for (const k of keys) {
        if (cur === null || cur === undefined || typeof cur !== "object") {
            return undefined;
        }
        cur = cur[k];
    }
    return cur === null ? undefined : cur;
}

export function namespaceOf(props: Obj): string | undefined {
    const ns = dig(props, "metadata", "namespace");
    return typeof ns === "string" ? ns : undefined;
}

/** Deep, plain copy of (possibly proxied) props for remediations to modify and return. */
export function plainCopy<T>(value: T): T {
    return JSON.parse(JSON.stringify(value)) as T;
}

// Shared setup for the Workload specs: renders one component under the mock runtime and gives
// typed access to exactly the objects it created (all specs share one process and one recorder).
import { recorder, outputValue, type RecordedResource } from "../harness";
import * as pulumi from "@pulumi/pulumi";
import { Workload, WORKLOAD_TYPE, type WorkloadArgs } from "../../components/workload";

/** A digest-pinned reference, valid in every environment. */
export const PINNED_IMAGE = `registry.example.com/team/websvc@sha256:${"ab".repeat(32)}`;

export function baseArgs(overrides: Partial<WorkloadArgs> = {}): WorkloadArgs {
    return {
        appName: "websvc",
        environment: "staging",
        namespace: "websvc-staging",
        kubernetesVersion: "1.34",
        image: PINNED_IMAGE,
        ...overrides,
    };
}

export interface KubeObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    [field: string]: any;
}

export interface Rendered {
    workload: Workload;
    component: RecordedResource;
    /** Every Kubernetes object the component created, as the API server would receive it. */
    objects: KubeObject[];
    /** The resources behind `objects`, in the same order. */
    children: RecordedResource[];
    /** All objects of a kind. */
    all(kind: string): KubeObject[];
    /** Exactly one object of a kind (throws otherwise). */
    one(kind: string): KubeObject;
    /** The pod template spec of the Deployment. */
    podSpec: any;
    podLabels: Record<string, string>;
    container: any;
    configData: Record<string, string>;
}

const optionalOutputs = (w: Workload) => [w.hpaName, w.pdbName, w.pvcName].filter((o): o is pulumi.Output<string> => o !== undefined);

/** Constructs the component (names must be unique per process), waits for every registration, and indexes the result. */
export async function renderWorkload(name: string, overrides: Partial<WorkloadArgs> = {}): Promise<Rendered> {
    const workload = new Workload(name, baseArgs(overrides));
    await Promise.all([workload.namespace, workload.serviceName, workload.deploymentName, workload.serviceAccountName, workload.configMapName, ...optionalOutputs(workload)].map(outputValue));
    await recorder.settled();
    const matches = recorder.ofType(WORKLOAD_TYPE).filter((r) => r.name === name);
    if (matches.length !== 1) throw new Error(`expected one component named ${name}, found ${matches.length}`);
    const component = matches[0];
    const pairs = recorder.kubernetesObjects().filter(({ resource }) => resource.parent === component.urn);
    const objects = pairs.map((p) => p.object as KubeObject);
    const all = (kind: string) => objects.filter((o) => o.kind === kind);
    const one = (kind: string) => {
        const found = all(kind);
        if (found.length !== 1) throw new Error(`expected one ${kind} in ${name}, found ${found.length}`);
        return found[0];
    };
    const deployment = one("Deployment");
    const podSpec = deployment.spec.template.spec;
    return {
        workload,
        component,
        objects,
        children: pairs.map((p) => p.resource),
        all,
        one,
        podSpec,
        podLabels: deployment.spec.template.metadata.labels,
        container: podSpec.containers[0],
        configData: one("ConfigMap").data,
    };
}

/** True when a non-empty matchLabels selector selects an object with these labels (an empty selector would select everything). */
export function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
    if (!selector || Object.keys(selector).length === 0) return false;
    return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

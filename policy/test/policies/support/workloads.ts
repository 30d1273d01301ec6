// Fixtures shaped like pod-security-admission's: a minimal pod that passes the restricted level,
// mutated one field per case, then wrapped into every pod-bearing workload kind.
import type { ResourceInit } from "../../../lib/args";

export type Json = Record<string, any>;

export interface PodParts { metadata: Json; spec: Json }

/** Restricted-compliant pod with an init and a regular container. */
export function minimalRestrictedPod(): PodParts {
    const container = (name: string) => ({
        name,
        image: "registry.k8s.io/pause:3.10",
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
    });
    return {
        metadata: { labels: { app: "fixture" } },
        spec: {
            securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            initContainers: [container("initcontainer1")],
            containers: [container("container1")],
        },
    };
}

export interface WorkloadKind {
    kind: string;
    apiVersion: string;
    /** Path of the pod spec inside the object, as policies report it. */
    specPath: string;
    wrap(pod: PodParts, name: string, namespace: string): Json;
}

const template = (pod: PodParts) => ({ metadata: pod.metadata, spec: pod.spec });
const selector = { matchLabels: { app: "fixture" } };

export const workloadKinds: WorkloadKind[] = [
    { kind: "Pod", apiVersion: "v1", specPath: "spec", wrap: (pod, name, namespace) => ({ metadata: { ...pod.metadata, name, namespace }, spec: pod.spec }) },
    { kind: "PodTemplate", apiVersion: "v1", specPath: "template.spec", wrap: (pod, name, namespace) => ({ metadata: { name, namespace }, template: template(pod) }) },
    { kind: "ReplicationController", apiVersion: "v1", specPath: "spec.template.spec", wrap: (pod, name, namespace) => ({ metadata: { name, namespace }, spec: { replicas: 1, selector: { app: "fixture" }, template: template(pod) } }) },
    { kind: "ReplicaSet", apiVersion: "apps/v1", specPath: "spec.template.spec", wrap: (pod, name, namespace) => ({ metadata: { name, namespace }, spec: { selector, template: template(pod) } }) },
    { kind: "Deployment", apiVersion: "apps/v1", specPath: "spec.template.spec", wrap: (pod, name, namespace) => ({ metadata: { name, namespace }, spec: { selector, template: template(pod) } }) },
    { kind: "StatefulSet", apiVersion: "apps/v1", specPath: "spec.template.spec", wrap: (pod, name, namespace) => ({ metadata: { name, namespace }, spec: { serviceName: name, selector, template: template(pod) } }) },
    { kind: "DaemonSet", apiVersion: "apps/v1", specPath: "spec.template.spec", wrap: (pod, name, namespace) => ({ metadata: { name, namespace }, spec: { selector, template: template(pod) } }) },
    { kind: "Job", apiVersion: "batch/v1", specPath: "spec.template.spec", wrap: (pod, name, namespace) => ({ metadata: { name, namespace }, spec: { template: template(pod) } }) },
    { kind: "CronJob", apiVersion: "batch/v1", specPath: "spec.jobTemplate.spec.template.spec", wrap: (pod, name, namespace) => ({ metadata: { name, namespace }, spec: { schedule: "*/5 * * * *", jobTemplate: { spec: { template: template(pod) } } } }) },
];

export function asResource(kind: WorkloadKind, pod: PodParts, name = "fixture", namespace = "apps"): ResourceInit {
    const group = kind.apiVersion.includes("/") ? kind.apiVersion : `core/${kind.apiVersion}`;
    return {
        type: `kubernetes:${group}:${kind.kind}`,
        name,
        props: { apiVersion: kind.apiVersion, kind: kind.kind, ...kind.wrap(pod, name, namespace) },
    };
}

export const podKind: WorkloadKind = workloadKinds[0];

/** A mutated copy of the minimal pod. */
export function podWith(mutate: (pod: PodParts) => void): PodParts {
    const pod = minimalRestrictedPod();
    mutate(pod);
    return pod;
}

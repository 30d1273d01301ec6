// Deterministic benchmark corpus: workload objects of mixed kinds, about half compliant with the
// whole pack (PSS restricted, hygiene, stack), the rest each breaking one or two controls. Each
// namespace also gets the NetworkPolicy and PodDisruptionBudget the stack policies look for.
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { prng } from "./prng";

export interface CorpusStats {
    /** Workload objects (what throughput is counted in). */
    objects: number;
    /** NetworkPolicies and PodDisruptionBudgets added per namespace. */
    supportingObjects: number;
    files: number;
    bytes: number;
    violatingObjects: number;
}

type Obj = Record<string, unknown>;


const COMPLIANT_CONTAINER: Obj = {
    image: "registry.example.com/team/app@sha256:" + "a".repeat(64),
    ports: [{ containerPort: 8080, name: "http" }],
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "400m", memory: "256Mi" } },
    readinessProbe: { httpGet: { path: "/ready", port: "http" } },
    livenessProbe: { httpGet: { path: "/live", port: "http" } },
    securityContext: {
        allowPrivilegeEscalation: false,
        runAsNonRoot: true,
        runAsUser: 10001,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    },
};

/** Each breaks something a PSS or hygiene policy looks at. */
const VIOLATIONS: Array<(pod: Obj, container: Obj) => void> = [
    (_p, c) => ((c.securityContext as Obj).privileged = true),
    (p) => (p.hostNetwork = true),
    (p) => (p.hostPID = true),
    (_p, c) => ((c.securityContext as Obj).runAsNonRoot = false),
    (_p, c) => ((c.securityContext as Obj).allowPrivilegeEscalation = true),
    (_p, c) => ((c.securityContext as Obj).capabilities = { add: ["NET_ADMIN", "SYS_ADMIN"] }),
    (_p, c) => delete c.resources,
    (_p, c) => (c.image = "nginx:latest"),
    (_p, c) => delete c.readinessProbe,
    (p) => (p.volumes = [{ name: "host", hostPath: { path: "/var/run/docker.sock" } }]),
    (_p, c) => ((c.securityContext as Obj).seccompProfile = { type: "Unconfined" }),
    (_p, c) => (c.ports = [{ containerPort: 8080, hostPort: 80 }]),
];

function podSpec(rand: () => number, violating: boolean, restartPolicy?: string): Obj {
    const container = structuredClone(COMPLIANT_CONTAINER);
    container.name = "app";
    const pod: Obj = {
        automountServiceAccountToken: false,
        serviceAccountName: "bench-runner",
        securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } },
        containers: [container],
        ...(restartPolicy ? { restartPolicy } : {}),
    };
    if (violating) {
        const n = 1 + Math.floor(rand() * 2);
        for (let i = 0; i < n; i++) VIOLATIONS[Math.floor(rand() * VIOLATIONS.length)](pod, container);
    }
    return pod;
}

function workload(kind: string, name: string, namespace: string, rand: () => number, violating: boolean): Obj {
    const labels = { "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "bench" };
    const metadata = { name, namespace, labels };
    const template = (restartPolicy?: string) => ({ metadata: { labels }, spec: podSpec(rand, violating, restartPolicy) });
    switch (kind) {
        case "Deployment":
        case "StatefulSet":
        case "ReplicaSet":
            return {
                apiVersion: "apps/v1",
                kind,
                metadata,
                spec: {
                    replicas: 2 + Math.floor(rand() * 3),
                    selector: { matchLabels: labels },
                    ...(kind === "StatefulSet" ? { serviceName: name } : {}),
                    template: template(),
                },
            };
        case "DaemonSet":
            return { apiVersion: "apps/v1", kind, metadata, spec: { selector: { matchLabels: labels }, template: template() } };
        case "Job":
            return { apiVersion: "batch/v1", kind, metadata, spec: { backoffLimit: 2, template: template("Never") } };
        case "CronJob":
            return {
                apiVersion: "batch/v1",
                kind,
                metadata,
                spec: { schedule: "0 3 * * *", jobTemplate: { spec: { template: template("OnFailure") } } },
            };
        default:
            return { apiVersion: "v1", kind: "Pod", metadata, spec: podSpec(rand, violating) };
    }
}

/** What the stack policies want per namespace: a NetworkPolicy and a PDB covering the workloads. */
function namespaceGuards(namespace: string): Obj[] {
    const selector = { matchLabels: { "app.kubernetes.io/part-of": "bench" } };
    return [
        {
            apiVersion: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            metadata: { name: "default-deny", namespace },
            spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
        },
        { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "bench", namespace }, spec: { maxUnavailable: 1, selector } },
    ];
}

const KINDS = ["Deployment", "Deployment", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod", "ReplicaSet"];

/** Writes `count` objects as multi-document YAML files of `perFile` objects, in subfolders per namespace. */
export function generateCorpus(dir: string, count: number, perFile = 50, seed = 42): CorpusStats {
    const rand = prng(seed);
    const stats: CorpusStats = { objects: 0, supportingObjects: 0, files: 0, bytes: 0, violatingObjects: 0 };
    const namespaces = new Set<string>();
    for (let start = 0; start < count; start += perFile) {
        const namespace = `team-${(start / perFile) % 10}`;
        const docs: string[] = [];
        for (let i = start; i < Math.min(count, start + perFile); i++) {
            const violating = rand() < 0.5;
            const kind = KINDS[i % KINDS.length];
            docs.push(stringify(workload(kind, `${kind.toLowerCase()}-${i}`, namespace, rand, violating)));
            stats.objects++;
            if (violating) stats.violatingObjects++;
        }
        if (!namespaces.has(namespace)) {
            namespaces.add(namespace);
            docs.push(...namespaceGuards(namespace).map((o) => stringify(o)));
            stats.supportingObjects += 2;
        }
        const folder = path.join(dir, namespace);
        fs.mkdirSync(folder, { recursive: true });
        const text = docs.join("---\n");
        fs.writeFileSync(path.join(folder, `workloads-${start / perFile}.yaml`), text);
        stats.files++;
        stats.bytes += Buffer.byteLength(text);
    }
    return stats;
}

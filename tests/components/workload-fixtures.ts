// Shared setup for the Workload specs: renders one component under the mock runtime and gives
// typed access to exactly the objects it created (all specs share one process and one recorder).
import { recorder, outputValue, type RecordedResource } from "../harness";
import * as pulumi from "@pulumi/pulumi";
import { Workload, WORKLOAD_TYPE, type WorkloadArgs } from "../../components/workload";

/** What the engine is told about each registration that the shared recorder does not keep. */
export interface RegistrationWiring {
    /** URNs the resource waits for (explicit dependsOn and Outputs it consumes). */
    dependencies: string[];
    /** Provider reference ("<provider urn>::<id>"), empty for the default provider. */
    provider: string;
}

/** Registration wiring by resource name (names are unique per process). */
export const wiring = new Map<string, RegistrationWiring>();

// Wraps the mock monitor (already wrapped by the harness) once, transparently, to see wiring.
const monitor = pulumi.runtime.getMonitor() as { registerResource: (req: any, callback: unknown) => unknown };
const register = monitor.registerResource.bind(monitor);
monitor.registerResource = (req, callback) => {
    wiring.set(req.getName(), { dependencies: req.getDependenciesList(), provider: req.getProvider() });
    return register(req, callback);
};

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

/** Production with every option set to a non-default value. */
export const ALL_OPTIONS_ARGS: Partial<WorkloadArgs> = {
    environment: "production",
    namespace: "websvc-production",
    appVersion: "1.4.2",
    autoscaling: { enabled: true, minReplicas: 3, maxReplicas: 12, targetCpuUtilization: 65, targetMemoryUtilization: 75 },
    resources: {
        requests: { cpu: "250m", memory: "256Mi", ephemeralStorage: "128Mi" },
        limits: { cpu: "1", memory: "512Mi", ephemeralStorage: "256Mi" },
    },
    logLevel: "warn",
    appSettings: { APP_FEATURE_FLAGS: "beta-banner", GREETING: "hello from prod" },
    secretEnv: [
        { envName: "SESSION_KEY", secretKeyRef: { name: pulumi.output("websvc-app-secrets"), key: "session-key" } },
        { envName: "JWT_SIGNING_KEY", secretKeyRef: { name: pulumi.output("websvc-app-secrets"), key: "jwt-signing-key" } },
    ],
    secretsChecksum: pulumi.output("c0ffee"),
    podAnnotations: { "example.com/team": "web", "checksum/config": "attempt-to-override" },
    imagePullSecrets: ["registry-credentials"],
    rbacRules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "watch"], resourceNames: ["feature-flags"] }],
    ingressControllerNamespace: "edge",
    prometheusNamespace: "observability",
    extraEgress: [
        { cidr: "10.20.0.0/16", ports: [{ port: 5432, protocol: "TCP" }] },
        { cidr: "10.30.1.0/24", ports: [{ port: 8125, protocol: "UDP" }, { port: 443 }] },
    ],
    runAsUser: 20000,
    runAsGroup: 20001,
};

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

const NO_AUTOSCALING = { enabled: false, minReplicas: 1, maxReplicas: 1, targetCpuUtilization: 50, targetMemoryUtilization: 50 };

/** Configurations shared by the specs, rendered once per process (see sharedRender). */
export const VARIANTS = {
    "staging-defaults": {},
    "production-all-options": ALL_OPTIONS_ARGS,
    // Several fixed replicas with a volume: the combination a ReadWriteOnce claim would break.
    "fixed-replicas-with-storage": { autoscaling: NO_AUTOSCALING, replicas: 3, storage: { enabled: true, size: "5Gi", storageClassName: "efs-sc", mountPath: "/data" } },
    // Before the preStop sleep action is on by default.
    "kubernetes-1-29": { kubernetesVersion: "1.29" },
} satisfies Record<string, Partial<WorkloadArgs>>;
export type VariantName = keyof typeof VARIANTS;

const shared = new Map<VariantName, Promise<Rendered>>();

/** Renders a shared variant once per mocha process (rendering is the slow part of these specs). */
export function sharedRender(variant: VariantName): Promise<Rendered> {
    let rendered = shared.get(variant);
    if (!rendered) {
        rendered = renderWorkload(`wl-${variant}`, VARIANTS[variant]);
        shared.set(variant, rendered);
    }
    return rendered;
}

/** Overrides for a fixed replica count (autoscaling off). */
export function fixedReplicas(replicas: number): Partial<WorkloadArgs> {
    return { autoscaling: NO_AUTOSCALING, replicas };
}

/** The objects of a render as the policy runner takes them. */
export function asManifests(rendered: Rendered, objects: KubeObject[] = rendered.objects) {
    return rendered.children.map((child, i) => ({ type: child.type, name: child.name, urn: child.urn, props: objects[i] }));
}

const optionalOutputs = (w: Workload) => [w.hpaName, w.pdbName, w.pvcName].filter((o): o is pulumi.Output<string> => o !== undefined);

/** Constructs the component (names must be unique per process), waits for every registration, and indexes the result. */
export async function renderWorkload(name: string, overrides: Partial<WorkloadArgs> = {}, opts?: pulumi.ComponentResourceOptions): Promise<Rendered> {
    const workload = new Workload(name, baseArgs(overrides), opts);
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

// Volume types the Pod Security Standards "restricted" profile allows.
const RESTRICTED_VOLUME_TYPES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];
const SECCOMP_CONFINED = ["RuntimeDefault", "Localhost"];

/**
 * Violations of the PSS "restricted" profile (kubernetes.io/docs/concepts/security/pod-security-standards)
 * plus this project's stricter rules (UID/GID >= minId, read-only root, token automount off), written
 * from those documents, not from the component, so the specs can catch the component drifting.
 */
export function restrictedViolations(podSpec: any, minId: number): string[] {
    const out: string[] = [];
    const pod = podSpec.securityContext ?? {};
    for (const host of ["hostNetwork", "hostPID", "hostIPC"]) if (podSpec[host] === true) out.push(`pod ${host}`);
    if (podSpec.automountServiceAccountToken !== false) out.push("pod automountServiceAccountToken is not false");
    for (const v of podSpec.volumes ?? []) {
        const type = Object.keys(v).find((k) => k !== "name");
        if (!type || !RESTRICTED_VOLUME_TYPES.includes(type)) out.push(`volume ${v.name} has type ${type}`);
    }
    for (const field of ["runAsUser", "runAsGroup", "fsGroup"]) {
        if (!(Number.isInteger(pod[field]) && pod[field] >= minId)) out.push(`pod ${field} ${pod[field]} is not an integer >= ${minId}`);
    }
    const containers = [...(podSpec.initContainers ?? []), ...(podSpec.containers ?? [])];
    if (containers.length === 0) out.push("no containers");
    for (const c of containers) {
        const sc = c.securityContext ?? {};
        const at = `container ${c.name}`;
        if (sc.privileged === true) out.push(`${at} privileged`);
        if (sc.allowPrivilegeEscalation !== false) out.push(`${at} allowPrivilegeEscalation is not false`);
        if (sc.readOnlyRootFilesystem !== true) out.push(`${at} readOnlyRootFilesystem is not true`);
        const runAsNonRoot = sc.runAsNonRoot ?? pod.runAsNonRoot;
        if (runAsNonRoot !== true) out.push(`${at} runAsNonRoot is not true`);
        for (const field of ["runAsUser", "runAsGroup"]) {
            const id = sc[field] ?? pod[field];
            if (!(Number.isInteger(id) && id >= minId)) out.push(`${at} ${field} ${id} is not an integer >= ${minId}`);
        }
        const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
        if (!SECCOMP_CONFINED.includes(seccomp)) out.push(`${at} seccompProfile ${seccomp}`);
        if (!(sc.capabilities?.drop ?? []).includes("ALL")) out.push(`${at} does not drop ALL capabilities`);
        const added = (sc.capabilities?.add ?? []).filter((cap: string) => cap !== "NET_BIND_SERVICE");
        if (added.length > 0) out.push(`${at} adds capabilities ${added.join(",")}`);
        if ((c.ports ?? []).some((p: any) => p.hostPort)) out.push(`${at} uses a hostPort`);
    }
    return out;
}

// The app's Kubernetes workload: a restricted namespace and everything that runs, scales, protects
// and isolates the pods in it. Every security default lives here (mocks do not run transforms, and
// the policy pack should find nothing to complain about), and every number other components need
// (ports, port names, UID) is exported so nobody repeats it.
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { parseQuantity, type Environment } from "../config";
import { recommendedLabels, selectorLabels as appSelectorLabels, type AppIdentity } from "./lib/labels";
import {
    assertNonRootIds,
    DEFAULT_RUN_AS_USER,
    kubernetesMinor,
    podSecurityLabels,
    restrictedContainerSecurityContext,
    restrictedPodSecurityContext,
    type RunAsIds,
} from "./lib/pod-security";

type ContainerInput = k8s.types.input.core.v1.Container;
type PodSpecInput = k8s.types.input.core.v1.PodSpec;

export const WORKLOAD_TYPE = "websvc:workload:Workload";

// ---------------------------------------------------------------- exported defaults and contracts

/** Container ports the app listens on (app/src/config.ts defaults). */
export const APP_PORT = 8080;
export const METRICS_PORT = 9090;
/** Port names: the Service, probes, NetworkPolicies, Ingress and ServiceMonitor all refer to ports by these names. */
export const HTTP_PORT_NAME = "http";
export const METRICS_PORT_NAME = "metrics";
/** Service ports (what clients inside the cluster dial). */
export const SERVICE_HTTP_PORT = 80;
export const SERVICE_METRICS_PORT = METRICS_PORT;
export const HEALTH_PATH = "/healthz";
export const READINESS_PATH = "/readyz";
export const METRICS_PATH = "/metrics";
export const CONTAINER_NAME = "app";
/** app.kubernetes.io/component of every object this component renders. */
export const WORKLOAD_COMPONENT = "server";

export { DEFAULT_RUN_AS_USER, MIN_NON_ROOT_ID } from "./lib/pod-security";
export type { Environment } from "../config";

/** The app's own default drain deadline (SHUTDOWN_TIMEOUT_SECONDS), kept here as the component default. */
export const DEFAULT_SHUTDOWN_TIMEOUT_SECONDS = 25;
/** Time for endpoint removal to reach kube-proxy and the ingress controller before the app stops accepting. */
export const DEFAULT_PRESTOP_SLEEP_SECONDS = 5;
/** Slack between the app's own deadline and the kubelet's SIGKILL, so the app always exits on its own terms. */
export const TERMINATION_GRACE_MARGIN_SECONDS = 5;
/** The preStop `sleep` action is on by default from 1.30 (beta; alpha in 1.29, GA in 1.34). */
export const SLEEP_ACTION_MIN_MINOR = 30;

export const TMP_MOUNT_PATH = "/tmp";
export const DEFAULT_TMP_SIZE_LIMIT = "64Mi";

export const CONFIG_CHECKSUM_ANNOTATION = "checksum/config";
export const SECRETS_CHECKSUM_ANNOTATION = "checksum/secrets";

/** Surge one new pod, never take an old one away before its replacement is Ready. */
export const ROLLING_UPDATE = { maxSurge: 1, maxUnavailable: 0 } as const;

export const DEFAULT_REPLICAS = 2;
export const DEFAULT_AUTOSCALING: AutoscalingArgs = {
    enabled: true,
    minReplicas: 2,
    maxReplicas: 6,
    targetCpuUtilization: 70,
    targetMemoryUtilization: 80,
};
export const DEFAULT_RESOURCES: ResourceArgs = {
    requests: { cpu: "100m", memory: "128Mi", ephemeralStorage: "64Mi" },
    // Limits at most 4x requests (the policy pack's default hygiene-resources ratio).
    limits: { cpu: "400m", memory: "256Mi", ephemeralStorage: "128Mi" },
};
export const DEFAULT_LOG_LEVEL: LogLevel = "info";
export const DEFAULT_INGRESS_CONTROLLER_NAMESPACE = "ingress-nginx";
export const DEFAULT_PROMETHEUS_NAMESPACE = "monitoring";
export const DEFAULT_STORAGE: StorageArgs = { enabled: false, size: "1Gi", mountPath: "/data" };

/**
 * HPA behaviour: scale up fast (a load spike must not wait), scale down slowly (5-minute window,
 * then at most the smaller of 50% or 2 pods a minute) so a brief lull does not strip capacity.
 */
export const HPA_BEHAVIOR = {
    scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: "Max",
        policies: [
            { type: "Percent", value: 100, periodSeconds: 60 },
            { type: "Pods", value: 2, periodSeconds: 60 },
        ],
    },
    scaleDown: {
        stabilizationWindowSeconds: 300,
        selectPolicy: "Min",
        policies: [
            { type: "Percent", value: 50, periodSeconds: 60 },
            { type: "Pods", value: 2, periodSeconds: 60 },
        ],
    },
} as const;

/** Verbs the app's Role may grant: it reads cluster state, it never changes it. */
export const READ_ONLY_VERBS = ["get", "list", "watch"] as const;
/** Settings whose name contains one of these words belong in a Secret, not in the ConfigMap. */
export const SECRET_LOOKING_WORDS = ["SECRET", "PASSWORD", "PASSWD", "TOKEN", "KEY", "APIKEY", "CREDENTIAL", "CREDENTIALS", "PRIVATE"] as const;

// ---------------------------------------------------------------- args

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface ResourceQuantities {
    cpu: string;
    memory: string;
    ephemeralStorage: string;
}

export interface ResourceArgs {
    requests: ResourceQuantities;
    limits: ResourceQuantities;
}

export interface AutoscalingArgs {
    enabled: boolean;
    minReplicas: number;
    maxReplicas: number;
    /** Average CPU utilization, percent of requests. */
    targetCpuUtilization: number;
    /** Average memory utilization, percent of requests. */
    targetMemoryUtilization: number;
}

/** One secret environment variable: always a reference, never a value. Matches AppSecrets.envFrom. */
export interface SecretEnvVar {
    envName: string;
    secretKeyRef: { name: pulumi.Input<string>; key: string };
}

export interface StorageArgs {
    enabled: boolean;
    /** Requested size, e.g. "1Gi". */
    size: string;
    /** Must provision ReadWriteMany volumes (NFS, EFS, Filestore, CephFS...); the cluster default usually cannot. */
    storageClassName?: string;
    /** Absolute path in the container. */
    mountPath: string;
}

export interface RbacRule {
    apiGroups: string[];
    resources: string[];
    verbs: Array<(typeof READ_ONLY_VERBS)[number]>;
    resourceNames?: string[];
}

export interface EgressRule {
    /** IPv4 CIDR the pods may connect to. */
    cidr: string;
    ports: Array<{ port: number; protocol?: "TCP" | "UDP" }>;
}

/**
 * Structural settings (replicas, autoscaling, storage, RBAC...) are plain values on purpose: they
 * decide which objects exist and are checked arithmetically here, so they must be known when the
 * component is constructed. Values that come from other resources are Inputs.
 */
export interface WorkloadArgs {
    /** app.kubernetes.io/name, e.g. "websvc". */
    appName: string;
    environment: Environment;
    /** Namespace to create (an API contract: other stacks and people address the app by it). */
    namespace: string;
    /** Cluster minor version, e.g. "1.34": pins the Pod Security labels and gates newer API fields. */
    kubernetesVersion: string;
    /** Image reference; digest-pinned (repo@sha256:...) in production. */
    image: pulumi.Input<string>;
    /** app.kubernetes.io/instance; default `${appName}-${environment}`. */
    instance?: string;
    /** app.kubernetes.io/version, when it is a valid label value (an image digest is not). */
    appVersion?: string;
    /** Fixed replica count, used only when autoscaling is disabled. Default DEFAULT_REPLICAS. */
    replicas?: number;
    autoscaling?: AutoscalingArgs;
    resources?: ResourceArgs;
    logLevel?: LogLevel;
    /** Non-secret settings, delivered as APP_* variables (a missing APP_ prefix is added). */
    appSettings?: Record<string, string>;
    /** Secret variables, each a secretKeyRef (e.g. AppSecrets.envFrom). */
    secretEnv?: SecretEnvVar[];
    /** Changes whenever a referenced secret changes (e.g. AppSecrets.rolloutChecksum); required with secretEnv. */
    secretsChecksum?: pulumi.Input<string>;
    /** Extra pod-template annotations. The checksum annotations always win. */
    podAnnotations?: Record<string, pulumi.Input<string>>;
    /** Names of docker-registry Secrets in the namespace for pulling the image. */
    imagePullSecrets?: pulumi.Input<string>[];
    storage?: StorageArgs;
    /**
     * Namespaced read-only API access for the app. Non-empty creates a Role, a RoleBinding and a
     * projected, expiring token mount. The API server must also be reachable: add its address and
     * port to extraEgress (NetworkPolicy cannot name it portably).
     */
    rbacRules?: RbacRule[];
    /** Namespace whose pods may reach the http port. Default DEFAULT_INGRESS_CONTROLLER_NAMESPACE. */
    ingressControllerNamespace?: string;
    /** Namespace whose pods may scrape the metrics port. Default DEFAULT_PROMETHEUS_NAMESPACE. */
    prometheusNamespace?: string;
    /** Egress allowed beyond cluster DNS. */
    extraEgress?: EgressRule[];
    /** Default DEFAULT_RUN_AS_USER; must be >= MIN_NON_ROOT_ID. */
    runAsUser?: number;
    /** Default: runAsUser. */
    runAsGroup?: number;
    shutdownTimeoutSeconds?: number;
    preStopSleepSeconds?: number;
    /** sizeLimit of the /tmp emptyDir; must fit in the ephemeral-storage limit. */
    tmpSizeLimit?: string;
}

/** What ingress and monitoring need to address the Service. */
export interface ServicePortInfo {
    name: string;
    port: number;
    targetPort: string;
}

// ---------------------------------------------------------------- pure helpers (exported for tests and reuse)

export interface ShutdownPlan {
    /** preStop sleep seconds, when the cluster supports the sleep action. */
    preStopSleepSeconds?: number;
    /** SHUTDOWN_DELAY_SECONDS for the app, used instead of preStop on older clusters. */
    appShutdownDelaySeconds?: number;
    shutdownTimeoutSeconds: number;
    terminationGracePeriodSeconds: number;
}

/**
 * The termination sequence. The grace period runs from the start of preStop, so it must cover
 * preStop + the app's own drain deadline, plus a margin so the app, not SIGKILL, ends the process.
 * Before 1.30 there is no sleep action, and an exec preStop would depend on a shell and a `sleep`
 * binary in the image (a distroless image has neither, and ours should not need them). There the
 * app does the waiting itself: SHUTDOWN_DELAY_SECONDS keeps it serving (with /readyz failing)
 * inside its shutdown deadline, so the grace period needs no extra preStop term.
 */
export function shutdownPlan(kubernetesVersion: string, preStopSleepSeconds: number, shutdownTimeoutSeconds: number): ShutdownPlan {
    if (!Number.isInteger(preStopSleepSeconds) || preStopSleepSeconds < 1) {
        throw new Error(`preStopSleepSeconds must be an integer >= 1, got ${preStopSleepSeconds}`);
    }
    if (!Number.isInteger(shutdownTimeoutSeconds) || shutdownTimeoutSeconds < 1) {
        throw new Error(`shutdownTimeoutSeconds must be an integer >= 1, got ${shutdownTimeoutSeconds}`);
    }
    if (kubernetesMinor(kubernetesVersion) >= SLEEP_ACTION_MIN_MINOR) {
        return {
            preStopSleepSeconds,
            shutdownTimeoutSeconds,
            terminationGracePeriodSeconds: preStopSleepSeconds + shutdownTimeoutSeconds + TERMINATION_GRACE_MARGIN_SECONDS,
        };
    }
    if (preStopSleepSeconds >= shutdownTimeoutSeconds) {
        // The app refuses SHUTDOWN_DELAY_SECONDS >= SHUTDOWN_TIMEOUT_SECONDS and would crash-loop.
        throw new Error(`preStopSleepSeconds (${preStopSleepSeconds}) must be less than shutdownTimeoutSeconds (${shutdownTimeoutSeconds}) before Kubernetes 1.${SLEEP_ACTION_MIN_MINOR}, where the app does the delay itself`);
    }
    return {
        appShutdownDelaySeconds: preStopSleepSeconds,
        shutdownTimeoutSeconds,
        terminationGracePeriodSeconds: shutdownTimeoutSeconds + TERMINATION_GRACE_MARGIN_SECONDS,
    };
}

/**
 * PodDisruptionBudget spec for a workload that never runs fewer than `minReplicas` pods, or
 * undefined when a budget cannot help (one replica: any budget either blocks node drains forever
 * or allows the only pod to go).
 *
 * We use maxUnavailable: 1 rather than a fixed minAvailable. With N running pods (N >= minReplicas
 * >= 2) evictions may take exactly one pod at a time, so a drain leaves N - 1 >= minReplicas - 1 >= 1
 * pods serving, and always allows one disruption, so drains are never blocked. A fixed
 * minAvailable = minReplicas - 1 gives the same at N = minReplicas, but once the HPA has scaled to
 * N pods it would allow N - minReplicas + 1 simultaneous evictions, stripping the capacity the HPA
 * just added. Rollouts do not count against the budget (it only gates evictions); they are kept at
 * full capacity by maxUnavailable 0 / maxSurge 1 in the Deployment strategy.
 */
export function disruptionBudgetFor(minReplicas: number, kubernetesVersion: string): { maxUnavailable: number; unhealthyPodEvictionPolicy?: string } | undefined {
    if (minReplicas < 2) return undefined;
    return {
        maxUnavailable: 1,
        // A crash-looping pod is not "disrupted" by eviction; without this it blocks drains (beta and on by default from 1.27).
        ...(kubernetesMinor(kubernetesVersion) >= 27 ? { unhealthyPodEvictionPolicy: "AlwaysAllow" } : {}),
    };
}

/**
 * Spread across zones and nodes. maxSkew 1 keeps replicas balanced.
 * - Zones: a hard rule (DoNotSchedule) in production, so losing a zone never takes every replica;
 *   with 2+ zones this also puts the first replicas on different nodes. ScheduleAnyway in staging,
 *   whose clusters are often single-zone or small and where Pending pods would only cost time.
 * - Nodes: soft everywhere. A hard per-node rule leaves pods Pending whenever one node of a small
 *   pool is full or cordoned, which hurts availability more than two replicas sharing a node.
 * nodeTaintsPolicy Honor (1.26+) keeps tainted (e.g. unreachable) nodes out of the skew count so a
 * dead zone cannot block scheduling elsewhere; matchLabelKeys pod-template-hash (1.27+) balances each
 * rollout's ReplicaSet on its own instead of counting the old pods that are about to go.
 */
export function topologySpreadConstraints(environment: Environment, selector: Record<string, string>, kubernetesVersion: string): k8s.types.input.core.v1.TopologySpreadConstraint[] {
    const minor = kubernetesMinor(kubernetesVersion);
    const common = {
        maxSkew: 1,
        labelSelector: { matchLabels: selector },
        ...(minor >= 26 ? { nodeTaintsPolicy: "Honor" } : {}),
        ...(minor >= 27 ? { matchLabelKeys: ["pod-template-hash"] } : {}),
    };
    return [
        { ...common, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: environment === "production" ? "DoNotSchedule" : "ScheduleAnyway" },
        { ...common, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway" },
    ];
}

/** True for names such as SESSION_KEY or APP_DB_PASSWORD, which must come from a Secret. */
export function looksSecret(envName: string): boolean {
    const words = envName.toUpperCase().split(/[^A-Z0-9]+/);
    return words.some((w) => (SECRET_LOOKING_WORDS as readonly string[]).includes(w));
}

// Values that are credentials whatever their key is called: PEM private keys and JWTs.
const SECRET_LOOKING_VALUES = [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/];

/** True for a value that is itself a credential (a PEM private key, a JWT). */
export function looksSecretValue(value: string): boolean {
    return SECRET_LOOKING_VALUES.some((pattern) => pattern.test(value.trim()));
}

/** The APP_* variable name for a setting key ("GREETING" and "APP_GREETING" both give "APP_GREETING"). */
export function appSettingName(key: string): string {
    return key.startsWith("APP_") ? key : `APP_${key}`;
}

/** sha256 of the data with sorted keys, so the same settings always give the same pod template. */
export function contentChecksum(data: Record<string, string>): string {
    const canonical = JSON.stringify(Object.keys(data).sort().map((k) => [k, data[k]]));
    return crypto.createHash("sha256").update(canonical).digest("hex");
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The ConfigMap's content: the app's runtime settings (never secrets). */
export function appConfigData(options: {
    appName: string;
    environment: Environment;
    logLevel: LogLevel;
    shutdown: ShutdownPlan;
    appSettings: Record<string, string>;
}): Record<string, string> {
    const data: Record<string, string> = {
        APP_NAME: options.appName,
        APP_ENVIRONMENT: options.environment,
    };
    for (const [key, value] of Object.entries(options.appSettings)) {
        const name = appSettingName(key);
        if (!ENV_NAME.test(name)) throw new Error(`appSettings key ${JSON.stringify(key)} is not a valid environment variable name`);
        if (looksSecret(name) || looksSecretValue(value)) {
            throw new Error(`appSettings key ${JSON.stringify(key)} looks like a secret; pass it through secretEnv (a Secret reference), never a ConfigMap`);
        }
        data[name] = value;
    }
    // Runtime settings last: an app setting can never override them (they are not APP_* anyway).
    data.LOG_LEVEL = options.logLevel;
    data.PORT = String(APP_PORT);
    data.METRICS_PORT = String(METRICS_PORT);
    data.SHUTDOWN_TIMEOUT_SECONDS = String(options.shutdown.shutdownTimeoutSeconds);
    if (options.shutdown.appShutdownDelaySeconds !== undefined) {
        data.SHUTDOWN_DELAY_SECONDS = String(options.shutdown.appShutdownDelaySeconds);
    }
    return data;
}

function checkRbacRules(rules: RbacRule[]): void {
    rules.forEach((rule, i) => {
        const where = `rbacRules[${i}]`;
        if (rule.resources.length === 0 || rule.verbs.length === 0) throw new Error(`${where} must name at least one resource and one verb`);
        for (const verb of rule.verbs) {
            if (!(READ_ONLY_VERBS as readonly string[]).includes(verb)) {
                throw new Error(`${where}: verb ${JSON.stringify(verb)} is not allowed; the app's Role is read-only (${READ_ONLY_VERBS.join(", ")})`);
            }
        }
        for (const [field, values] of [["apiGroups", rule.apiGroups], ["resources", rule.resources], ["resourceNames", rule.resourceNames ?? []]] as const) {
            if (values.some((v) => v.includes("*"))) throw new Error(`${where}.${field} must not use wildcards`);
        }
        // list/watch on Secrets return every value in the namespace: only get by name is least-privilege.
        if (rule.resources.includes("secrets") && (rule.verbs.some((v) => v !== "get") || !rule.resourceNames?.length)) {
            throw new Error(`${where}: Secrets may only be read with "get" on named resources (resourceNames)`);
        }
    });
}

function checkResources(resources: ResourceArgs, tmpSizeLimit: string): void {
    for (const r of ["cpu", "memory", "ephemeralStorage"] as const) {
        if (parseQuantity(resources.limits[r]) < parseQuantity(resources.requests[r])) {
            throw new Error(`resources.limits.${r} (${resources.limits[r]}) must be >= resources.requests.${r} (${resources.requests[r]})`);
        }
    }
    // The emptyDir counts against the container's ephemeral-storage limit; a larger /tmp would only get the pod evicted.
    if (parseQuantity(tmpSizeLimit) >= parseQuantity(resources.limits.ephemeralStorage)) {
        throw new Error(`tmpSizeLimit (${tmpSizeLimit}) must be smaller than resources.limits.ephemeralStorage (${resources.limits.ephemeralStorage})`);
    }
}

function checkReplicas(environment: Environment, replicas: number, autoscaling: AutoscalingArgs): void {
    if (autoscaling.enabled) {
        if (!Number.isInteger(autoscaling.minReplicas) || autoscaling.minReplicas < 1) throw new Error(`autoscaling.minReplicas must be an integer >= 1, got ${autoscaling.minReplicas}`);
        if (autoscaling.maxReplicas < autoscaling.minReplicas) throw new Error(`autoscaling.maxReplicas (${autoscaling.maxReplicas}) must be >= minReplicas (${autoscaling.minReplicas})`);
    } else if (!Number.isInteger(replicas) || replicas < 1) {
        throw new Error(`replicas must be an integer >= 1, got ${replicas}`);
    }
    const minimum = autoscaling.enabled ? autoscaling.minReplicas : replicas;
    if (environment === "production" && minimum < 2) {
        throw new Error(`production needs at least 2 replicas (a single replica cannot survive a node drain), got ${minimum}`);
    }
}

/** Production images must be immutable references. Runs when the image is known (it may come from a build). */
function checkImage(environment: Environment, image: string): string {
    if (/:latest(@|$)/.test(image)) throw new Error(`image must not use the mutable "latest" tag, got ${image}`);
    if (environment === "production" && !/@sha256:[a-f0-9]{64}$/.test(image)) {
        throw new Error(`image must be pinned by digest (repo@sha256:...) in production, got ${image}`);
    }
    return image;
}

/** Args with every default applied and every impossible combination refused. */
function resolveSettings(args: WorkloadArgs) {
    const environment = args.environment;
    const kubernetesVersion = args.kubernetesVersion;
    const autoscaling = args.autoscaling ?? DEFAULT_AUTOSCALING;
    const replicas = args.replicas ?? DEFAULT_REPLICAS;
    const resources = args.resources ?? DEFAULT_RESOURCES;
    const tmpSizeLimit = args.tmpSizeLimit ?? DEFAULT_TMP_SIZE_LIMIT;
    const storage = args.storage ?? DEFAULT_STORAGE;
    const rbacRules = args.rbacRules ?? [];
    const secretEnv = args.secretEnv ?? [];
    const runAsUser = args.runAsUser ?? DEFAULT_RUN_AS_USER;
    const ids: RunAsIds = { runAsUser, runAsGroup: args.runAsGroup ?? runAsUser };
    assertNonRootIds(ids);
    const shutdown = shutdownPlan(kubernetesVersion, args.preStopSleepSeconds ?? DEFAULT_PRESTOP_SLEEP_SECONDS, args.shutdownTimeoutSeconds ?? DEFAULT_SHUTDOWN_TIMEOUT_SECONDS);
    checkReplicas(environment, replicas, autoscaling);
    checkResources(resources, tmpSizeLimit);
    checkRbacRules(rbacRules);
    const configData = appConfigData({ appName: args.appName, environment, logLevel: args.logLevel ?? DEFAULT_LOG_LEVEL, shutdown, appSettings: args.appSettings ?? {} });
    for (const v of secretEnv) {
        if (!ENV_NAME.test(v.envName)) throw new Error(`secretEnv name ${JSON.stringify(v.envName)} is not a valid environment variable name`);
        if (v.envName in configData) throw new Error(`secretEnv ${v.envName} collides with a ConfigMap setting`);
    }
    if (new Set(secretEnv.map((v) => v.envName)).size !== secretEnv.length) throw new Error("secretEnv names must be unique");
    if (secretEnv.length > 0 && args.secretsChecksum === undefined) {
        // Env vars are read at container start: without a checksum in the pod template, a rotated secret never reaches the pods.
        throw new Error("secretsChecksum is required when secretEnv is set, so rotating a secret rolls the pods");
    }
    // A plain string is checked now; an Output (e.g. a fresh build's digest) when it resolves.
    if (typeof args.image === "string") checkImage(environment, args.image);
    if (storage.enabled && !storage.mountPath.startsWith("/")) throw new Error(`storage.mountPath must be absolute, got ${storage.mountPath}`);
    if (storage.enabled && storage.mountPath === TMP_MOUNT_PATH) throw new Error(`storage.mountPath must not be ${TMP_MOUNT_PATH}`);
    return { environment, kubernetesVersion, autoscaling, replicas, resources, tmpSizeLimit, storage, rbacRules, secretEnv, ids, shutdown, configData };
}

function toResourceList(q: ResourceQuantities): Record<string, string> {
    return { cpu: q.cpu, memory: q.memory, "ephemeral-storage": q.ephemeralStorage };
}

function httpProbe(path: string, timing: { periodSeconds: number; failureThreshold: number; timeoutSeconds?: number }) {
    return { httpGet: { path, port: HTTP_PORT_NAME, scheme: "HTTP" }, timeoutSeconds: 2, successThreshold: 1, ...timing };
}

const namespaceSelector = (namespace: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } } });

// Where the projected API token goes: the path client libraries look in by default.
const SERVICE_ACCOUNT_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";
const API_TOKEN_EXPIRATION_SECONDS = 3600;

// ---------------------------------------------------------------- the component

export class Workload extends pulumi.ComponentResource {
    /** Namespace name (resolves after the Namespace exists, so dependents wait for it). */
    readonly namespace: pulumi.Output<string>;
    readonly serviceName: pulumi.Output<string>;
    readonly servicePorts: { http: ServicePortInfo; metrics: ServicePortInfo };
    readonly deploymentName: pulumi.Output<string>;
    readonly serviceAccountName: pulumi.Output<string>;
    readonly configMapName: pulumi.Output<string>;
    /** Present when autoscaling is enabled. */
    readonly hpaName?: pulumi.Output<string>;
    /** Present when the minimum replica count is >= 2. */
    readonly pdbName?: pulumi.Output<string>;
    /** Present when storage is enabled. */
    readonly pvcName?: pulumi.Output<string>;
    /** Labels that select the app's pods (Service, PDB, NetworkPolicy, ServiceMonitor). */
    readonly selectorLabels: Record<string, string>;
    /** Full recommended label set of the app's objects. */
    readonly labels: Record<string, string>;
    /** sha256 of the ConfigMap data (also the pod-template annotation CONFIG_CHECKSUM_ANNOTATION). */
    readonly configChecksum: string;
    readonly namespaceResource: k8s.core.v1.Namespace;
    readonly deployment: k8s.apps.v1.Deployment;
    readonly service: k8s.core.v1.Service;

    constructor(name: string, args: WorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
        // Everything is checked before the component registers, so a bad argument creates nothing.
        const settings = resolveSettings(args);
        super(WORKLOAD_TYPE, name, {}, opts);
        const { environment, kubernetesVersion, autoscaling, replicas, resources, tmpSizeLimit, storage, rbacRules, secretEnv, ids, shutdown, configData } = settings;

        const id: AppIdentity = { name: args.appName, instance: args.instance ?? `${args.appName}-${environment}`, version: args.appVersion, environment };
        this.selectorLabels = appSelectorLabels(id);
        this.labels = recommendedLabels(id, WORKLOAD_COMPONENT);
        this.configChecksum = contentChecksum(configData);
        const childOpts = { parent: this };
        const meta = () => ({ namespace: this.namespace, labels: this.labels });

        // ---- namespace, identity, settings
        this.namespaceResource = new k8s.core.v1.Namespace(`${name}-ns`, {
            metadata: { name: args.namespace, labels: { ...this.labels, ...podSecurityLabels("restricted", kubernetesVersion) } },
        }, childOpts);
        this.namespace = this.namespaceResource.metadata.name;

        const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-sa`, {
            metadata: meta(),
            automountServiceAccountToken: false,
        }, childOpts);
        this.serviceAccountName = serviceAccount.metadata.name;

        if (rbacRules.length > 0) {
            const role = new k8s.rbac.v1.Role(`${name}-reader`, { metadata: meta(), rules: rbacRules }, childOpts);
            new k8s.rbac.v1.RoleBinding(`${name}-reader`, {
                metadata: meta(),
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
                subjects: [{ kind: "ServiceAccount", name: serviceAccount.metadata.name, namespace: this.namespace }],
            }, childOpts);
        }

        const configMap = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: meta(), data: configData }, childOpts);
        this.configMapName = configMap.metadata.name;

        let claim: k8s.core.v1.PersistentVolumeClaim | undefined;
        if (storage.enabled) {
            // ReadWriteMany, always: with RollingUpdate (maxSurge 1) even one replica briefly runs two
            // pods, possibly on two nodes, and a ReadWriteOnce volume would leave the new pod stuck
            // attaching while the old one keeps it (a rollout that can never finish). The storage class
            // must support RWX; one that cannot leaves the claim Pending, visibly, at the first deploy.
            claim = new k8s.core.v1.PersistentVolumeClaim(`${name}-data`, {
                metadata: meta(),
                spec: {
                    accessModes: ["ReadWriteMany"],
                    volumeMode: "Filesystem",
                    resources: { requests: { storage: storage.size } },
                    ...(storage.storageClassName ? { storageClassName: storage.storageClassName } : {}),
                },
            }, childOpts);
            this.pvcName = claim.metadata.name;
        }

        // ---- network isolation: deny everything in the namespace, then open exactly what the app needs.
        // Kubelet probes come from the node, which NetworkPolicy implementations do not filter.
        const denyAll = new k8s.networking.v1.NetworkPolicy(`${name}-default-deny`, {
            metadata: meta(),
            spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
        }, childOpts);
        const allowApp = new k8s.networking.v1.NetworkPolicy(`${name}-allow`, {
            metadata: meta(),
            spec: {
                podSelector: { matchLabels: this.selectorLabels },
                policyTypes: ["Ingress", "Egress"],
                ingress: [
                    { from: [namespaceSelector(args.ingressControllerNamespace ?? DEFAULT_INGRESS_CONTROLLER_NAMESPACE)], ports: [{ protocol: "TCP", port: HTTP_PORT_NAME }] },
                    { from: [namespaceSelector(args.prometheusNamespace ?? DEFAULT_PROMETHEUS_NAMESPACE)], ports: [{ protocol: "TCP", port: METRICS_PORT_NAME }] },
                ],
                egress: [
                    {
                        to: [{ ...namespaceSelector("kube-system"), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
                        ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
                    },
                    ...(args.extraEgress ?? []).map((e) => ({
                        to: [{ ipBlock: { cidr: e.cidr } }],
                        ports: e.ports.map((p) => ({ protocol: p.protocol ?? "TCP", port: p.port })),
                    })),
                ],
            },
        }, childOpts);

        // ---- pods
        const volumes: k8s.types.input.core.v1.Volume[] = [{ name: "tmp", emptyDir: { sizeLimit: tmpSizeLimit } }];
        const volumeMounts: k8s.types.input.core.v1.VolumeMount[] = [{ name: "tmp", mountPath: TMP_MOUNT_PATH }];
        if (claim) {
            volumes.push({ name: "data", persistentVolumeClaim: { claimName: claim.metadata.name } });
            volumeMounts.push({ name: "data", mountPath: storage.mountPath });
        }
        if (rbacRules.length > 0) {
            // The token is mounted explicitly (automount stays off): expiring (the kubelet rotates it) and read-only.
            volumes.push({
                name: "api-token",
                projected: {
                    sources: [
                        { serviceAccountToken: { path: "token", expirationSeconds: API_TOKEN_EXPIRATION_SECONDS } },
                        { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
                        { downwardAPI: { items: [{ path: "namespace", fieldRef: { fieldPath: "metadata.namespace" } }] } },
                    ],
                },
            });
            volumeMounts.push({ name: "api-token", mountPath: SERVICE_ACCOUNT_MOUNT, readOnly: true });
        }

        const container: ContainerInput = {
            name: CONTAINER_NAME,
            image: pulumi.output(args.image).apply((image) => checkImage(environment, image)),
            imagePullPolicy: "IfNotPresent",
            ports: [
                { name: HTTP_PORT_NAME, containerPort: APP_PORT, protocol: "TCP" },
                { name: METRICS_PORT_NAME, containerPort: METRICS_PORT, protocol: "TCP" },
            ],
            envFrom: [{ configMapRef: { name: configMap.metadata.name } }],
            // Secrets only as references: the value never passes through Pulumi inputs or the pod spec.
            ...(secretEnv.length > 0 ? { env: secretEnv.map((v) => ({ name: v.envName, valueFrom: { secretKeyRef: { name: v.secretKeyRef.name, key: v.secretKeyRef.key, optional: false } } })) } : {}),
            resources: { requests: toResourceList(resources.requests), limits: toResourceList(resources.limits) },
            securityContext: restrictedContainerSecurityContext(ids),
            // Startup gets up to 60s; after that liveness restarts a hung process and readiness
            // (failing fast, and 503 while draining) takes the pod out of the Service.
            startupProbe: httpProbe(HEALTH_PATH, { periodSeconds: 2, failureThreshold: 30 }),
            livenessProbe: httpProbe(HEALTH_PATH, { periodSeconds: 10, failureThreshold: 3 }),
            readinessProbe: httpProbe(READINESS_PATH, { periodSeconds: 5, failureThreshold: 2 }),
            ...(shutdown.preStopSleepSeconds !== undefined ? { lifecycle: { preStop: { sleep: { seconds: shutdown.preStopSleepSeconds } } } } : {}),
            volumeMounts,
            terminationMessagePolicy: "FallbackToLogsOnError",
        };

        const podSpec: PodSpecInput = {
            serviceAccountName: serviceAccount.metadata.name,
            automountServiceAccountToken: false,
            // Service env vars (FOO_SERVICE_HOST...) are legacy noise and can shadow real settings.
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(ids, { hasPersistentVolume: storage.enabled }),
            terminationGracePeriodSeconds: shutdown.terminationGracePeriodSeconds,
            topologySpreadConstraints: topologySpreadConstraints(environment, this.selectorLabels, kubernetesVersion),
            containers: [container],
            volumes,
            ...(args.imagePullSecrets?.length ? { imagePullSecrets: args.imagePullSecrets.map((n) => ({ name: n })) } : {}),
        };

        const podAnnotations: Record<string, pulumi.Input<string>> = {
            ...(args.podAnnotations ?? {}),
            "kubectl.kubernetes.io/default-container": CONTAINER_NAME,
            [CONFIG_CHECKSUM_ANNOTATION]: this.configChecksum,
            ...(args.secretsChecksum !== undefined ? { [SECRETS_CHECKSUM_ANNOTATION]: args.secretsChecksum } : {}),
        };

        // dependsOn: no pod may start before the NetworkPolicies exist, not even briefly unrestricted.
        this.deployment = new k8s.apps.v1.Deployment(`${name}-deploy`, {
            metadata: meta(),
            spec: {
                // With an HPA the controller owns the count: declaring it too makes server-side apply
                // fight the HPA on every update (pulumi-kubernetes #2491). A new Deployment starts at the
                // API default of 1 and the HPA raises it to minReplicas on its next sync (15s).
                ...(autoscaling.enabled ? {} : { replicas }),
                selector: { matchLabels: this.selectorLabels },
                strategy: { type: "RollingUpdate", rollingUpdate: { ...ROLLING_UPDATE } },
                revisionHistoryLimit: 5,
                minReadySeconds: 5,
                progressDeadlineSeconds: 600,
                template: {
                    metadata: { labels: this.labels, annotations: podAnnotations },
                    spec: podSpec,
                },
            },
        }, { ...childOpts, dependsOn: [denyAll, allowApp] });
        this.deploymentName = this.deployment.metadata.name;

        // ---- traffic
        this.servicePorts = {
            http: { name: HTTP_PORT_NAME, port: SERVICE_HTTP_PORT, targetPort: HTTP_PORT_NAME },
            metrics: { name: METRICS_PORT_NAME, port: SERVICE_METRICS_PORT, targetPort: METRICS_PORT_NAME },
        };
        this.service = new k8s.core.v1.Service(`${name}-svc`, {
            metadata: meta(),
            spec: {
                type: "ClusterIP",
                selector: this.selectorLabels,
                ports: Object.values(this.servicePorts).map((p) => ({ ...p, protocol: "TCP", appProtocol: "http" })),
            },
        }, childOpts);
        this.serviceName = this.service.metadata.name;

        // ---- scaling and disruption
        if (autoscaling.enabled) {
            const hpa = new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-hpa`, {
                metadata: meta(),
                spec: {
                    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: this.deployment.metadata.name },
                    minReplicas: autoscaling.minReplicas,
                    maxReplicas: autoscaling.maxReplicas,
                    metrics: [
                        { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: autoscaling.targetCpuUtilization } } },
                        { type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: autoscaling.targetMemoryUtilization } } },
                    ],
                    behavior: {
                        scaleUp: { ...HPA_BEHAVIOR.scaleUp, policies: [...HPA_BEHAVIOR.scaleUp.policies] },
                        scaleDown: { ...HPA_BEHAVIOR.scaleDown, policies: [...HPA_BEHAVIOR.scaleDown.policies] },
                    },
                },
            }, childOpts);
            this.hpaName = hpa.metadata.name;
        }

        const budget = disruptionBudgetFor(autoscaling.enabled ? autoscaling.minReplicas : replicas, kubernetesVersion);
        if (budget) {
            const pdb = new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, {
                metadata: meta(),
                spec: { ...budget, selector: { matchLabels: this.selectorLabels } },
            }, childOpts);
            this.pdbName = pdb.metadata.name;
        }

        this.registerOutputs({
            namespace: this.namespace,
            serviceName: this.serviceName,
            servicePorts: this.servicePorts,
            deploymentName: this.deploymentName,
            serviceAccountName: this.serviceAccountName,
            configMapName: this.configMapName,
            hpaName: this.hpaName,
            pdbName: this.pdbName,
            pvcName: this.pvcName,
            selectorLabels: this.selectorLabels,
            labels: this.labels,
            configChecksum: this.configChecksum,
        });
    }
}

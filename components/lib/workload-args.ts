// The Workload's arguments: their types, their defaults, and the one function that checks them all
// (composing the rules of app-contract, rollout, app-config and rbac). Pure: config.ts runs the
// same checks on the stack's values before any resource exists.
import type * as pulumi from "@pulumi/pulumi";
import { DEFAULT_SHUTDOWN_TIMEOUT_SECONDS, DEFAULT_TMP_SIZE_LIMIT, TMP_MOUNT_PATH } from "./app-contract";
import { appConfigData, appSettingsProblems, secretEnvProblems, type LogLevel, type SecretEnvRef } from "./app-config";
import type { Environment } from "./environment";
import { imagePinningProblems } from "./image-reference";
import { kubernetesVersionProblems } from "./kubernetes-version";
import { DEFAULT_RUN_AS_USER, nonRootIdProblems, type RunAsIds } from "./pod-security";
import { under, type ArgProblem } from "./problems";
import { quantityValue } from "./quantity";
import { rbacRuleProblems, type RbacRule } from "./rbac";
import { DEFAULT_PRESTOP_SLEEP_SECONDS, replicaProblems, shutdownPlan, shutdownProblems, type AutoscalingArgs, type ShutdownPlan } from "./rollout";

export interface ResourceQuantities {
    cpu: string;
    memory: string;
    ephemeralStorage: string;
}

export interface ResourceArgs {
    requests: ResourceQuantities;
    limits: ResourceQuantities;
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
    /** Image reference; see assertPinnedForEnvironment (lib/image-reference) for what is accepted. */
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
    secretEnv?: SecretEnvRef[];
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

const RESOURCE_NAMES = ["cpu", "memory", "ephemeralStorage"] as const;

/** Requests and limits: non-negative quantities, each limit >= its request. */
export function resourceProblems(resources: ResourceArgs): ArgProblem[] {
    const problems: ArgProblem[] = [];
    const values: Record<string, number | undefined> = {};
    for (const set of ["requests", "limits"] as const) {
        for (const r of RESOURCE_NAMES) {
            const raw = resources[set][r];
            const value = quantityValue(raw);
            if (value === undefined || value < 0) {
                problems.push({ path: `${set}.${r}`, message: `must be a non-negative Kubernetes quantity such as "250m", "1", "1e3" or "128Mi", got ${JSON.stringify(raw)}` });
            }
            values[`${set}.${r}`] = value;
        }
    }
    if (problems.length > 0) return problems;
    for (const r of RESOURCE_NAMES) {
        if (values[`limits.${r}`]! < values[`requests.${r}`]!) {
            problems.push({ path: `limits.${r}`, message: `must be >= resources.requests.${r} (${resources.requests[r]}), got ${JSON.stringify(resources.limits[r])}` });
        }
    }
    return problems;
}

/**
 * The /tmp emptyDir counts against the container's ephemeral-storage limit; a larger /tmp would
 * only get the pod evicted. Reported on tmpSizeLimit when the caller set it, on the limit otherwise.
 */
function tmpProblems(tmpSizeLimit: string, explicit: boolean, ephemeralStorageLimit: string): ArgProblem[] {
    const tmp = quantityValue(tmpSizeLimit);
    const limit = quantityValue(ephemeralStorageLimit);
    if (tmp === undefined || tmp <= 0) return [{ path: "tmpSizeLimit", message: `must be a positive Kubernetes quantity such as "64Mi", got ${JSON.stringify(tmpSizeLimit)}` }];
    if (limit === undefined || tmp < limit) return [];
    return explicit
        ? [{ path: "tmpSizeLimit", message: `(${tmpSizeLimit}) must be smaller than resources.limits.ephemeralStorage (${ephemeralStorageLimit})` }]
        : [{ path: "resources.limits.ephemeralStorage", message: `must be larger than the app's /tmp emptyDir (${tmpSizeLimit}), got ${JSON.stringify(ephemeralStorageLimit)}` }];
}

/** The volume (checked even while disabled, so switching it on cannot surprise): a positive size, an absolute mount path other than /tmp. */
export function storageProblems(storage: StorageArgs): ArgProblem[] {
    const problems: ArgProblem[] = [];
    const size = quantityValue(storage.size);
    if (size === undefined || size <= 0) problems.push({ path: "size", message: `must be a positive Kubernetes quantity such as "1Gi", got ${JSON.stringify(storage.size)}` });
    if (!/^\/[\w./-]*$/.test(storage.mountPath)) problems.push({ path: "mountPath", message: `must be an absolute path, got ${JSON.stringify(storage.mountPath)}` });
    else if (storage.mountPath.replace(/\/+$/, "") === TMP_MOUNT_PATH) problems.push({ path: "mountPath", message: `must not be ${TMP_MOUNT_PATH} (the app's scratch emptyDir)` });
    return problems;
}

/** The args with every default applied. */
export interface WorkloadSettings {
    environment: Environment;
    kubernetesVersion: string;
    autoscaling: AutoscalingArgs;
    replicas: number;
    resources: ResourceArgs;
    tmpSizeLimit: string;
    storage: StorageArgs;
    rbacRules: RbacRule[];
    secretEnv: SecretEnvRef[];
    ids: RunAsIds;
    shutdown: ShutdownPlan;
    configData: Record<string, string>;
}

/** The args the rules read: everything but the image may be checked before the image exists. */
export type WorkloadRuleArgs = Omit<WorkloadArgs, "image"> & { image?: pulumi.Input<string> };

function withDefaults(args: WorkloadRuleArgs) {
    const runAsUser = args.runAsUser ?? DEFAULT_RUN_AS_USER;
    return {
        autoscaling: args.autoscaling ?? DEFAULT_AUTOSCALING,
        replicas: args.replicas ?? DEFAULT_REPLICAS,
        resources: args.resources ?? DEFAULT_RESOURCES,
        tmpSizeLimit: args.tmpSizeLimit ?? DEFAULT_TMP_SIZE_LIMIT,
        storage: args.storage ?? DEFAULT_STORAGE,
        rbacRules: args.rbacRules ?? [],
        secretEnv: args.secretEnv ?? [],
        ids: { runAsUser, runAsGroup: args.runAsGroup ?? runAsUser },
        preStopSleepSeconds: args.preStopSleepSeconds ?? DEFAULT_PRESTOP_SLEEP_SECONDS,
        shutdownTimeoutSeconds: args.shutdownTimeoutSeconds ?? DEFAULT_SHUTDOWN_TIMEOUT_SECONDS,
        logLevel: args.logLevel ?? DEFAULT_LOG_LEVEL,
        appSettings: args.appSettings ?? {},
    };
}

/** Every rule the Workload's args must meet, as problems with paths into the args. */
export function workloadArgsProblems(args: WorkloadRuleArgs): ArgProblem[] {
    const d = withDefaults(args);
    const problems = kubernetesVersionProblems(args.kubernetesVersion);
    problems.push(...nonRootIdProblems(d.ids));
    if (problems.length === 0) problems.push(...shutdownProblems(args.kubernetesVersion, d.preStopSleepSeconds, d.shutdownTimeoutSeconds));
    problems.push(
        ...replicaProblems(args.environment, d.replicas, d.autoscaling),
        ...under("resources", resourceProblems(d.resources)),
        ...under("storage", storageProblems(d.storage)),
        ...under("rbacRules", rbacRuleProblems(d.rbacRules)),
        ...under("appSettings", appSettingsProblems(d.appSettings)),
    );
    if (problems.length === 0) problems.push(...tmpProblems(d.tmpSizeLimit, args.tmpSizeLimit !== undefined, d.resources.limits.ephemeralStorage));
    // A plain string is checked now; an Output (e.g. a fresh build's digest) when it resolves.
    if (typeof args.image === "string") problems.push(...imagePinningProblems(args.image, args.environment, "image"));
    if (problems.length > 0) return problems;
    const { configData } = resolveWorkloadSettings(args);
    problems.push(...under("secretEnv", secretEnvProblems(d.secretEnv, configData)));
    if (d.secretEnv.length > 0 && args.secretsChecksum === undefined) {
        // Env vars are read at container start: without a checksum in the pod template, a rotated secret never reaches the pods.
        problems.push({ path: "secretsChecksum", message: "is required when secretEnv is set, so rotating a secret rolls the pods" });
    }
    return problems;
}

/** The args with every default applied; call after workloadArgsProblems found nothing. */
export function resolveWorkloadSettings(args: WorkloadRuleArgs): WorkloadSettings {
    const d = withDefaults(args);
    const shutdown = shutdownPlan(args.kubernetesVersion, d.preStopSleepSeconds, d.shutdownTimeoutSeconds);
    const configData = appConfigData({ appName: args.appName, environment: args.environment, logLevel: d.logLevel, shutdown, appSettings: d.appSettings });
    return {
        environment: args.environment,
        kubernetesVersion: args.kubernetesVersion,
        autoscaling: d.autoscaling,
        replicas: d.replicas,
        resources: d.resources,
        tmpSizeLimit: d.tmpSizeLimit,
        storage: d.storage,
        rbacRules: d.rbacRules,
        secretEnv: d.secretEnv,
        ids: d.ids,
        shutdown,
        configData,
    };
}

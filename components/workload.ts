// The app's Kubernetes workload: a restricted namespace and everything that runs, scales, protects
// and isolates the pods in it. Every security default lives here (mocks do not run transforms, and
// the policy pack should find nothing to complain about). What changes for other reasons lives in
// lib/: the app's contract (ports, names, paths) in app-contract, the rollout (shutdown, PDB,
// spread, HPA) in rollout, the ConfigMap and secret references in app-config, RBAC in rbac, and
// the args, their defaults and the one check of them all in workload-args.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import {
    appProbes,
    CONTAINER_NAME,
    CONTAINER_PORTS,
    HTTP_PORT_NAME,
    METRICS_PORT_NAME,
    SERVICE_PORTS,
    TMP_MOUNT_PATH,
    type ServicePortInfo,
} from "./lib/app-contract";
import { CONFIG_CHECKSUM_ANNOTATION, SECRETS_CHECKSUM_ANNOTATION, contentChecksum } from "./lib/app-config";
import { assertPinnedForEnvironment } from "./lib/image-reference";
import { recommendedLabels, selectorLabels as appSelectorLabels, type AppIdentity } from "./lib/labels";
import { podSecurityLabels, restrictedContainerSecurityContext, restrictedPodSecurityContext } from "./lib/pod-security";
import { refuseInvalidArgs } from "./lib/problems";
import { REPLACED_BY_DESIGN, protectionFor } from "./lib/protection";
import { PROGRESS_DEADLINE_SECONDS, ROLLING_UPDATE, disruptionBudgetFor, rolloutCustomTimeouts, hpaBehavior, minimumReplicas, topologySpreadConstraints } from "./lib/rollout";
import {
    DEFAULT_INGRESS_CONTROLLER_NAMESPACE,
    DEFAULT_PROMETHEUS_NAMESPACE,
    resolveWorkloadSettings,
    workloadArgsProblems,
    type ResourceQuantities,
    type WorkloadArgs,
} from "./lib/workload-args";

export type { WorkloadArgs } from "./lib/workload-args";

type ContainerInput = k8s.types.input.core.v1.Container;
type PodSpecInput = k8s.types.input.core.v1.PodSpec;

export const WORKLOAD_TYPE = "websvc:workload:Workload";
/** app.kubernetes.io/component of every object this component renders. */
export const WORKLOAD_COMPONENT = "server";

function toResourceList(q: ResourceQuantities): Record<string, string> {
    return { cpu: q.cpu, memory: q.memory, "ephemeral-storage": q.ephemeralStorage };
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
        refuseInvalidArgs("Workload", name, workloadArgsProblems(args));
        const settings = resolveWorkloadSettings(args);
        super(WORKLOAD_TYPE, name, {}, opts);
        const { environment, kubernetesVersion, autoscaling, replicas, resources, tmpSizeLimit, storage, rbacRules, secretEnv, ids, shutdown, configData } = settings;

        const id: AppIdentity = { name: args.appName, instance: args.instance ?? `${args.appName}-${environment}`, version: args.appVersion, environment };
        this.selectorLabels = appSelectorLabels(id);
        this.labels = recommendedLabels(id, WORKLOAD_COMPONENT);
        this.configChecksum = contentChecksum(configData);
        const childOpts = { parent: this };
        const meta = () => ({ namespace: this.namespace, labels: this.labels });
        // production: the Namespace and the claim are protected, the claim kept on delete (lib/protection).
        const protection = protectionFor(environment);

        // ---- namespace, identity, settings
        this.namespaceResource = new k8s.core.v1.Namespace(`${name}-ns`, {
            metadata: { name: args.namespace, labels: { ...this.labels, ...podSecurityLabels("restricted", kubernetesVersion) } },
        }, { ...childOpts, ...protection.namespace });
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

        // Never protected (lib/protection.ts): the kubernetes provider replaces a ConfigMap whose data
        // changes, so a protected one would block every settings change in production.
        const configMap = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: meta(), data: configData }, { ...childOpts, ...REPLACED_BY_DESIGN });
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
            }, { ...childOpts, ...protection.claim });
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
            // An Output (a fresh build's digest) is checked when it resolves; a string was checked above.
            image: pulumi.output(args.image).apply((image) => { assertPinnedForEnvironment(image, environment); return image; }),
            imagePullPolicy: "IfNotPresent",
            ports: CONTAINER_PORTS.map((p) => ({ ...p })),
            envFrom: [{ configMapRef: { name: configMap.metadata.name } }],
            // Secrets only as references: the value never passes through Pulumi inputs or the pod spec.
            ...(secretEnv.length > 0 ? { env: secretEnv.map((v) => ({ name: v.envName, valueFrom: { secretKeyRef: { name: v.secretKeyRef.name, key: v.secretKeyRef.key, optional: false } } })) } : {}),
            resources: { requests: toResourceList(resources.requests), limits: toResourceList(resources.limits) },
            securityContext: restrictedContainerSecurityContext(ids),
            ...appProbes(),
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
                progressDeadlineSeconds: PROGRESS_DEADLINE_SECONDS,
                template: {
                    metadata: { labels: this.labels, annotations: podAnnotations },
                    spec: podSpec,
                },
            },
        }, { ...childOpts, dependsOn: [denyAll, allowApp], customTimeouts: rolloutCustomTimeouts() });
        this.deploymentName = this.deployment.metadata.name;

        // ---- traffic
        this.servicePorts = { http: { ...SERVICE_PORTS.http }, metrics: { ...SERVICE_PORTS.metrics } };
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
                    behavior: hpaBehavior(),
                },
            }, childOpts);
            this.hpaName = hpa.metadata.name;
        }

        const budget = disruptionBudgetFor(minimumReplicas(replicas, autoscaling), kubernetesVersion);
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

// Wires the components for one stack. Configuration is read and validated once (config.ts) before
// any resource exists; components never read config themselves.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { loadConfig } from "./config";
import { ImageBuild } from "./components/image";
import { AppSecrets, envNameFor, validateSecretSpecs } from "./components/secrets";
import { Workload } from "./components/workload";
import { Ingress } from "./components/ingress";
import { MonitoringStack } from "./components/monitoring";
import { Platform } from "./components/platform";
import { deferredOutput } from "./components/lib/deferred";
import type { AppIdentity } from "./components/lib/labels";

const cfg = loadConfig();
const name = `${cfg.appName}-${cfg.environment}`;

// One explicit provider for every Kubernetes object. clusterIdentifier keeps a kubeconfig rotation
// from replacing every resource; renderYamlToDirectory turns it into a YAML renderer (no cluster).
const provider = new k8s.Provider(`${name}-k8s`, {
    kubeconfig: cfg.secrets.kubeconfig,
    context: cfg.kubernetes.context,
    clusterIdentifier: cfg.kubernetes.clusterIdentifier ?? name,
    renderYamlToDirectory: cfg.kubernetes.renderYamlToDirectory,
    enableServerSideApply: true,
});

const identity: AppIdentity = { name: cfg.appName, instance: name, environment: cfg.environment };

// Cluster add-ons are off by default (platform teams usually own them); when on, the Ingress and the
// monitoring CRDs wait for them.
const platform = new Platform(`${name}-platform`, {
    environment: cfg.environment,
    kubernetesVersion: cfg.kubernetesVersion,
    installIngressNginx: cfg.platform.installIngressNginx,
    installCertManager: cfg.platform.installCertManager,
    installKubePrometheusStack: cfg.platform.installKubePrometheusStack,
    chartVersions: cfg.platform.chartVersions,
    clusterIssuer: {
        name: cfg.tls.clusterIssuer,
        acmeServer: cfg.tls.acmeServer,
        email: cfg.tls.acmeEmail,
        // HTTP-01 is answered through whatever serves the app's traffic.
        solver: cfg.ingress.mode === "gateway" && cfg.ingress.gateway
            ? { gateway: cfg.ingress.gateway }
            : { ingressClassName: cfg.ingress.className },
    },
    ingressClassName: cfg.ingress.className,
    hsts: { maxAgeSeconds: cfg.ingress.hstsMaxAgeSeconds },
    prometheusRelease: cfg.monitoring.prometheusRelease,
    namespaces: {
        ingressNginx: cfg.networkPolicy.ingressControllerNamespace,
        monitoring: cfg.monitoring.prometheusNamespace,
    },
}, { provider });

const image = new ImageBuild(`${name}-image`, {
    ref: cfg.image.ref,
    build: cfg.image.build && {
        context: cfg.image.build.context,
        dockerfile: cfg.image.build.dockerfile,
        target: cfg.image.build.target,
        platforms: [cfg.image.build.platform],
        cacheFrom: cfg.image.build.cacheFrom,
        repository: cfg.image.build.repository,
        tag: cfg.image.build.tag,
    },
    environment: cfg.environment,
    registry: cfg.image.registry && cfg.secrets.registryPassword && {
        server: cfg.image.registry.server,
        username: cfg.image.registry.username,
        password: cfg.secrets.registryPassword,
    },
});

// The Secret must live in the Namespace the Workload creates, and the Workload's pods reference the
// Secret: the Workload gets the Secret's name and checksum as deferred Outputs, supplied right after.
// An empty appSecrets list means no generated secrets at all (no Secret, no random provider).
const secretSpecs = cfg.appSecrets.length > 0 ? validateSecretSpecs(cfg.appSecrets) : [];
const secretName = deferredOutput<string>();
const secretsChecksum = deferredOutput<string>();

const workload = new Workload(name, {
    appName: cfg.appName,
    environment: cfg.environment,
    namespace: cfg.namespace,
    kubernetesVersion: cfg.kubernetesVersion,
    image: image.imageRef,
    instance: name,
    replicas: cfg.replicas,
    autoscaling: cfg.autoscaling,
    resources: cfg.resources,
    logLevel: cfg.logLevel,
    appSettings: cfg.appSettings,
    secretEnv: secretSpecs.map((spec) => ({ envName: envNameFor(spec.name), secretKeyRef: { name: secretName.output, key: spec.name } })),
    secretsChecksum: secretSpecs.length > 0 ? secretsChecksum.output : undefined,
    storage: cfg.storage,
    rbacRules: cfg.rbacRules,
    // Traffic arrives from the ingress controller's pods, or from the Gateway's data plane.
    ingressControllerNamespace: cfg.ingress.mode === "gateway" && cfg.ingress.gateway
        ? cfg.ingress.gateway.namespace
        : cfg.networkPolicy.ingressControllerNamespace,
    prometheusNamespace: cfg.monitoring.prometheusNamespace,
    extraEgress: cfg.networkPolicy.extraEgress,
}, { provider });

const secrets = secretSpecs.length === 0 ? undefined : new AppSecrets(`${name}-secrets`, {
    namespace: workload.namespace,
    secrets: secretSpecs,
    rotation: cfg.secretsRotation,
    labels: workload.labels,
}, { provider });
if (secrets) {
    secretName.resolve(secrets.secretName);
    secretsChecksum.resolve(secrets.rolloutChecksum);
}

const ingress = new Ingress(`${name}-ingress`, {
    identity,
    namespace: workload.namespace,
    serviceName: workload.serviceName,
    servicePort: workload.servicePorts.http.port,
    host: cfg.domain,
    mode: cfg.ingress.mode,
    className: cfg.ingress.className,
    clusterIssuer: cfg.tls.clusterIssuer,
    gateway: cfg.ingress.gateway,
    rateLimitRps: cfg.ingress.rateLimitRps,
    rateLimitConnections: cfg.ingress.rateLimitConnections,
    bodySize: cfg.ingress.bodySize,
    corsAllowedOrigins: cfg.ingress.corsAllowedOrigins,
    hstsMaxAgeSeconds: cfg.ingress.hstsMaxAgeSeconds,
    operatorDependencies: platform.ingressDependencies,
}, { provider });

if (cfg.monitoring.alertReceiver !== "none" && cfg.secrets.alertWebhookUrl === undefined) {
    pulumi.log.warn(`websvc:alertWebhookUrl is not set (stack ${cfg.stack}): no AlertmanagerConfig is created; alerts rely on the cluster Alertmanager routing by the team/severity/environment labels`);
}

const monitoring = new MonitoringStack(`${name}-monitoring`, {
    identity,
    namespace: workload.namespace,
    serviceName: workload.serviceName,
    serviceSelectorLabels: workload.selectorLabels,
    metricsPortName: workload.servicePorts.metrics.name,
    deploymentName: workload.deploymentName,
    hpaName: workload.hpaName,
    prometheusRelease: cfg.monitoring.prometheusRelease,
    slo: {
        availabilityObjective: cfg.monitoring.availabilityObjective,
        latencyObjective: cfg.monitoring.latencyObjective,
        latencyThresholdSeconds: cfg.monitoring.latencyThresholdSeconds,
    },
    team: cfg.monitoring.team,
    pageSeverity: cfg.monitoring.pageSeverity,
    runbookBaseUrl: cfg.monitoring.runbookBaseUrl,
    ticketSeverity: cfg.monitoring.ticketSeverity,
    alerting: cfg.secrets.alertWebhookUrl === undefined
        ? { receiver: "none" }
        : { receiver: cfg.monitoring.alertReceiver, webhookUrl: cfg.secrets.alertWebhookUrl },
    operatorDependencies: platform.monitoringDependencies,
}, { provider });

// Stack outputs: names and URLs only. Never a secret value.
export const namespace = workload.namespace;
export const url = ingress.url;
export const imageRef = image.imageRef;
export const deploymentName = workload.deploymentName;
export const serviceName = workload.serviceName;
export const appSecretName = secrets?.secretName;
export const serviceMonitorName = monitoring.serviceMonitorName;
export const prometheusRuleName = monitoring.prometheusRuleName;
export const dashboardUid = monitoring.dashboardUid;

// Wires the components for one stack. Configuration is read and validated once (config.ts), with
// every component's rules, before any resource exists; components never read config themselves.
// config.ts builds each component's plain args; this file adds the Outputs that flow between them.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { appIdentity, appSecretsSpecs, imageBuildArgs, ingressArgs, instanceName, loadConfig, monitoringArgs, platformArgs, workloadArgs } from "./config";
import { ImageBuild } from "./components/image";
import { AppSecrets, envNameFor, normalizedSecretSpecs } from "./components/secrets";
import { Workload } from "./components/workload";
import { Ingress } from "./components/ingress";
import { MonitoringStack } from "./components/monitoring";
import { Platform } from "./components/platform";
import { deferredOutput } from "./components/lib/deferred";

const cfg = loadConfig();
const name = instanceName(cfg);

// One explicit provider for every Kubernetes object. clusterIdentifier keeps a kubeconfig rotation
// from replacing every resource; renderYamlToDirectory turns it into a YAML renderer (no cluster).
// Without websvc:kubeconfig, kubeconfig is "" rather than unset: the SDK would otherwise store the
// caller's KUBECONFIG path in the provider's state, and `pulumi refresh` and `destroy` (which use the
// state's provider) would then act as the identity of the last `up`, even a failed one, instead of the
// caller's (found by the deploy-safety tier: a previewer's refused `up` turned the next refresh and
// destroy into the previewer). "" makes the provider load the caller's KUBECONFIG at run time.
const provider = new k8s.Provider(`${name}-k8s`, {
    kubeconfig: cfg.secrets.kubeconfig ?? (cfg.kubernetes.renderYamlToDirectory === undefined ? "" : undefined),
    context: cfg.kubernetes.context,
    clusterIdentifier: cfg.kubernetes.clusterIdentifier ?? name,
    renderYamlToDirectory: cfg.kubernetes.renderYamlToDirectory,
    enableServerSideApply: true,
});

const identity = appIdentity(cfg);

// production: the Workload protects the Namespace and the claim itself (components/lib/protection.ts;
// deliberate teardown: docs/deploy-safety.md). A stack-wide guard (every component protected) was tried
// and withdrawn: with the real engine (CLI v3.171.0) it blocked the replacement of the settings
// ConfigMap on a production settings change even though that object is registered `protect: false`.

// Cluster add-ons are off by default (platform teams usually own them); when on, the Ingress and the
// monitoring CRDs wait for them.
const platform = new Platform(`${name}-platform`, platformArgs(cfg), { provider });

const image = new ImageBuild(`${name}-image`, imageBuildArgs(cfg, cfg.secrets.registryPassword));

// The Secret must live in the Namespace the Workload creates, and the Workload's pods reference the
// Secret: the Workload gets the Secret's name and checksum as deferred Outputs, supplied right after.
// An empty appSecrets list means no generated secrets at all (no Secret, no random provider).
const secretSpecs = normalizedSecretSpecs(appSecretsSpecs(cfg));
const secretName = deferredOutput<string>();
const secretsChecksum = deferredOutput<string>();

const workload = new Workload(name, {
    ...workloadArgs(cfg),
    image: image.imageRef,
    secretEnv: secretSpecs.map((spec) => ({ envName: envNameFor(spec.name), secretKeyRef: { name: secretName.output, key: spec.name } })),
    secretsChecksum: secretSpecs.length > 0 ? secretsChecksum.output : undefined,
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
    ...ingressArgs(cfg),
    identity,
    namespace: workload.namespace,
    serviceName: workload.serviceName,
    servicePort: workload.servicePorts.http.port,
    operatorDependencies: platform.ingressDependencies,
}, { provider });

if (cfg.monitoring.alertReceiver !== "none" && cfg.secrets.alertWebhookUrl === undefined) {
    pulumi.log.warn(`websvc:alertWebhookUrl is not set (stack ${cfg.stack}): no AlertmanagerConfig is created; alerts rely on the cluster Alertmanager routing by the team/severity/environment labels`);
}

const monitoring = new MonitoringStack(`${name}-monitoring`, {
    ...monitoringArgs(cfg, cfg.secrets.alertWebhookUrl),
    identity,
    namespace: workload.namespace,
    serviceName: workload.serviceName,
    serviceSelectorLabels: workload.selectorLabels,
    metricsPortName: workload.servicePorts.metrics.name,
    deploymentName: workload.deploymentName,
    hpaName: workload.hpaName,
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

// A second consumer of the websvc policy pack, shaped unlike the web service: a queue worker
// Deployment that serves nothing (no Service, no ingress) and a nightly report CronJob.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

const config = new pulumi.Config();
const namespaceName = config.require("namespace");
const image = config.require("image");
const replicas = config.requireNumber("replicas");
const queueUrl = config.require("queueUrl");
const reportSchedule = config.require("reportSchedule");
// Staging leaves pod traffic open while the queue topology is still being changed.
const isolateNetwork = config.requireBoolean("networkPolicy");

const labels = { "app.kubernetes.io/part-of": "worker-stack", "app.kubernetes.io/managed-by": "pulumi" };
const workerLabels = { ...labels, "app.kubernetes.io/name": "queue-worker", "app.kubernetes.io/component": "worker" };
const reportLabels = { ...labels, "app.kubernetes.io/name": "nightly-report", "app.kubernetes.io/component": "batch" };

// Pod security admission enforces the same PSS level the pack checks, as a second line of defence.
const namespace = new k8s.core.v1.Namespace("workers", {
    metadata: {
        name: namespaceName,
        labels: { ...labels, "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "latest" },
    },
});

const serviceAccount = new k8s.core.v1.ServiceAccount("queue-worker", {
    metadata: { name: "queue-worker", namespace: namespace.metadata.name, labels: workerLabels },
    automountServiceAccountToken: false,
});

const restrictedContainerSecurity: k8s.types.input.core.v1.SecurityContext = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    runAsUser: 10001,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

const restrictedPodSecurity: k8s.types.input.core.v1.PodSecurityContext = {
    runAsNonRoot: true,
    runAsUser: 10001,
    runAsGroup: 10001,
    fsGroup: 10001,
    seccompProfile: { type: "RuntimeDefault" },
};

const worker = new k8s.apps.v1.Deployment("queue-worker", {
    metadata: { name: "queue-worker", namespace: namespace.metadata.name, labels: workerLabels },
    spec: {
        replicas,
        selector: { matchLabels: workerLabels },
        template: {
            metadata: { labels: workerLabels },
            spec: {
                serviceAccountName: serviceAccount.metadata.name,
                automountServiceAccountToken: false,
                securityContext: restrictedPodSecurity,
                // Let an in-flight job finish before the pod is killed.
                terminationGracePeriodSeconds: 120,
                containers: [
                    {
                        name: "worker",
                        image,
                        args: ["consume", "--queue", "jobs"],
                        env: [{ name: "QUEUE_URL", value: queueUrl }],
                        resources: { requests: { cpu: "200m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
                        // No port to probe: the worker touches a heartbeat file while it consumes.
                        livenessProbe: { exec: { command: ["/bin/worker", "healthcheck", "--max-age=60s"] }, periodSeconds: 30 },
                        readinessProbe: { exec: { command: ["/bin/worker", "healthcheck", "--ready"] }, periodSeconds: 10 },
                        securityContext: restrictedContainerSecurity,
                        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                    },
                ],
                volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
            },
        },
    },
});

const nightlyReport = new k8s.batch.v1.CronJob("nightly-report", {
    metadata: { name: "nightly-report", namespace: namespace.metadata.name, labels: reportLabels },
    spec: {
        schedule: reportSchedule,
        concurrencyPolicy: "Forbid",
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
            spec: {
                backoffLimit: 2,
                activeDeadlineSeconds: 3600,
                template: {
                    metadata: { labels: reportLabels },
                    spec: {
                        restartPolicy: "OnFailure",
                        serviceAccountName: serviceAccount.metadata.name,
                        automountServiceAccountToken: false,
                        securityContext: restrictedPodSecurity,
                        containers: [
                            {
                                name: "report",
                                image,
                                args: ["report", "--since=24h"],
                                env: [{ name: "QUEUE_URL", value: queueUrl }],
                                resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
                                // The report tool renders into its home directory; the pack's config
                                // exempts this CronJob by name from the read-only root filesystem policy.
                                securityContext: { ...restrictedContainerSecurity, readOnlyRootFilesystem: false },
                            },
                        ],
                    },
                },
            },
        },
    },
});

// More than one worker: keep at least one consuming during node drains.
if (replicas > 1) {
    new k8s.policy.v1.PodDisruptionBudget("queue-worker", {
        metadata: { name: "queue-worker", namespace: namespace.metadata.name, labels: workerLabels },
        spec: { maxUnavailable: 1, selector: { matchLabels: workerLabels } },
    });
}

if (isolateNetwork) {
    // Nothing connects to the workers; they only reach DNS and the queue.
    new k8s.networking.v1.NetworkPolicy("workers-isolation", {
        metadata: { name: "workers-isolation", namespace: namespace.metadata.name, labels },
        spec: {
            podSelector: {},
            policyTypes: ["Ingress", "Egress"],
            egress: [
                { ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] },
                { ports: [{ protocol: "TCP", port: 5672 }] },
            ],
        },
    });
}

export const workerName = worker.metadata.name;
export const cronJobName = nightlyReport.metadata.name;
export const namespaceOut = namespace.metadata.name;

// metrics-server v0.8.0 (built here, FROM scratch: scripts/runtime-images.sh) for the runtime tier's
// autoscaling check: its manifests, generated here, and its start and removal. It serves
// metrics.k8s.io through the apiserver's aggregation layer (scripts/cluster.sh: front-proxy CA,
// --requestheader-*, --enable-aggregator-routing) and reads each real kubelet's /metrics/resource at
// the node's InternalIP, verifying the kubelet's serving certificate with the cluster CA (the
// service-account volume's ca.crt), not --kubelet-insecure-tls.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { kubectl, kubectlJson, kubectlTry } from "./kube";
import { applyManifests, isReady, waitUntil } from "./runtime-kube";

export const METRICS_SERVER_VERSION = "v0.8.0";
const NS = "kube-system";
const NAME = "metrics-server";
const API_SERVICE = "v1beta1.metrics.k8s.io";
/** How often it scrapes the kubelets (its default, 60s, would make the HPA react slowly). */
const METRIC_RESOLUTION = "15s";
const labels = { "app.kubernetes.io/name": NAME, "app.kubernetes.io/part-of": "websvc-runtime-tier" };

/**
 * A throwaway serving certificate for metrics-server.kube-system.svc (the name the aggregator
 * verifies), self-signed: it is the APIService's caBundle, so the apiserver verifies metrics-server
 * instead of skipping TLS verification. The key lives in a private temp dir only until it is read.
 */
export function servingCertificate(): { cert: string; key: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "websvc-metrics-server-"));
    try {
        const host = `${NAME}.${NS}.svc`;
        execFileSync("openssl", ["req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", path.join(dir, "tls.key"), "-out", path.join(dir, "tls.crt"), "-subj", `/CN=${host}`, "-days", "1", "-sha256",
            "-addext", `subjectAltName=DNS:${host}`, "-addext", "extendedKeyUsage=serverAuth"], { stdio: ["ignore", "ignore", "pipe"] });
        return { cert: fs.readFileSync(path.join(dir, "tls.crt"), "utf8"), key: fs.readFileSync(path.join(dir, "tls.key"), "utf8") };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** ServiceAccount, RBAC, Secret, Deployment, Service and APIService, as metrics-server's own manifests define them. */
export function metricsServerManifests(image: string, tls: { cert: string; key: string }, nodeSelector: string): object[] {
    const meta = (name: string, namespaced = true) => ({ name, ...(namespaced ? { namespace: NS } : {}), labels });
    const sa = { kind: "ServiceAccount", name: NAME, namespace: NS };
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    return [
        { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(NAME) },
        {
            apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: meta(`system:${NAME}`, false),
            rules: [
                { apiGroups: [""], resources: ["nodes/metrics"], verbs: ["get"] },
                { apiGroups: [""], resources: ["pods", "nodes"], verbs: ["get", "list", "watch"] },
            ],
        },
        { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: meta(`system:${NAME}`, false),
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: `system:${NAME}` }, subjects: [sa] },
        // Delegated authentication and authorization of the requests the aggregator proxies.
        { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: meta(`${NAME}:system:auth-delegator`, false),
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:auth-delegator" }, subjects: [sa] },
        { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: meta(`${NAME}-auth-reader`),
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "extension-apiserver-authentication-reader" }, subjects: [sa] },
        { apiVersion: "v1", kind: "Secret", metadata: meta(`${NAME}-serving`), type: "kubernetes.io/tls", data: { "tls.crt": b64(tls.cert), "tls.key": b64(tls.key) } },
        {
            apiVersion: "apps/v1", kind: "Deployment", metadata: meta(NAME),
            spec: {
                replicas: 1,
                selector: { matchLabels: { "app.kubernetes.io/name": NAME } },
                template: {
                    metadata: { labels },
                    spec: {
                        serviceAccountName: NAME,
                        nodeSelector: { "kubernetes.io/os": "linux" },
                        securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
                        containers: [{
                            name: NAME, image,
                            args: [
                                "--secure-port=10250",
                                "--tls-cert-file=/certs/tls.crt", "--tls-private-key-file=/certs/tls.key",
                                "--kubelet-preferred-address-types=InternalIP",
                                "--kubelet-use-node-status-port",
                                // The kubelets' serving certificates are signed by the cluster CA for the node IP.
                                "--kubelet-certificate-authority=/var/run/secrets/kubernetes.io/serviceaccount/ca.crt",
                                // Only the real nodes: kwok's report 127.0.0.1, where no kubelet serves metrics.
                                `--node-selector=${nodeSelector}`,
                                `--metric-resolution=${METRIC_RESOLUTION}`,
                            ],
                            ports: [{ name: "https", containerPort: 10250, protocol: "TCP" }],
                            readinessProbe: { httpGet: { path: "/readyz", port: "https", scheme: "HTTPS" }, periodSeconds: 5, failureThreshold: 3 },
                            livenessProbe: { httpGet: { path: "/livez", port: "https", scheme: "HTTPS" }, periodSeconds: 10, failureThreshold: 3 },
                            resources: { requests: { cpu: "50m", memory: "100Mi" }, limits: { memory: "300Mi" } },
                            securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                            volumeMounts: [{ name: "certs", mountPath: "/certs", readOnly: true }, { name: "tmp", mountPath: "/tmp" }],
                        }],
                        volumes: [{ name: "certs", secret: { secretName: `${NAME}-serving` } }, { name: "tmp", emptyDir: {} }],
                    },
                },
            },
        },
        {
            apiVersion: "v1", kind: "Service", metadata: meta(NAME),
            spec: { selector: { "app.kubernetes.io/name": NAME }, ports: [{ name: "https", port: 443, targetPort: "https", protocol: "TCP" }] },
        },
        {
            apiVersion: "apiregistration.k8s.io/v1", kind: "APIService", metadata: meta(API_SERVICE, false),
            spec: {
                group: "metrics.k8s.io", version: "v1beta1", groupPriorityMinimum: 100, versionPriority: 100,
                service: { name: NAME, namespace: NS, port: 443 }, caBundle: b64(tls.cert),
            },
        },
    ];
}

const apiServiceAvailable = (): boolean => {
    const a = kubectlJson(["get", "apiservice", API_SERVICE]);
    return (a.status?.conditions ?? []).some((c: any) => c.type === "Available" && c.status === "True");
};

/** The APIService's Available condition and the metrics-server pod, for timeout messages. */
export function metricsServerState(): string {
    const a = kubectlTry(["get", "apiservice", API_SERVICE, "-o", "jsonpath={.status.conditions[?(@.type==\"Available\")]}"]).output;
    const pods = kubectlTry(["-n", NS, "get", "pods", "-l", `app.kubernetes.io/name=${NAME}`, "--no-headers"]).output.trim().replace(/\s+/g, " ");
    const log = kubectlTry(["-n", NS, "logs", `deployment/${NAME}`, "--tail=3"]).output.trim().replace(/\s+/g, " ");
    return `APIService ${a}; pod ${pods}; log tail: ${log.slice(-600)}`;
}

/** Applies the manifests and waits until the pod is Ready and the aggregator reports the API Available. */
export async function startMetricsServer(image: string, nodeSelector: string, timeoutMs: number): Promise<void> {
    applyManifests(metricsServerManifests(image, servingCertificate(), nodeSelector));
    await waitUntil("metrics-server Ready and its APIService Available", timeoutMs, () => {
        const pods = kubectlJson(["-n", NS, "get", "pods", "-l", `app.kubernetes.io/name=${NAME}`]).items;
        return pods.some(isReady) && apiServiceAvailable() ? true : undefined;
    }, 2000, metricsServerState);
}

/** PodMetrics of a namespace through the aggregated API: pod name -> CPU in millicores. */
export function podCpuMillis(namespace: string, selector: string): Map<string, number> {
    const list = JSON.parse(kubectl(["get", "--raw", `/apis/metrics.k8s.io/v1beta1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(selector)}`]));
    return new Map(list.items.map((m: any) => [m.metadata.name, m.containers.reduce((s: number, c: any) => s + cpuMillis(c.usage.cpu), 0)]));
}

/** A CPU quantity (as metrics-server writes them: 123456n, 12u, 5m, 1) in millicores. */
export function cpuMillis(q: string): number {
    const m = /^([0-9.]+)(n|u|m)?$/.exec(q);
    if (!m) throw new Error(`unexpected CPU quantity ${q}`);
    const scale = { n: 1e-6, u: 1e-3, m: 1 }[m[2] as "n" | "u" | "m"] ?? 1000;
    return Number(m[1]) * scale;
}

/** Removes everything startMetricsServer made, the APIService first (an unavailable one breaks discovery). */
export function stopMetricsServer(): void {
    kubectlTry(["delete", "apiservice", API_SERVICE, "--ignore-not-found"]);
    kubectlTry(["delete", "clusterrole,clusterrolebinding", `system:${NAME}`, "--ignore-not-found"]);
    kubectlTry(["delete", "clusterrolebinding", `${NAME}:system:auth-delegator`, "--ignore-not-found"]);
    kubectlTry(["-n", NS, "delete", "deployment,service,serviceaccount,secret,rolebinding", "-l", `app.kubernetes.io/part-of=${labels["app.kubernetes.io/part-of"]}`, "--ignore-not-found", "--wait=false"]);
}

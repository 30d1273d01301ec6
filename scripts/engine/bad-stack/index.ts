import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

const config = new pulumi.Config();
// With renderDir (engine tier): a render-only provider, so a blocked preview writes nothing. Without
// it (cluster tier): the ambient kubeconfig, so a blocked `up` must create nothing in the cluster.
const renderDir = config.get("renderDir");
const provider = renderDir
    ? new k8s.Provider("render", { renderYamlToDirectory: renderDir })
    : new k8s.Provider("cluster", {});
const image = "registry.example.com/team/app@sha256:" + "0".repeat(64);

// variant "bad" (default) violates the pack's mandatory controls: privileged, root, escalation.
// variant "hardened" is the same Pod made compliant: the control case for the engine lifecycle.
const hardened = config.get("variant") === "hardened";
const securityContext: k8s.types.input.core.v1.SecurityContext = hardened
    ? {
        allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true,
        runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001,
        capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" },
    }
    : { privileged: true, runAsUser: 0, allowPrivilegeEscalation: true };
const probe = { httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 10 };
const labels = { "app.kubernetes.io/name": "engine-check" };

// Deny-all for the Pod: the pack's stack-wide rule wants every workload selected by a NetworkPolicy.
new k8s.networking.v1.NetworkPolicy("deny-all", {
    metadata: { name: "engine-check-deny-all", namespace: "engine-check" },
    spec: { podSelector: { matchLabels: labels }, policyTypes: ["Ingress", "Egress"] },
}, { provider });

export const podName = new k8s.core.v1.Pod("pod", {
    metadata: { name: hardened ? "hardened-pod" : "root-pod", namespace: "engine-check", labels },
    spec: {
        automountServiceAccountToken: hardened ? false : undefined,
        serviceAccountName: hardened ? "app" : undefined,
        securityContext: hardened ? { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } } : undefined,
        containers: [{
            name: "app",
            image,
            securityContext,
            resources: hardened ? { requests: { cpu: "50m", memory: "64Mi", "ephemeral-storage": "64Mi" }, limits: { cpu: "100m", memory: "128Mi", "ephemeral-storage": "128Mi" } } : undefined,
            livenessProbe: hardened ? probe : undefined,
            readinessProbe: hardened ? probe : undefined,
        }],
    },
}, { provider }).metadata.name;

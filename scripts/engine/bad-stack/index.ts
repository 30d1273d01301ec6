import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

// Render-only provider: the policy pack must stop the preview before anything is written.
const provider = new k8s.Provider("render", {
    renderYamlToDirectory: new pulumi.Config().require("renderDir"),
});

// Violates the pack's mandatory controls: privileged, root user, privilege escalation allowed.
new k8s.core.v1.Pod("root-pod", {
    metadata: { name: "root-pod", namespace: "default" },
    spec: {
        containers: [{
            name: "app",
            image: "registry.example.com/team/app@sha256:" + "0".repeat(64),
            securityContext: { privileged: true, runAsUser: 0, allowPrivilegeEscalation: true },
        }],
    },
}, { provider });

import { containersOf } from "../lib/k8s";
import { POD_KINDS, requirePodView, resourcePolicy } from "../lib/resource-policy";

export const hygieneReadOnlyRootFilesystem = resourcePolicy({
    id: "hygiene-read-only-root-filesystem",
    title: "Read-only root filesystem",
    description: "Containers should run with a read-only root filesystem; write to emptyDir or volumes instead.",
    severity: "medium",
    frameworks: { polaris: "notReadOnlyRootFilesystem", checkov: "CKV_K8S_22", kyverno: "require-ro-rootfs", kubeScore: "container-security-context-readonlyrootfilesystem" },
    remediation: "Set securityContext.readOnlyRootFilesystem: true on every container and mount an emptyDir where the app writes (e.g. /tmp).",
    kinds: POD_KINDS,
    check: (args) => containersOf(requirePodView(args))
        .filter((ref) => ref.group !== "ephemeralContainers" && ref.container.securityContext?.readOnlyRootFilesystem !== true)
        .map((ref) => ({ path: `${ref.path}.securityContext.readOnlyRootFilesystem`, message: `container "${ref.name}" must set readOnlyRootFilesystem=true` })),
});

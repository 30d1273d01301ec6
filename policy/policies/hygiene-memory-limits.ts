import { resourceAspectPolicy } from "../lib/container-aspects";

export const hygieneMemoryLimits = resourceAspectPolicy({
    id: "hygiene-memory-limits",
    title: "Memory limits",
    resource: "memory",
    field: "limits",
    severity: "medium",
    frameworks: { polaris: "memoryLimitsMissing", checkov: "CKV_K8S_13" },
    remediation: "Set resources.limits.memory on every container (the container is OOM-killed above it instead of the node).",
    metadata: { group: "hygiene-resources" },
});

import { resourceAspectPolicy } from "../lib/container-aspects";

export const hygieneEphemeralStorageLimits = resourceAspectPolicy({
    id: "hygiene-ephemeral-storage-limits",
    title: "Ephemeral storage limits",
    resource: "ephemeral-storage",
    field: "limits",
    severity: "low",
    enforcementLevel: "advisory",
    frameworks: {},
    remediation: "Set resources.limits.ephemeral-storage on every container (the pod is evicted above it instead of filling the node's disk).",
    metadata: { group: "hygiene-resources" },
});

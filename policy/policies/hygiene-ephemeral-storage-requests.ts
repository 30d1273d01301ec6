import { resourceAspectPolicy } from "../lib/container-aspects";

export const hygieneEphemeralStorageRequests = resourceAspectPolicy({
    id: "hygiene-ephemeral-storage-requests",
    title: "Ephemeral storage requests",
    resource: "ephemeral-storage",
    field: "requests",
    severity: "low",
    enforcementLevel: "advisory",
    frameworks: {},
    remediation: "Set resources.requests.ephemeral-storage on every container that writes to its filesystem or emptyDir.",
    metadata: { group: "hygiene-resources" },
});

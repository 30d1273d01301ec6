import { resourceAspectPolicy } from "../lib/container-aspects";

export const hygieneMemoryRequests = resourceAspectPolicy({
    id: "hygiene-memory-requests",
    title: "Memory requests",
    resource: "memory",
    field: "requests",
    severity: "medium",
    frameworks: { polaris: "memoryRequestsMissing", checkov: "CKV_K8S_12" },
    remediation: "Set resources.requests.memory on every container.",
    metadata: { group: "hygiene-resources" },
});

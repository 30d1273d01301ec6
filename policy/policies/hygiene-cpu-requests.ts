import { resourceAspectPolicy } from "../lib/container-aspects";

export const hygieneCpuRequests = resourceAspectPolicy({
    id: "hygiene-cpu-requests",
    title: "CPU requests",
    resource: "cpu",
    field: "requests",
    severity: "medium",
    frameworks: { polaris: "cpuRequestsMissing", checkov: "CKV_K8S_10" },
    remediation: "Set resources.requests.cpu on every container (what it needs at steady state; the scheduler reserves it).",
    metadata: { group: "hygiene-resources" },
});

import { resourceAspectPolicy } from "../lib/container-aspects";

export const hygieneCpuLimits = resourceAspectPolicy({
    id: "hygiene-cpu-limits",
    title: "CPU limits",
    resource: "cpu",
    field: "limits",
    severity: "medium",
    frameworks: { polaris: "cpuLimitsMissing", checkov: "CKV_K8S_11" },
    remediation: "Set resources.limits.cpu on every container, or switch this policy off if you deliberately run without CPU limits (throttling).",
    metadata: { group: "hygiene-resources" },
});

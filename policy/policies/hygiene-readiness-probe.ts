import { probePolicy } from "../lib/container-aspects";

export const hygieneReadinessProbe = probePolicy({
    id: "hygiene-readiness-probe",
    title: "Readiness probe",
    probe: "readinessProbe",
    severity: "medium",
    frameworks: { polaris: "readinessProbeMissing", checkov: "CKV_K8S_9" },
    remediation: "Add a readinessProbe so the Service sends traffic only to pods that can serve it.",
    metadata: { group: "hygiene-probes" },
});

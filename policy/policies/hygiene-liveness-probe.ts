import { probePolicy } from "../lib/container-aspects";

export const hygieneLivenessProbe = probePolicy({
    id: "hygiene-liveness-probe",
    title: "Liveness probe",
    probe: "livenessProbe",
    severity: "medium",
    frameworks: { polaris: "livenessProbeMissing", checkov: "CKV_K8S_8" },
    remediation: "Add a livenessProbe (HTTP or TCP on the app port) that fails only when the process must be restarted.",
    metadata: { group: "hygiene-probes" },
});

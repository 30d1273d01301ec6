import { probePolicy } from "../lib/container-aspects";

export const hygieneStartupProbe = probePolicy({
    id: "hygiene-startup-probe",
    title: "Startup probe",
    probe: "startupProbe",
    severity: "low",
    enforcementLevel: "advisory",
    frameworks: {},
    remediation: "Add a startupProbe for slow-starting containers, so the liveness probe does not kill them while they start.",
});

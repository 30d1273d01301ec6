import { pssPolicy } from "../lib/pss";
import { defaultProcMountOnly } from "./pss-baseline-proc-mount";

export const pssRestrictedProcMount = pssPolicy({
    id: "pss-restricted-proc-mount",
    title: "Default /proc mount, even in user namespaces",
    description: "From Kubernetes 1.35 the restricted level keeps requiring the default /proc mount for user-namespaced pods.",
    level: "restricted",
    psaCheckId: "procMount_restricted",
    severity: "high",
    frameworks: { kyverno: "disallow-proc-mount" },
    remediation: "Remove securityContext.procMount or set it to Default.",
    overrides: [{ policyId: "pss-baseline-proc-mount", since: 35 }],
    versions: [{ since: 35, check: defaultProcMountOnly }],
});

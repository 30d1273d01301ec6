import { containersOf } from "../lib/k8s";
import { containerLabel, containerSecurityContext, pssPolicy } from "../lib/pss";

export const pssBaselinePrivileged = pssPolicy({
    id: "pss-baseline-privileged",
    title: "No privileged containers",
    description: "Privileged containers disable most security mechanisms and must not be used.",
    level: "baseline",
    psaCheckId: "privileged",
    severity: "critical",
    frameworks: { polaris: "runAsPrivileged", checkov: "CKV_K8S_16", kyverno: "disallow-privileged-containers" },
    remediation: "Remove securityContext.privileged or set it to false on every container.",
    versions: [{
        since: 0,
        check: (view) => containersOf(view)
            .filter((ref) => containerSecurityContext(ref)?.privileged === true)
            .map((ref) => ({ path: `${ref.path}.securityContext.privileged`, message: `${containerLabel(ref)} must not set privileged=true` })),
    }],
});

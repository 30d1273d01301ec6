import { containersOf } from "../lib/k8s";
import { containerLabel, containerSecurityContext, exceptWindows, pssPolicy, type PodCheck } from "../lib/pss";

const mustDisallowEscalation: PodCheck = (view) => containersOf(view)
    .filter((ref) => containerSecurityContext(ref)?.allowPrivilegeEscalation !== false)
    .map((ref) => ({
        path: `${ref.path}.securityContext.allowPrivilegeEscalation`,
        message: `${containerLabel(ref)} must set allowPrivilegeEscalation=false`,
    }));

export const pssRestrictedPrivilegeEscalation = pssPolicy({
    id: "pss-restricted-privilege-escalation",
    title: "Privilege escalation disallowed",
    description: "Every container must set securityContext.allowPrivilegeEscalation=false.",
    level: "restricted",
    psaCheckId: "allowPrivilegeEscalation",
    severity: "high",
    frameworks: { polaris: "privilegeEscalationAllowed", checkov: "CKV_K8S_20", kyverno: "disallow-privilege-escalation" },
    remediation: "Set securityContext.allowPrivilegeEscalation: false on every container.",
    versions: [
        { since: 8, check: mustDisallowEscalation },
        // 1.25: Windows pods are exempt (the field has no meaning there).
        { since: 25, check: exceptWindows(mustDisallowEscalation) },
    ],
    remediate: (view) => {
        for (const ref of containersOf(view)) {
            ref.container.securityContext = { ...(ref.container.securityContext ?? {}), allowPrivilegeEscalation: false };
        }
    },
});

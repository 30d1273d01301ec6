import { containersOf } from "../lib/k8s";
import { containerLabel, containerSecurityContext, exceptWindows, isSet, podSecurityContext, pssPolicy, quote, type Finding, type PodCheck } from "../lib/pss";
import { allowedSeccompTypes } from "./pss-baseline-seccomp";

const mustSetSeccomp: PodCheck = (view) => {
    const findings: Finding[] = [];
    const podProfile = podSecurityContext(view)?.seccompProfile;
    let podSet = false;
    if (isSet(podProfile)) {
        if (allowedSeccompTypes.has(podProfile.type)) {
            podSet = true;
        } else {
            findings.push({ path: `${view.specPath}.securityContext.seccompProfile.type`, message: `pod must not set seccompProfile.type to ${quote(podProfile.type ?? "")}` });
        }
    }
    for (const ref of containersOf(view)) {
        const profile = containerSecurityContext(ref)?.seccompProfile;
        if (isSet(profile)) {
            if (!allowedSeccompTypes.has(profile.type)) {
                findings.push({ path: `${ref.path}.securityContext.seccompProfile.type`, message: `${containerLabel(ref)} must not set seccompProfile.type to ${quote(profile.type ?? "")}` });
            }
        } else if (!podSet) {
            findings.push({ path: `${ref.path}.securityContext.seccompProfile.type`, message: `pod or ${containerLabel(ref)} must set seccompProfile.type to "RuntimeDefault" or "Localhost"` });
        }
    }
    return findings;
};

export const pssRestrictedSeccomp = pssPolicy({
    id: "pss-restricted-seccomp",
    title: "Seccomp profile required",
    description: "A RuntimeDefault or Localhost seccomp profile must be set on the pod or on every container.",
    level: "restricted",
    psaCheckId: "seccompProfile_restricted",
    severity: "high",
    frameworks: { checkov: "CKV_K8S_31", kyverno: "restrict-seccomp-strict" },
    remediation: "Set spec.securityContext.seccompProfile.type: RuntimeDefault.",
    overrides: [{ policyId: "pss-baseline-seccomp", since: 19 }],
    versions: [
        { since: 19, check: mustSetSeccomp },
        { since: 25, check: exceptWindows(mustSetSeccomp) },
    ],
    remediate: (view) => {
        // Only fill the pod-level default; explicit container profiles are a deliberate choice.
        const sc = view.podSpec.securityContext ?? {};
        if (!isSet(sc.seccompProfile)) {
            view.podSpec.securityContext = { ...sc, seccompProfile: { type: "RuntimeDefault" } };
        }
    },
});

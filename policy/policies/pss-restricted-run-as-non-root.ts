import { containersOf } from "../lib/k8s";
import { containerLabel, containerSecurityContext, exceptUserNamespace, isSet, podSecurityContext, pssPolicy, type Finding, type PodCheck } from "../lib/pss";

const mustRunAsNonRoot: PodCheck = (view) => {
    const findings: Finding[] = [];
    const podValue = podSecurityContext(view)?.runAsNonRoot;
    if (podValue === false) {
        findings.push({ path: `${view.specPath}.securityContext.runAsNonRoot`, message: "pod must not set runAsNonRoot=false" });
    }
    for (const ref of containersOf(view)) {
        const value = containerSecurityContext(ref)?.runAsNonRoot;
        if (value === false) {
            findings.push({ path: `${ref.path}.securityContext.runAsNonRoot`, message: `${containerLabel(ref)} must not set runAsNonRoot=false` });
        } else if (!isSet(value) && podValue !== true) {
            findings.push({ path: `${ref.path}.securityContext.runAsNonRoot`, message: `pod or ${containerLabel(ref)} must set runAsNonRoot=true` });
        }
    }
    return findings;
};

export const pssRestrictedRunAsNonRoot = pssPolicy({
    id: "pss-restricted-run-as-non-root",
    title: "Run as non-root",
    description: "Containers must run as non-root: runAsNonRoot=true at pod level or on every container (user-namespaced pods exempt from 1.35).",
    level: "restricted",
    psaCheckId: "runAsNonRoot",
    severity: "high",
    frameworks: { checkov: "CKV_K8S_23", kyverno: "require-run-as-nonroot" },
    remediation: "Set spec.securityContext.runAsNonRoot: true (and build the image with a numeric non-root USER).",
    versions: [
        { since: 0, check: mustRunAsNonRoot },
        // 1.35: root inside a user namespace (hostUsers: false) is not root on the node.
        { since: 35, check: exceptUserNamespace(mustRunAsNonRoot) },
    ],
});

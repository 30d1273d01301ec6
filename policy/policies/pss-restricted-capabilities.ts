import { asArray, containersOf } from "../lib/k8s";
import { containerLabel, containerSecurityContext, exceptWindows, pssPolicy, quote, type Finding, type PodCheck } from "../lib/pss";

const mustDropAll: PodCheck = (view) => containersOf(view).flatMap((ref) => {
    const findings: Finding[] = [];
    const caps = containerSecurityContext(ref)?.capabilities;
    // Case-sensitive: "all" does not drop everything as far as PSS is concerned.
    if (!asArray(caps?.drop).includes("ALL")) {
        findings.push({ path: `${ref.path}.securityContext.capabilities.drop`, message: `${containerLabel(ref)} must drop "ALL" capabilities` });
    }
    asArray(caps?.add).forEach((cap, i) => {
        if (cap !== "NET_BIND_SERVICE") {
            findings.push({ path: `${ref.path}.securityContext.capabilities.add[${i}]`, message: `${containerLabel(ref)} may only add "NET_BIND_SERVICE", not ${quote(cap)}` });
        }
    });
    return findings;
});

export const pssRestrictedCapabilities = pssPolicy({
    id: "pss-restricted-capabilities",
    title: "Drop all capabilities",
    description: "Containers must drop ALL capabilities and may add back only NET_BIND_SERVICE.",
    level: "restricted",
    psaCheckId: "capabilities_restricted",
    severity: "high",
    frameworks: { checkov: "CKV_K8S_37", kyverno: "disallow-capabilities-strict" },
    remediation: "Set securityContext.capabilities.drop: [\"ALL\"] and add back at most NET_BIND_SERVICE.",
    overrides: [{ policyId: "pss-baseline-capabilities", since: 22 }],
    versions: [
        { since: 22, check: mustDropAll },
        { since: 25, check: exceptWindows(mustDropAll) },
    ],
    remediate: (view) => {
        // Dropping ALL is safe to automate; removing added capabilities is left to a human.
        for (const ref of containersOf(view)) {
            const sc = ref.container.securityContext ?? {};
            const caps = sc.capabilities ?? {};
            const drop = asArray(caps.drop);
            if (!drop.includes("ALL")) {
                ref.container.securityContext = { ...sc, capabilities: { ...caps, drop: [...drop, "ALL"] } };
            }
        }
    },
});

import { asArray, containersOf } from "../lib/k8s";
import { containerLabel, containerSecurityContext, pssPolicy, quote } from "../lib/pss";

/** Capabilities container runtimes grant by default; adding others (or NET_RAW) is forbidden. */
export const baselineAllowedCapabilities: ReadonlySet<string> = new Set([
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
]);

export const pssBaselineCapabilities = pssPolicy({
    id: "pss-baseline-capabilities",
    title: "Only default capabilities may be added",
    description: "Containers must not add Linux capabilities beyond the runtime's default set (e.g. NET_RAW, SYS_ADMIN).",
    level: "baseline",
    psaCheckId: "capabilities_baseline",
    severity: "high",
    frameworks: { checkov: "CKV_K8S_39", kyverno: "disallow-capabilities" },
    remediation: "Remove non-default capabilities from securityContext.capabilities.add.",
    versions: [{
        since: 0,
        check: (view) => containersOf(view).flatMap((ref) =>
            asArray(containerSecurityContext(ref)?.capabilities?.add).flatMap((cap, i) =>
                baselineAllowedCapabilities.has(cap) ? [] : [{
                    path: `${ref.path}.securityContext.capabilities.add[${i}]`,
                    message: `${containerLabel(ref)} must not add capability ${quote(cap)}`,
                }])),
    }],
});

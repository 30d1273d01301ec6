import { asArray, containersOf } from "../lib/k8s";
import { POD_KINDS, requirePodView, resourcePolicy } from "../lib/resource-policy";

/** The runtime's default capabilities: dropping every one of them is as good as dropping ALL. */
export const defaultCapabilities: readonly string[] = [
    "NET_ADMIN", "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID",
    "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE",
];

// Not PSS restricted's rule (which wants the literal "ALL" and allows adding back NET_BIND_SERVICE):
// this one is about what the container keeps, so drop is read case-insensitively and dropping
// every default capability one by one counts.
export const hygieneInsecureCapabilities = resourcePolicy({
    id: "hygiene-insecure-capabilities",
    title: "Default capabilities dropped",
    description: "Containers must drop the runtime's default Linux capabilities: ALL, or every one of them.",
    severity: "medium",
    enforcementLevel: "advisory",
    frameworks: { polaris: "insecureCapabilities" },
    remediation: "Set securityContext.capabilities.drop: [\"ALL\"] on every container.",
    kinds: POD_KINDS,
    check: (args) => containersOf(requirePodView(args)).flatMap((ref) => {
        const drop = new Set(asArray(ref.container.securityContext?.capabilities?.drop).map((c) => String(c).toUpperCase()));
        const kept = drop.has("ALL") ? [] : defaultCapabilities.filter((c) => !drop.has(c));
        return kept.length === 0 ? [] : [{ path: `${ref.path}.securityContext.capabilities.drop`, message: `container "${ref.name}" keeps default capabilities ${kept.join(", ")}: drop ALL` }];
    }),
});

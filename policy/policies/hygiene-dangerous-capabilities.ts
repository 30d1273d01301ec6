import { asArray, containersOf } from "../lib/k8s";
import { POD_KINDS, requirePodView, resourcePolicy } from "../lib/resource-policy";

interface DangerousCapabilitiesConfig { forbidden: string[] }

/** How container runtimes read a capability name: case does not matter, "CAP_" is optional. */
export function capabilityName(cap: unknown): string {
    return String(cap).toUpperCase().replace(/^CAP_/, "");
}

// A denylist of the capabilities that hand a container the host (SYS_ADMIN), its network
// (NET_ADMIN) or everything (ALL), read as runtimes read names. PSS baseline
// (pss-baseline-capabilities) is the stricter allowlist; this one still holds where an
// organisation relaxes that one, e.g. for NET_RAW.
export const hygieneDangerousCapabilities = resourcePolicy<DangerousCapabilitiesConfig>({
    id: "hygiene-dangerous-capabilities",
    title: "No dangerous capabilities",
    description: "Containers must not add ALL, SYS_ADMIN or NET_ADMIN (in any case, with or without CAP_), nor another capability configured as dangerous.",
    severity: "high",
    frameworks: { polaris: "dangerousCapabilities" },
    remediation: "Remove the capability from securityContext.capabilities.add; grant the narrow capability the process needs instead.",
    config: {
        forbidden: { type: "array", items: { type: "string" }, default: ["ALL", "SYS_ADMIN", "NET_ADMIN"], description: "Capabilities no container may add (compared without case and CAP_ prefix)." },
    },
    kinds: POD_KINDS,
    check: (args, cfg) => {
        const forbidden = new Set(cfg.forbidden.map(capabilityName));
        return containersOf(requirePodView(args)).flatMap((ref) =>
            asArray(ref.container.securityContext?.capabilities?.add).flatMap((cap, i) =>
                forbidden.has(capabilityName(cap))
                    ? [{ path: `${ref.path}.securityContext.capabilities.add[${i}]`, message: `container "${ref.name}" must not add capability ${String(cap)}` }]
                    : []));
    },
});

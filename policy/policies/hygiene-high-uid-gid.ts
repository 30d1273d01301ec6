import { containersOf, dig } from "../lib/k8s";
import { POD_KINDS, requirePodView, resourcePolicy, type Finding } from "../lib/resource-policy";

interface HighIdConfig { minId: number; requireRunAsGroup: boolean }

export const hygieneHighUidGid = resourcePolicy<HighIdConfig>({
    id: "hygiene-high-uid-gid",
    title: "High numeric UID and GID",
    description: "Containers must run with an explicit numeric UID (and GID) at or above the configured minimum, away from host users.",
    severity: "low",
    frameworks: { checkov: "CKV_K8S_40", kubeScore: "container-security-context-user-group-id" },
    remediation: "Set securityContext.runAsUser and runAsGroup (pod or container level) to values >= 10000 and build the image with that numeric USER.",
    config: {
        minId: { type: "integer", minimum: 1, default: 10000, description: "Smallest acceptable UID/GID." },
        requireRunAsGroup: { type: "boolean", default: true, description: "Also require runAsGroup." },
    },
    kinds: POD_KINDS,
    check: (args, cfg) => {
        const view = requirePodView(args);
        const fields = cfg.requireRunAsGroup ? ["runAsUser", "runAsGroup"] : ["runAsUser"];
        const findings: Finding[] = [];
        for (const ref of containersOf(view).filter((r) => r.group !== "ephemeralContainers")) {
            for (const field of fields) {
                // The container setting overrides the pod's.
                const own = dig(ref.container, "securityContext", field);
                const value = own ?? dig(view.podSpec, "securityContext", field);
                const path = own !== undefined ? `${ref.path}.securityContext.${field}` : `${view.specPath}.securityContext.${field}`;
                if (typeof value !== "number") {
                    findings.push({ path, message: `container "${ref.name}" must run with an explicit ${field} >= ${cfg.minId}` });
                } else if (value < cfg.minId) {
                    findings.push({ path, message: `container "${ref.name}" ${field} ${value} is below ${cfg.minId}` });
                }
            }
        }
        return findings;
    },
});

import { containersOf, dig } from "../lib/k8s";
import { parseQuantity } from "../lib/quantity";
import { requirePodView, resourcePolicy, type Finding } from "../lib/resource-policy";

interface ResourcesConfig {
    requireEphemeralStorage: boolean;
    maxCpuLimit?: string;
    maxMemoryLimit?: string;
    maxLimitRequestRatio: number;
}

const quantity = (description: string) => ({ type: "string" as const, pattern: "^[0-9.]+(e[0-9]+|[numkMGTPE]|[KMGTPE]i)?$", description });

export const hygieneResources = resourcePolicy<ResourcesConfig>({
    id: "hygiene-resources",
    title: "CPU and memory requests and limits",
    description: "Containers must set CPU and memory requests and limits within the configured maxima and limit/request ratio.",
    severity: "medium",
    frameworks: { polaris: "cpuLimitsMissing", checkov: "CKV_K8S_11", kyverno: "require-requests-limits", kubeScore: "container-resources" },
    remediation: "Set resources.requests and resources.limits for cpu and memory on every container; keep limits within the maxima and no more than maxLimitRequestRatio times the request.",
    config: {
        requireEphemeralStorage: { type: "boolean", default: false, description: "Also require ephemeral-storage requests and limits." },
        maxCpuLimit: quantity("Largest allowed CPU limit, e.g. \"4\" or \"1500m\"."),
        maxMemoryLimit: quantity("Largest allowed memory limit, e.g. \"8Gi\"."),
        maxLimitRequestRatio: { type: "number", minimum: 1, default: 4, description: "Largest allowed limit/request ratio per resource." },
    },
    check: (args, cfg) => {
        const view = requirePodView(args);
        const resourceNames = cfg.requireEphemeralStorage ? ["cpu", "memory", "ephemeral-storage"] : ["cpu", "memory"];
        const maxima: Record<string, number | undefined> = { cpu: parseQuantity(cfg.maxCpuLimit), memory: parseQuantity(cfg.maxMemoryLimit) };
        const findings: Finding[] = [];
        for (const ref of containersOf(view).filter((r) => r.group !== "ephemeralContainers")) {
            const base = `${ref.path}.resources`;
            for (const res of resourceNames) {
                const requestRaw = dig(ref.container, "resources", "requests", res);
                const limitRaw = dig(ref.container, "resources", "limits", res);
                const request = parseQuantity(requestRaw);
                const limit = parseQuantity(limitRaw);
                if (request === undefined) {
                    findings.push({ path: `${base}.requests.${res}`, message: `container "${ref.name}" must set a ${res} request` });
                }
                if (limit === undefined) {
                    findings.push({ path: `${base}.limits.${res}`, message: `container "${ref.name}" must set a ${res} limit` });
                    continue;
                }
                const max = maxima[res];
                if (max !== undefined && limit > max) {
                    findings.push({ path: `${base}.limits.${res}`, message: `container "${ref.name}" ${res} limit ${limitRaw} exceeds the maximum ${res === "cpu" ? cfg.maxCpuLimit : cfg.maxMemoryLimit}` });
                }
                if (request !== undefined && request > 0 && limit / request > cfg.maxLimitRequestRatio) {
                    findings.push({ path: `${base}.limits.${res}`, message: `container "${ref.name}" ${res} limit/request ratio ${+(limit / request).toFixed(2)} exceeds ${cfg.maxLimitRequestRatio}` });
                }
            }
        }
        return findings;
    },
});

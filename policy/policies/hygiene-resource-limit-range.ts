import { servingContainers } from "../lib/container-aspects";
import { containersOf, dig } from "../lib/k8s";
import { parseQuantity, quantitySetting } from "../lib/quantity";
import { POD_KINDS, requirePodView, resourcePolicy, type Finding } from "../lib/resource-policy";

interface LimitRangeConfig {
    maxCpuLimit?: string;
    maxMemoryLimit?: string;
    maxLimitRequestRatio: number;
}

/** The limits this policy bounds, and the setting that holds each one's maximum. */
const bounded = [
    { resource: "cpu", max: "maxCpuLimit" },
    { resource: "memory", max: "maxMemoryLimit" },
] as const;

// Whether requests and limits are set at all is judged per aspect (hygiene-cpu-requests, ...);
// this one only bounds the limits that are set, like a namespace LimitRange would.
export const hygieneResourceLimitRange = resourcePolicy<LimitRangeConfig>({
    id: "hygiene-resource-limit-range",
    title: "Limits within range",
    description: "CPU and memory limits that are set must stay within the configured maxima and limit/request ratio.",
    severity: "medium",
    frameworks: {},
    remediation: "Keep limits within maxCpuLimit / maxMemoryLimit and no more than maxLimitRequestRatio times the request.",
    metadata: { group: "hygiene-resources" },
    config: {
        maxCpuLimit: quantitySetting("Largest allowed CPU limit, e.g. \"4\" or \"1500m\"."),
        maxMemoryLimit: quantitySetting("Largest allowed memory limit, e.g. \"8Gi\"."),
        maxLimitRequestRatio: { type: "number", minimum: 1, default: 4, description: "Largest allowed limit/request ratio per resource." },
    },
    kinds: POD_KINDS,
    check: (args, cfg) => {
        const findings: Finding[] = [];
        for (const ref of servingContainers(containersOf(requirePodView(args)))) {
            for (const { resource, max } of bounded) {
                const limitRaw = dig(ref.container, "resources", "limits", resource);
                const limit = parseQuantity(limitRaw);
                if (limit === undefined) continue;
                const path = `${ref.path}.resources.limits.${resource}`;
                const maximum = parseQuantity(cfg[max]);
                if (maximum !== undefined && limit > maximum) {
                    findings.push({ path, message: `container "${ref.name}" ${resource} limit ${limitRaw} exceeds the maximum ${cfg[max]}` });
                }
                const request = parseQuantity(dig(ref.container, "resources", "requests", resource));
                if (request !== undefined && request > 0 && limit / request > cfg.maxLimitRequestRatio) {
                    findings.push({ path, message: `container "${ref.name}" ${resource} limit/request ratio ${+(limit / request).toFixed(2)} exceeds ${cfg.maxLimitRequestRatio}` });
                }
            }
        }
        return findings;
    },
});

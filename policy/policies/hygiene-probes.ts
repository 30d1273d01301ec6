import { containersOf, isObj } from "../lib/k8s";
import { isBatch, requirePodView, resourcePolicy } from "../lib/resource-policy";

export const hygieneProbes = resourcePolicy({
    id: "hygiene-probes",
    title: "Liveness and readiness probes",
    description: "Long-running containers must define liveness and readiness probes.",
    severity: "medium",
    frameworks: { polaris: "livenessProbeMissing", checkov: "CKV_K8S_8", kyverno: "require-pod-probes", kubeScore: "pod-probes" },
    remediation: "Add livenessProbe and readinessProbe (HTTP or TCP on the app port) to every container.",
    check: (args) => {
        const view = requirePodView(args);
        if (isBatch(view)) {
            args.notApplicable(`${view.kind} pods run to completion`);
        }
        // Init containers run to completion too; only regular containers serve.
        return containersOf(view).filter((r) => r.group === "containers").flatMap((ref) =>
            (["livenessProbe", "readinessProbe"] as const)
                .filter((probe) => !isObj(ref.container[probe]))
                .map((probe) => ({ path: `${ref.path}.${probe}`, message: `container "${ref.name}" must define a ${probe}` })));
    },
});

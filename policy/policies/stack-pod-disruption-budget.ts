import { isObj } from "../lib/k8s";
import { objectLabel, hpaFor, labelSelectorMatches, podLabels, scalableKinds, stackPolicy, type StackFinding } from "../lib/stack-policy";

/** Whether a PDB lets at least one of `replicas` pods be evicted. */
function allowsDisruption(spec: Record<string, unknown>, replicas: number): boolean {
    const percent = (v: string) => Number(v.replace("%", ""));
    const { maxUnavailable, minAvailable } = spec;
    if (maxUnavailable !== undefined) {
        return typeof maxUnavailable === "string" ? percent(maxUnavailable) > 0 : Number(maxUnavailable) > 0;
    }
    if (minAvailable !== undefined) {
        // Percentages round up, so anything below 100% leaves room for one eviction when replicas >= 2.
        return typeof minAvailable === "string" ? Math.ceil((percent(minAvailable) * replicas) / 100) < replicas : Number(minAvailable) < replicas;
    }
    // Neither set: the API defaults to minAvailable 1.
    return replicas > 1;
}

export const stackPodDisruptionBudget = stackPolicy({
    id: "stack-pod-disruption-budget",
    title: "PodDisruptionBudget for replicated workloads",
    description: "Every workload that runs more than one replica must have a PodDisruptionBudget that selects its pods and still allows a voluntary disruption.",
    severity: "medium",
    frameworks: { kubeScore: "deployment-has-poddisruptionbudget", kyverno: "require-pdb" },
    remediation: "Add a policy/v1 PodDisruptionBudget in the workload's namespace selecting its pod labels, with maxUnavailable: 1 (or minAvailable below the replica count).",
    kinds: ["PodDisruptionBudget", "HorizontalPodAutoscaler", ...scalableKinds],
    check: (objects) => {
        const findings: StackFinding[] = [];
        const pdbs = objects.ofKind("PodDisruptionBudget");
        for (const { obj, view } of objects.workloads(scalableKinds)) {
            const hpa = hpaFor(objects, obj);
            // Under an HPA spec.replicas is absent; the smallest replica count is minReplicas.
            const replicas = hpa ? Number(hpa.props.spec?.minReplicas ?? 1) : Number(obj.props.spec?.replicas ?? 1);
            if (!(replicas > 1)) {
                continue;
            }
            const labels = podLabels(view);
            const matching = pdbs.filter((p) => p.namespace === obj.namespace && labelSelectorMatches(p.props.spec?.selector, labels));
            if (matching.length === 0) {
                findings.push({ resource: obj.resource, message: `${objectLabel(obj)} runs ${replicas} replicas but no PodDisruptionBudget selects its pods` });
            } else if (!matching.some((p) => allowsDisruption(isObj(p.props.spec) ? p.props.spec : {}, replicas))) {
                findings.push({ resource: obj.resource, message: `${objectLabel(obj)}: PodDisruptionBudget ${matching.map((p) => p.name).join(", ")} allows no disruption at ${replicas} replicas` });
            }
        }
        return findings;
    },
});

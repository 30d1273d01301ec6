import { objectLabel, hpaFor, programInputs, scalableKinds, stackPolicy, type StackFinding } from "../lib/stack-policy";

interface HpaConfig { minReplicas: number; nonProductionMinReplicas: number; productionEnvironments: string[] }

export const stackHpaMinReplicas = stackPolicy<HpaConfig>({
    id: "stack-hpa-min-replicas",
    title: "Autoscaler keeps enough replicas",
    description: "HorizontalPodAutoscalers must keep at least the required minimum of replicas, and the workloads they scale must not also set spec.replicas.",
    severity: "medium",
    frameworks: {},
    remediation: "Set the HPA's spec.minReplicas to at least the required minimum and omit spec.replicas from the scaled workload (server-side apply would fight the HPA over it).",
    config: {
        minReplicas: { type: "integer", minimum: 1, default: 2, description: "Required HPA minReplicas in production." },
        nonProductionMinReplicas: { type: "integer", minimum: 1, default: 1, description: "Required HPA minReplicas outside production." },
        productionEnvironments: { type: "array", items: { type: "string" }, default: ["production"], description: "Values of the `environment` stack tag that count as production." },
    },
    kinds: ["HorizontalPodAutoscaler", ...scalableKinds],
    check: (objects, cfg, args) => {
        const environment = args.stackTags.get("environment");
        const production = environment !== undefined && cfg.productionEnvironments.includes(environment);
        const required = production ? cfg.minReplicas : cfg.nonProductionMinReplicas;
        const findings: StackFinding[] = [];
        for (const hpa of objects.subjects("HorizontalPodAutoscaler")) {
            const min = Number(hpa.props.spec?.minReplicas ?? 1); // the API default is 1
            if (min < required) {
                findings.push({ resource: hpa.resource, message: `${objectLabel(hpa)} minReplicas ${min} is below the required ${required}${production ? ` in ${environment}` : ""}` });
            }
        }
        for (const { obj } of objects.workloads(scalableKinds)) {
            // The live spec.replicas is the API default or the HPA's own writing: judge the program's inputs.
            const asked = programInputs(obj.props);
            if (asked?.spec?.replicas !== undefined && hpaFor(objects, obj)) {
                findings.push({ resource: obj.resource, message: `${objectLabel(obj)} sets spec.replicas although an HPA scales it; omit it` });
            }
        }
        return findings;
    },
});

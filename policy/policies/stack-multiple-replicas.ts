import { hpaFor, objectLabel, stackPolicy, type StackFinding } from "../lib/stack-policy";

// Under an HPA, spec.replicas is rightly omitted (server-side apply would fight the autoscaler):
// the HPA's minimum is then stack-hpa-min-replicas' business, never a finding here.
export const stackMultipleReplicas = stackPolicy({
    id: "stack-multiple-replicas",
    title: "More than one replica",
    description: "Deployments must run at least two replicas (or be scaled by an HPA), so one pod's loss or eviction does not take the service down.",
    severity: "medium",
    enforcementLevel: "advisory",
    frameworks: { polaris: "deploymentMissingReplicas" },
    remediation: "Set spec.replicas to 2 or more, or attach a HorizontalPodAutoscaler (and omit spec.replicas).",
    kinds: ["Deployment", "HorizontalPodAutoscaler"],
    check: (objects) => objects.workloads(["Deployment"]).flatMap(({ obj }): StackFinding[] => {
        if (hpaFor(objects, obj)) return [];
        const replicas = obj.props.spec?.replicas;
        const count = replicas === undefined || replicas === null ? 1 : Number(replicas); // the API default is 1
        return count >= 2 ? [] : [{ resource: obj.resource, message: `${objectLabel(obj)} runs ${count} replica${count === 1 ? "" : "s"}${replicas === undefined ? " (spec.replicas omitted, no HPA)" : ""}` }];
    }),
});

import { POD_KINDS, requirePodView, resourcePolicy } from "../lib/resource-policy";

export const hygienePriorityClass = resourcePolicy({
    id: "hygiene-priority-class",
    title: "Priority class set",
    description: "Pods must name a priorityClassName, so the scheduler knows what to preempt first under pressure.",
    severity: "low",
    enforcementLevel: "advisory",
    frameworks: { polaris: "priorityClassNotSet" },
    remediation: "Create PriorityClasses for your tiers and set spec.priorityClassName on the pod template.",
    kinds: POD_KINDS,
    check: (args) => {
        const view = requirePodView(args);
        const name = view.podSpec.priorityClassName;
        return typeof name === "string" && name !== "" ? [] : [{ path: `${view.specPath}.priorityClassName`, message: "pod must set priorityClassName" }];
    },
});

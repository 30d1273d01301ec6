import { objectLabel, labelSelectorMatches, podLabels, stackPolicy, controllerKinds } from "../lib/stack-policy";

const podKinds = [...controllerKinds, "Pod", "Job", "CronJob"];

export const stackNetworkPolicy = stackPolicy({
    id: "stack-network-policy",
    title: "Pods covered by a NetworkPolicy",
    description: "Every workload's pods must be selected by at least one NetworkPolicy in their namespace.",
    severity: "high",
    frameworks: { checkov: "CKV2_K8S_6", kubeScore: "pod-networkpolicy" },
    remediation: "Add a NetworkPolicy (e.g. default-deny plus explicit allows) whose podSelector matches the workload's pod labels.",
    kinds: ["NetworkPolicy", ...podKinds],
    check: (objects) => {
        const policies = objects.ofKind("NetworkPolicy");
        return objects.workloads(podKinds).flatMap(({ obj, view }) => {
            const labels = podLabels(view);
            const covered = policies.some((np) => np.namespace === obj.namespace && labelSelectorMatches(np.props.spec?.podSelector ?? {}, labels));
            return covered ? [] : [{ resource: obj.resource, message: `${objectLabel(obj)}: no NetworkPolicy in namespace "${obj.namespace}" selects its pods` }];
        });
    },
});

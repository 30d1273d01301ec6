import { POD_KINDS, requirePodView, resourcePolicy } from "../lib/resource-policy";

export const hygieneNoDefaultServiceAccount = resourcePolicy({
    id: "hygiene-no-default-service-account",
    title: "Dedicated service account",
    description: "Pods must run under a dedicated ServiceAccount, not the namespace's `default` one.",
    severity: "low",
    frameworks: { checkov: "CKV_K8S_41", kubeScore: "pod-serviceaccount" },
    remediation: "Create a ServiceAccount for the workload and set spec.serviceAccountName to it.",
    kinds: POD_KINDS,
    check: (args) => {
        const view = requirePodView(args);
        // serviceAccount is the deprecated alias the API server still honours.
        const name = view.podSpec.serviceAccountName ?? view.podSpec.serviceAccount;
        if (typeof name === "string" && name !== "" && name !== "default") {
            return [];
        }
        return [{ path: `${view.specPath}.serviceAccountName`, message: name === "default" ? "pod must not use the \"default\" ServiceAccount" : "pod must set serviceAccountName to a dedicated ServiceAccount" }];
    },
});

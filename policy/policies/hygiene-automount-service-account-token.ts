import { kindOf, podViewOf } from "../lib/k8s";
import { requirePodView, resourcePolicy } from "../lib/resource-policy";

interface AutomountConfig { podMayInheritFromServiceAccount: boolean }

export const hygieneAutomountServiceAccountToken = resourcePolicy<AutomountConfig>({
    id: "hygiene-automount-service-account-token",
    title: "No automatic service account token",
    description: "Pods and ServiceAccounts must set automountServiceAccountToken: false unless the app calls the Kubernetes API.",
    severity: "medium",
    frameworks: { polaris: "automountServiceAccountToken", checkov: "CKV_K8S_38", kyverno: "restrict-automount-sa-token", kubeScore: "pod-serviceaccount" },
    remediation: "Set automountServiceAccountToken: false on the pod spec (and on its ServiceAccount); mount a projected token only where needed.",
    config: {
        podMayInheritFromServiceAccount: { type: "boolean", default: false, description: "Accept pods that leave the field unset (they inherit their ServiceAccount's setting)." },
    },
    check: (args, cfg) => {
        if (kindOf(args.type) === "ServiceAccount") {
            return args.props.automountServiceAccountToken === false ? [] : [{ path: "automountServiceAccountToken", message: "ServiceAccount must set automountServiceAccountToken=false" }];
        }
        const view = requirePodView(args);
        const value = view.podSpec.automountServiceAccountToken;
        if (value === false || (value === undefined && cfg.podMayInheritFromServiceAccount)) {
            return [];
        }
        return [{ path: `${view.specPath}.automountServiceAccountToken`, message: value === true ? "pod must not set automountServiceAccountToken=true" : "pod must set automountServiceAccountToken=false" }];
    },
    remediate: (props, args) => {
        if (kindOf(args.type) === "ServiceAccount") {
            props.automountServiceAccountToken = false;
            return;
        }
        const view = podViewOf(args.type, props, { defaults: false });
        if (view?.specPresent) {
            view.podSpec.automountServiceAccountToken = false;
        }
    },
});

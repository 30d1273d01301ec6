import { workloadKinds } from "../lib/k8s";
import { objectLabel, serviceAccountNameOf, stackPolicy, type StackFinding } from "../lib/stack-policy";

interface AutomountConfig { podMayInheritFromServiceAccount: boolean }

// Judged by effect across the objects of the stack or manifest set: the API server mounts a token
// unless the pod's automountServiceAccountToken, or else its ServiceAccount's, is false.
export const hygieneAutomountServiceAccountToken = stackPolicy<AutomountConfig>({
    id: "hygiene-automount-service-account-token",
    category: "hygiene",
    title: "No automatic service account token",
    description: "Pods must not get a service account token mounted automatically: automountServiceAccountToken false on the pod, or on its ServiceAccount when the pod leaves it unset; a ServiceAccount must say false unless every pod using it opts out.",
    severity: "medium",
    frameworks: { polaris: "automountServiceAccountToken", checkov: "CKV_K8S_38", kyverno: "restrict-automount-sa-token" },
    remediation: "Set automountServiceAccountToken: false on the pod spec (and on its ServiceAccount); mount a projected token only where needed.",
    config: {
        podMayInheritFromServiceAccount: { type: "boolean", default: false, description: "Accept pods that leave the field unset when their ServiceAccount is not in the set (they inherit a setting this check cannot see)." },
    },
    kinds: ["ServiceAccount", ...workloadKinds],
    check: (objects, cfg) => {
        const findings: StackFinding[] = [];
        const accounts = new Map(objects.ofKind("ServiceAccount").map((sa) => [`${sa.namespace}/${sa.name}`, sa]));
        // ServiceAccount -> whether every pod in the set that uses it opts out itself.
        const users = new Map<string, boolean>();
        for (const { obj, view } of objects.workloads(workloadKinds)) {
            const key = `${obj.namespace}/${serviceAccountNameOf(view)}`;
            const own = view.podSpec.automountServiceAccountToken;
            users.set(key, (users.get(key) ?? true) && own === false);
            if (own === false) continue;
            if (own === true) {
                findings.push({ resource: obj.resource, message: `${objectLabel(obj)}: pod must not set automountServiceAccountToken=true` });
                continue;
            }
            const account = accounts.get(key);
            if (account ? account.props.automountServiceAccountToken === false : cfg.podMayInheritFromServiceAccount) continue;
            findings.push({
                resource: obj.resource,
                message: account
                    ? `${objectLabel(obj)}: pod leaves automountServiceAccountToken unset and its ServiceAccount ${account.name} does not set it to false`
                    : `${objectLabel(obj)}: pod must set automountServiceAccountToken=false (its ServiceAccount ${key} is not in this set)`,
            });
        }
        for (const sa of objects.subjects("ServiceAccount")) {
            if (sa.props.automountServiceAccountToken === false || users.get(`${sa.namespace}/${sa.name}`) === true) continue;
            findings.push({ resource: sa.resource, message: `${objectLabel(sa)} must set automountServiceAccountToken=false (or every pod using it must)` });
        }
        return findings;
    },
});

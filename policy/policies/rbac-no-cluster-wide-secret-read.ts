import { RBAC_KINDS, bindings, boundRole, rbacConfigSchema, roleRefOf, ruleGrants, rulesOf, type RbacConfig } from "../lib/rbac";
import { objectLabel, stackPolicy, type K8sObject, type StackFinding } from "../lib/stack-policy";

const readVerbs = ["get", "list", "watch"];
/** Kubernetes' own ClusterRoles that read Secrets (view does not). */
const builtinSecretReaders = ["cluster-admin", "admin", "edit"];

function readsSecrets(role: K8sObject): boolean {
    return rulesOf(role).some((rule) => ruleGrants(rule, "", "secrets", readVerbs));
}

// A ClusterRole reads Secrets cluster-wide only through a ClusterRoleBinding; bound by a
// RoleBinding it is limited to that namespace (and then judged like any namespaced grant).
export const rbacNoClusterWideSecretRead = stackPolicy<RbacConfig>({
    id: "rbac-no-cluster-wide-secret-read",
    category: "rbac",
    title: "No cluster-wide read of Secrets",
    description: "ClusterRoleBindings must not grant get, list or watch on Secrets in every namespace.",
    severity: "high",
    frameworks: { kubeLinter: "access-to-secrets" },
    remediation: "Grant Secret access with a Role and RoleBinding in the namespace that holds the Secret, ideally limited by resourceNames.",
    config: rbacConfigSchema,
    kinds: RBAC_KINDS,
    check: (objects, cfg) => bindings(objects, cfg).filter((b) => b.kind === "ClusterRoleBinding").flatMap((binding): StackFinding[] => {
        const ref = roleRefOf(binding);
        if (!ref || ref.kind !== "ClusterRole") return [];
        const role = boundRole(objects, binding);
        const reads = role ? readsSecrets(role) : builtinSecretReaders.includes(ref.name);
        return reads ? [{ resource: binding.resource, message: `${objectLabel(binding)} lets its subjects read Secrets in every namespace through ClusterRole ${ref.name}` }] : [];
    }),
});

import { RBAC_KINDS, bindings, bootstrapBindingName, boundRole, rbacConfigSchema, roleRefOf, ruleIsClusterAdmin, rulesOf, type RbacConfig } from "../lib/rbac";
import { objectLabel, stackPolicy, type StackFinding } from "../lib/stack-policy";

export const rbacNoClusterAdminBinding = stackPolicy<RbacConfig>({
    id: "rbac-no-cluster-admin-binding",
    category: "rbac",
    title: "No cluster-admin binding",
    description: "RoleBindings and ClusterRoleBindings must not grant cluster-admin, nor a role of the set that allows every verb on every resource.",
    severity: "critical",
    frameworks: {
        polaris: ["clusterrolebindingClusterAdmin", "rolebindingClusterAdminClusterRole", "rolebindingClusterAdminRole"],
        kubeLinter: "cluster-admin-role-binding",
    },
    remediation: "Bind a role that lists the verbs and resources the subject needs instead of cluster-admin or a wildcard role.",
    config: rbacConfigSchema,
    kinds: RBAC_KINDS,
    check: (objects, cfg) => bindings(objects, cfg).flatMap((binding): StackFinding[] => {
        if (binding.kind === "ClusterRoleBinding" && binding.name === bootstrapBindingName) return [];
        const ref = roleRefOf(binding);
        if (!ref) return [];
        if (ref.kind === "ClusterRole" && ref.name === "cluster-admin") {
            return [{ resource: binding.resource, message: `${objectLabel(binding)} binds the cluster-admin ClusterRole` }];
        }
        const role = boundRole(objects, binding);
        return role && rulesOf(role).some(ruleIsClusterAdmin)
            ? [{ resource: binding.resource, message: `${objectLabel(binding)} binds ${ref.kind} ${ref.name}, which allows every verb on every resource (cluster-admin in effect)` }]
            : [];
    }),
});

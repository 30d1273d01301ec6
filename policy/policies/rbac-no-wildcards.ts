import { RBAC_KINDS, bootstrapRoleNames, rbacConfigSchema, roles, rulesOf, type RbacConfig } from "../lib/rbac";
import { objectLabel, stackPolicy, type StackFinding } from "../lib/stack-policy";

export const rbacNoWildcards = stackPolicy<RbacConfig>({
    id: "rbac-no-wildcards",
    category: "rbac",
    title: "No wildcard verbs or resources",
    description: "Roles and ClusterRoles must list their verbs and resources: \"*\" grants everything that exists now and everything added later.",
    severity: "high",
    frameworks: { checkov: "CKV_K8S_49", kubeLinter: "wildcard-in-rules" },
    remediation: "Replace \"*\" in rules[].verbs and rules[].resources with the verbs and resources the subject needs.",
    config: rbacConfigSchema,
    kinds: RBAC_KINDS,
    check: (objects, cfg) => roles(objects, cfg).flatMap((role): StackFinding[] => {
        if (bootstrapRoleNames.includes(role.name)) return [];
        return rulesOf(role).flatMap((rule, i) => (["verbs", "resources"] as const)
            .filter((field) => rule[field].some((v) => v === "*"))
            .map((field) => ({ resource: role.resource, message: `${objectLabel(role)}: rules[${i}].${field} contains "*"` })));
    }),
});

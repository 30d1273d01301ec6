import { RBAC_KINDS, bindings, bootstrapRoleNames, boundRole, rbacConfigSchema, roles, ruleGrants, rulesOf, type RbacConfig } from "../lib/rbac";
import { objectLabel, stackPolicy, type K8sObject, type StackFinding } from "../lib/stack-policy";

// A websocket upgrade makes "get" enough to exec or attach, so get counts with create.
const execVerbs = ["create", "get"];
const subresources = ["pods/exec", "pods/attach"];

function grantedSubresources(role: K8sObject): string[] {
    return subresources.filter((sub) => rulesOf(role).some((rule) => ruleGrants(rule, "", sub, execVerbs)));
}

export const rbacNoPodsExecAttach = stackPolicy<RbacConfig>({
    id: "rbac-no-pods-exec-attach",
    category: "rbac",
    title: "No pods/exec or pods/attach",
    description: "Roles and ClusterRoles must not allow pods/exec or pods/attach (create or get, wildcards included), and bindings must not grant such a role of the set.",
    severity: "high",
    frameworks: { polaris: ["clusterrolePodExecAttach", "rolePodExecAttach"] },
    remediation: "Remove pods/exec and pods/attach (and wildcard resources) from the role; debug through logs, metrics or an audited break-glass role.",
    config: rbacConfigSchema,
    kinds: RBAC_KINDS,
    check: (objects, cfg) => {
        // The bootstrap roles are Kubernetes' own; a binding to one of the set is still judged by its rules.
        const findings: StackFinding[] = roles(objects, cfg).filter((role) => !bootstrapRoleNames.includes(role.name)).flatMap((role) => {
            const granted = grantedSubresources(role);
            return granted.length ? [{ resource: role.resource, message: `${objectLabel(role)} allows ${granted.join(" and ")}` }] : [];
        });
        for (const binding of bindings(objects, cfg)) {
            const role = boundRole(objects, binding);
            const granted = role ? grantedSubresources(role) : [];
            if (role && granted.length) {
                findings.push({ resource: binding.resource, message: `${objectLabel(binding)} grants ${granted.join(" and ")} through ${role.kind} ${role.name}` });
            }
        }
        return findings;
    },
});

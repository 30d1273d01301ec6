// RBAC helpers for the rbac-* policies: what a rule grants, and which (Cluster)Role of the set a
// binding grants. Roles and their bindings are judged by effect: a binding to a role defined in
// the same stack or manifest set is judged by that role's rules.
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { asArray, isObj } from "./k8s";
import type { K8sObject, StackObjects } from "./stack-policy";

export const RBAC_GROUP = "rbac.authorization.k8s.io";

/**
 * The API server's user-facing default ClusterRoles. The rest of its bootstrap RBAC is named
 * `system:...`, a prefix Kubernetes reserves for objects the control plane (and add-ons installed
 * as part of it) manage; see systemNamed.
 */
export const bootstrapRoleNames: readonly string[] = ["cluster-admin", "admin", "edit"];

/** The bootstrap ClusterRoleBinding that gives system:masters cluster-admin. */
export const bootstrapBindingName = "cluster-admin";

export interface RbacConfig { judgeSystemObjects: boolean }

/** The setting every rbac-* policy takes: whether system:-named objects are judged too. */
export const rbacConfigSchema: Record<string, PolicyConfigJSONSchema> = {
    judgeSystemObjects: {
        type: "boolean",
        default: false,
        description: "Also judge Roles, ClusterRoles and bindings whose own name starts with \"system:\", the prefix Kubernetes reserves for the control plane's RBAC (set it where anyone could hide a grant under that prefix).",
    },
};

/** Named with the reserved system: prefix: the control plane's own object, not the stack's. */
export function systemNamed(o: K8sObject): boolean {
    return o.name.startsWith("system:");
}

export interface Rule { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames: string[] }

export function rulesOf(role: K8sObject): Rule[] {
    return asArray(role.props.rules).filter(isObj).map((r) => ({
        apiGroups: asArray(r.apiGroups).map(String),
        resources: asArray(r.resources).map(String),
        verbs: asArray(r.verbs).map(String),
        resourceNames: asArray(r.resourceNames).map(String),
    }));
}

// RBAC's own matching: "*" matches all, "*" + "/sub" matches that subresource of any resource.
function resourceMatches(granted: string, wanted: string): boolean {
    if (granted === "*" || granted === wanted) return true;
    const sub = wanted.includes("/") ? wanted.slice(wanted.indexOf("/")) : undefined;
    return sub !== undefined && granted === `*${sub}`;
}

/** Whether the rule grants any of `verbs` on `resource` (e.g. "pods/exec") in `apiGroup`. */
export function ruleGrants(rule: Rule, apiGroup: string, resource: string, verbs: readonly string[]): boolean {
    return rule.apiGroups.some((g) => g === "*" || g === apiGroup)
        && rule.resources.some((r) => resourceMatches(r, resource))
        && rule.verbs.some((v) => v === "*" || verbs.includes(v));
}

const allVerbs = ["get", "list", "watch", "create", "update", "patch", "delete"];

/** Everything on everything: the effect of cluster-admin. */
export function ruleIsClusterAdmin(rule: Rule): boolean {
    return rule.apiGroups.includes("*") && rule.resources.includes("*") && rule.resourceNames.length === 0
        && (rule.verbs.includes("*") || allVerbs.every((v) => rule.verbs.includes(v)));
}

export function isRoleKind(o: K8sObject): boolean {
    return o.group === "rbac.authorization.k8s.io" && (o.kind === "Role" || o.kind === "ClusterRole");
}

export interface RoleRef { kind: "Role" | "ClusterRole"; name: string }

export function roleRefOf(binding: K8sObject): RoleRef | undefined {
    const ref = binding.props.roleRef;
    if (!isObj(ref) || typeof ref.name !== "string" || (ref.kind !== "Role" && ref.kind !== "ClusterRole")) return undefined;
    return { kind: ref.kind, name: ref.name };
}

/** The role of the set a binding grants: a ClusterRole by name, a Role in the binding's namespace. */
export function boundRole(objects: StackObjects, binding: K8sObject): K8sObject | undefined {
    const ref = roleRefOf(binding);
    if (!ref) return undefined;
    return objects.ofKind(ref.kind).find((r) => r.group === RBAC_GROUP && r.name === ref.name && (ref.kind === "ClusterRole" || r.namespace === binding.namespace));
}

/** Bindings the policies judge: system:-named ones only when the config says so. A binding's
 *  role is looked up among all objects (boundRole), whatever its name. */
/** What the RBAC policies read: roles and their bindings. */
export const RBAC_KINDS: readonly string[] = ["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"];

export function bindings(objects: StackObjects, cfg: RbacConfig): K8sObject[] {
    return objects.subjects("RoleBinding", "ClusterRoleBinding").filter((b) => b.group === RBAC_GROUP && (cfg.judgeSystemObjects || !systemNamed(b)));
}

export function roles(objects: StackObjects, cfg: RbacConfig): K8sObject[] {
    return objects.subjects("Role", "ClusterRole").filter((r) => isRoleKind(r) && (cfg.judgeSystemObjects || !systemNamed(r)));
}

// RBAC hygiene, judged by effect: roles by their rules, bindings by the role of the set they grant.
import * as assert from "assert";
import type { ResourceInit } from "../../lib/args";
import { allPolicies, selectPolicies } from "../../policies";
import { validateStack } from "./support/harness";

const policy = (id: string) => allPolicies.find((p) => p.name === id)!;
const run = (id: string, resources: ResourceInit[], config?: Record<string, unknown>) => validateStack(policy(id), resources, { config }).messages;

type RuleSpec = { apiGroups?: string[]; resources?: string[]; verbs: string[]; resourceNames?: string[] };
const rule = (resources: string[], verbs: string[], apiGroups = [""]): RuleSpec => ({ apiGroups, resources, verbs });
const clusterRole = (name: string, rules: RuleSpec[]): ResourceInit => ({ type: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", name, props: { metadata: { name }, rules } });
const role = (name: string, rules: RuleSpec[], namespace = "apps"): ResourceInit => ({ type: "kubernetes:rbac.authorization.k8s.io/v1:Role", name, props: { metadata: { name, namespace }, rules } });
const subjects = [{ kind: "ServiceAccount", name: "web", namespace: "apps" }];
const clusterBinding = (name: string, roleName: string): ResourceInit => ({
    type: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", name,
    props: { metadata: { name }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: roleName }, subjects },
});
const binding = (name: string, kind: "Role" | "ClusterRole", roleName: string, namespace = "apps"): ResourceInit => ({
    type: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", name,
    props: { metadata: { name, namespace }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind, name: roleName }, subjects },
});

describe("rbac-no-cluster-admin-binding", () => {
    const id = "rbac-no-cluster-admin-binding";
    it("reports bindings to cluster-admin, cluster-wide or in a namespace", () => {
        assert.deepStrictEqual(run(id, [clusterBinding("ops", "cluster-admin")]), ["ClusterRoleBinding default/ops binds the cluster-admin ClusterRole"]);
        assert.deepStrictEqual(run(id, [binding("ops", "ClusterRole", "cluster-admin")]), ["RoleBinding apps/ops binds the cluster-admin ClusterRole"]);
    });
    it("judges a binding by the role of the set it grants: every verb (or all seven) on everything", () => {
        assert.strictEqual(run(id, [clusterRole("god", [rule(["*"], ["*"], ["*"])]), clusterBinding("ops", "god")]).length, 1);
        assert.strictEqual(run(id, [clusterRole("god", [rule(["*"], ["delete", "patch", "update", "create", "watch", "list", "get"], ["*"])]), clusterBinding("ops", "god")]).length, 1);
        assert.strictEqual(run(id, [role("god", [rule(["*"], ["*"], ["*"])]), binding("ops", "Role", "god")]).length, 1);
    });
    it("accepts explicit groups, resources or verbs, and Kubernetes' own bootstrap bindings", () => {
        assert.deepStrictEqual(run(id, [clusterRole("r", [rule(["*"], ["*"], ["", "apps"])]), clusterBinding("ops", "r")]), []);
        assert.deepStrictEqual(run(id, [clusterRole("r", [rule(["pods", "services"], ["*"], ["*"])]), clusterBinding("ops", "r")]), []);
        assert.deepStrictEqual(run(id, [clusterRole("r", [rule(["*"], ["get", "list", "watch"], ["*"])]), clusterBinding("ops", "r")]), []);
        assert.deepStrictEqual(run(id, [clusterBinding("cluster-admin", "cluster-admin")]), []);
    });
    it("a binding to a role that is not in the set cannot be judged by effect", () => {
        assert.deepStrictEqual(run(id, [clusterBinding("ops", "someone-elses-role")]), []);
    });
    it("a Role of another namespace is not the one a RoleBinding grants", () => {
        assert.deepStrictEqual(run(id, [role("god", [rule(["*"], ["*"], ["*"])], "other"), binding("ops", "Role", "god")]), []);
    });
});

describe("rbac-no-pods-exec-attach", () => {
    const id = "rbac-no-pods-exec-attach";
    it("reports exec and attach through explicit names and wildcards, with create or get", () => {
        assert.deepStrictEqual(run(id, [clusterRole("debug", [rule(["pods/exec"], ["create"])])]), ["ClusterRole default/debug allows pods/exec"]);
        assert.deepStrictEqual(run(id, [role("debug", [rule(["pods/attach"], ["get"])])]), ["Role apps/debug allows pods/attach"]);
        assert.deepStrictEqual(run(id, [clusterRole("all", [rule(["*"], ["*"], ["*"])])]), ["ClusterRole default/all allows pods/exec and pods/attach"]);
        assert.deepStrictEqual(run(id, [clusterRole("sub", [rule(["*/exec"], ["create"])])]), ["ClusterRole default/sub allows pods/exec"]);
    });
    it("accepts other verbs, other resources, other API groups and Kubernetes' bootstrap roles", () => {
        assert.deepStrictEqual(run(id, [clusterRole("r", [rule(["pods/exec"], ["list", "watch"])])]), []);
        assert.deepStrictEqual(run(id, [clusterRole("r", [rule(["pods", "pods/log"], ["get", "create"])])]), []);
        assert.deepStrictEqual(run(id, [clusterRole("r", [rule(["pods/exec"], ["create"], ["apps"])])]), []);
        assert.deepStrictEqual(run(id, [clusterRole("edit", [rule(["pods/exec"], ["create"])])]), []);
    });
    it("reports a binding that grants such a role of the set, not one to a role it cannot see", () => {
        assert.deepStrictEqual(run(id, [clusterRole("debug", [rule(["pods/exec"], ["create"])]), binding("dev", "ClusterRole", "debug")]), [
            "ClusterRole default/debug allows pods/exec",
            "RoleBinding apps/dev grants pods/exec through ClusterRole debug",
        ]);
        assert.deepStrictEqual(run(id, [binding("dev", "ClusterRole", "elsewhere")]), []);
    });
    it("judges a binding to a bootstrap or system: role of the set by that role's rules", () => {
        assert.deepStrictEqual(run(id, [clusterRole("edit", [rule(["pods/exec"], ["create"])]), binding("dev", "ClusterRole", "edit")]), [
            "RoleBinding apps/dev grants pods/exec through ClusterRole edit",
        ]);
        assert.deepStrictEqual(run(id, [role("system:debug", [rule(["pods/attach"], ["get"])]), binding("dev", "Role", "system:debug")]), [
            "RoleBinding apps/dev grants pods/attach through Role system:debug",
        ]);
    });
});

// Kubernetes reserves the system: prefix for the control plane's own RBAC objects.
describe("system:-named RBAC objects", () => {
    const godRole = (name: string) => clusterRole(name, [rule(["*"], ["*"], ["*"])]);
    it("are left to the control plane by every rbac policy", () => {
        assert.deepStrictEqual(run("rbac-no-pods-exec-attach", [godRole("system:controller:glbc")]), []);
        assert.deepStrictEqual(run("rbac-no-wildcards", [godRole("system:controller:glbc")]), []);
        assert.deepStrictEqual(run("rbac-no-cluster-admin-binding", [clusterBinding("system:ops", "cluster-admin")]), []);
        assert.deepStrictEqual(run("rbac-no-cluster-wide-secret-read", [clusterBinding("system:ops", "admin")]), []);
    });
    it("are judged with judgeSystemObjects: true", () => {
        const judge = { judgeSystemObjects: true };
        assert.deepStrictEqual(run("rbac-no-pods-exec-attach", [godRole("system:controller:glbc")], judge), ["ClusterRole default/system:controller:glbc allows pods/exec and pods/attach"]);
        assert.strictEqual(run("rbac-no-wildcards", [godRole("system:controller:glbc")], judge).length, 2);
        assert.deepStrictEqual(run("rbac-no-cluster-admin-binding", [clusterBinding("system:ops", "cluster-admin")], judge), ["ClusterRoleBinding default/system:ops binds the cluster-admin ClusterRole"]);
        assert.strictEqual(run("rbac-no-cluster-wide-secret-read", [clusterBinding("system:ops", "admin")], judge).length, 1);
    });
    it("the prefix is read on the object's own name: a user's binding to a system: role is judged", () => {
        assert.deepStrictEqual(run("rbac-no-cluster-admin-binding", [role("system:test", [rule(["*"], ["*"], ["*"])]), binding("ops", "Role", "system:test")]), [
            "RoleBinding apps/ops binds Role system:test, which allows every verb on every resource (cluster-admin in effect)",
        ]);
        assert.deepStrictEqual(run("rbac-no-pods-exec-attach", [godRole("not-system:x")]), ["ClusterRole default/not-system:x allows pods/exec and pods/attach"]);
    });
});

describe("rbac-no-wildcards", () => {
    const id = "rbac-no-wildcards";
    it("reports * in verbs and in resources, per rule", () => {
        assert.deepStrictEqual(run(id, [role("r", [rule(["pods"], ["get"]), rule(["*"], ["*"])])]), [
            'Role apps/r: rules[1].verbs contains "*"',
            'Role apps/r: rules[1].resources contains "*"',
        ]);
    });
    it("accepts listed verbs and resources (a wildcard API group alone is not flagged)", () => {
        assert.deepStrictEqual(run(id, [clusterRole("r", [rule(["pods", "services"], ["get", "list"], ["*"])])]), []);
    });
});

describe("rbac-no-cluster-wide-secret-read", () => {
    const id = "rbac-no-cluster-wide-secret-read";
    it("reports a ClusterRoleBinding to a role of the set that reads Secrets, or to a built-in reader", () => {
        assert.deepStrictEqual(run(id, [clusterRole("reader", [rule(["secrets"], ["list"])]), clusterBinding("read-all", "reader")]), [
            "ClusterRoleBinding default/read-all lets its subjects read Secrets in every namespace through ClusterRole reader",
        ]);
        assert.strictEqual(run(id, [clusterRole("reader", [rule(["*"], ["get"])]), clusterBinding("read-all", "reader")]).length, 1);
        assert.strictEqual(run(id, [clusterBinding("ops", "admin")]).length, 1);
    });
    it("accepts the same ClusterRole bound in one namespace, write-only grants and view", () => {
        assert.deepStrictEqual(run(id, [clusterRole("reader", [rule(["secrets"], ["list"])]), binding("read-ns", "ClusterRole", "reader")]), []);
        assert.deepStrictEqual(run(id, [clusterRole("writer", [rule(["secrets"], ["create"])]), clusterBinding("w", "writer")]), []);
        assert.deepStrictEqual(run(id, [clusterBinding("v", "view")]), []);
    });
});

describe("rbac keyword", () => {
    it("selects the four RBAC policies", () => {
        assert.deepStrictEqual(selectPolicies("rbac").map((p) => p.name), ["rbac-no-cluster-admin-binding", "rbac-no-pods-exec-attach", "rbac-no-wildcards", "rbac-no-cluster-wide-secret-read"]);
    });
});

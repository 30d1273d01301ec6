// The CI identities users apply (deploy/rbac/*.yaml) against what the program really renders: every
// kind the stacks create is readable by all three identities and writable by the deployer; the
// previewer can dry-run every kind but Secrets and is confined to dry runs; the drift
// identity only reads. The live proof (tokens, dry runs, admission) is the cluster tier's
// tests/tiers/deploy-safety/deploy-safety.test.ts.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { ROOT, sharedSynth, type SynthRun } from "../support/synth-run";

type Obj = Record<string, any>;
const RBAC_DIR = path.join(ROOT, "deploy/rbac");
const docs: Obj[] = fs.readdirSync(RBAC_DIR).filter((f) => f.endsWith(".yaml"))
    .flatMap((f) => YAML.parseAllDocuments(fs.readFileSync(path.join(RBAC_DIR, f), "utf8")).map((d) => d.toJS()));
const byKindName = (kind: string, name: string) => {
    const found = docs.filter((d) => d.kind === kind && d.metadata.name === name);
    assert.ok(found.length >= 1, `no ${kind} ${name} in deploy/rbac`);
    return found[0];
};
const READ = ["get", "list", "watch"];
const WRITE = ["create", "patch", "update", "delete"];

/** apiVersion + kind → [group, plural resource], by the API's own pluralisation rules for these kinds. */
function resourceOf(o: Obj): [string, string] {
    const group = o.apiVersion.includes("/") ? o.apiVersion.split("/")[0] : "";
    const lower = String(o.kind).toLowerCase();
    const plural = lower.endsWith("y") ? `${lower.slice(0, -1)}ies` : lower.endsWith("s") ? `${lower}es` : `${lower}s`;
    return [group, plural];
}
function verbsOn(roleName: string, group: string, resource: string): Set<string> {
    const role = byKindName("ClusterRole", roleName);
    return new Set(role.rules.filter((r: Obj) => r.apiGroups.includes(group) && r.resources.includes(resource)).flatMap((r: Obj) => r.verbs));
}
/** Every ClusterRole an identity (a ServiceAccount in websvc-ci) is bound to, anywhere. */
function rolesOf(sa: string): string[] {
    return docs.filter((d) => (d.kind === "ClusterRoleBinding" || d.kind === "RoleBinding") && d.subjects.some((s: Obj) => s.kind === "ServiceAccount" && s.name === sa && s.namespace === "websvc-ci"))
        .map((b) => { assert.equal(b.roleRef.kind, "ClusterRole"); return b.roleRef.name as string; });
}
const username = (sa: string) => `system:serviceaccount:websvc-ci:${sa}`;

describe("CI identities (deploy/rbac)", function () {
    this.timeout(120_000);
    let kinds: Array<[string, string, string]> = []; // group, resource, kind
    let namespaces: string[] = [];
    before(() => {
        // Both stacks as configured (nginx Ingress, security-headers ConfigMap, Secrets), and production
        // with every optional kind on: Gateway API route, storage, the app's own Role.
        const runs: SynthRun[] = [
            sharedSynth("staging", ["--no-policy"]),
            sharedSynth("production", ["--no-policy", "--set", "ingress.mode=gateway", "--set", "ingress.gateway.name=gw", "--set", "ingress.gateway.namespace=gateway-system",
                "--set", 'storage={"enabled":true,"size":"1Gi","mountPath":"/data"}', "--set", 'rbacRules=[{"apiGroups":[""],"resources":["configmaps"],"verbs":["get"]}]']),
        ];
        for (const run of runs) assert.equal(run.result.status, 0, run.result.stderr);
        const seen = new Map<string, [string, string, string]>();
        for (const o of runs.flatMap((r) => r.objects)) {
            const [g, r] = resourceOf(o);
            seen.set(`${g}/${r}`, [g, r, o.kind]);
        }
        kinds = [...seen.values()];
        namespaces = runs.flatMap((r) => r.objects.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name)).sort();
        assert.ok(kinds.length >= 15, `only ${kinds.length} kinds rendered`);
    });

    it("every kind the stacks render is readable (get, list, watch) by the shared reader role, Secrets apart", () => {
        for (const [g, r, kind] of kinds.filter(([, r]) => r !== "secrets")) {
            const verbs = verbsOn("websvc-stack-reader", g, r);
            for (const v of READ) assert.ok(verbs.has(v), `websvc-stack-reader lacks ${v} on ${kind} (${g}/${r})`);
        }
    });

    it("the deployer can create, patch, update and delete every rendered kind, Secrets and its Namespace included", () => {
        assert.ok(rolesOf("websvc-deployer").includes("websvc-stack-deployer"));
        for (const [g, r, kind] of kinds) {
            const verbs = verbsOn("websvc-stack-deployer", g, r);
            for (const v of WRITE) assert.ok(verbs.has(v), `websvc-stack-deployer lacks ${v} on ${kind}`);
        }
    });

    it("the deployer's admission policy confines its writes to exactly the stacks' namespaces", () => {
        const vap = byKindName("ValidatingAdmissionPolicy", "websvc-deployer-app-namespaces-only");
        assert.equal(vap.spec.matchConditions[0].expression, `request.userInfo.username == '${username("websvc-deployer")}'`);
        const listed = JSON.parse(vap.spec.validations[0].expression.match(/^(\[.*?\])/)[1].replace(/'/g, '"')).sort();
        assert.deepEqual(listed, namespaces);
    });

    it("the previewer can dry-run (create, patch) every rendered kind except Secrets, and holds no Secret right and no delete at all", () => {
        const roles = rolesOf("websvc-previewer");
        assert.deepEqual(roles.sort(), ["websvc-stack-dry-run-writer", "websvc-stack-reader"]);
        for (const [g, r, kind] of kinds.filter(([, r]) => r !== "secrets")) {
            const verbs = verbsOn("websvc-stack-dry-run-writer", g, r);
            assert.ok(verbs.has("create") && verbs.has("patch"), `the previewer cannot dry-run ${kind}`);
        }
        for (const role of roles) assert.equal(verbsOn(role, "", "secrets").size, 0, `${role} grants secrets`);
        for (const role of roles) {
            const verbs = byKindName("ClusterRole", role).rules.flatMap((r: Obj) => r.verbs);
            assert.ok(!verbs.includes("delete") && !verbs.includes("update") && !verbs.includes("*"), `${role} grants ${verbs}`);
        }
    });

    it("the previewer's admission policy refuses its every non-dry-run write, on every resource and subresource", () => {
        const vap = byKindName("ValidatingAdmissionPolicy", "websvc-previewer-dry-run-only");
        assert.equal(vap.spec.failurePolicy, "Fail");
        assert.deepEqual(vap.spec.matchConstraints.resourceRules, [{ apiGroups: ["*"], apiVersions: ["*"], operations: ["CREATE", "UPDATE", "DELETE", "CONNECT"], resources: ["*/*"] }]);
        assert.equal(vap.spec.matchConditions[0].expression, `request.userInfo.username == '${username("websvc-previewer")}'`);
        assert.equal(vap.spec.validations[0].expression, "request.dryRun == true");
        assert.deepEqual(byKindName("ValidatingAdmissionPolicyBinding", "websvc-previewer-dry-run-only").spec, { policyName: "websvc-previewer-dry-run-only", validationActions: ["Deny"] });
    });

    it("the drift identity only reads: the reader role cluster-wide, Secrets by get in the stacks' namespaces only", () => {
        const bindings = docs.filter((d) => /Binding$/.test(d.kind) && !/Admission/.test(d.kind) && d.subjects.some((s: Obj) => s.name === "websvc-drift"));
        const secretBindings = bindings.filter((b) => b.roleRef.name === "websvc-app-secrets-reader");
        assert.ok(secretBindings.every((b) => b.kind === "RoleBinding"), "Secrets must never be bound cluster-wide");
        assert.deepEqual(secretBindings.map((b) => b.metadata.namespace).sort(), namespaces);
        for (const role of rolesOf("websvc-drift")) {
            const verbs = byKindName("ClusterRole", role).rules.flatMap((r: Obj) => r.verbs);
            assert.deepEqual(verbs.filter((v: string) => !READ.includes(v)), [], `${role} grants ${verbs}`);
        }
        assert.deepEqual(verbsOn("websvc-app-secrets-reader", "", "secrets"), new Set(["get"]));
    });
});

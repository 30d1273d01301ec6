// The runner skips a resource policy for kinds outside its `kinds` list (lib/types.ts,
// PackResourcePolicy): that must be the same as calling it, so every policy that declares a list
// is held to it here, on objects of other kinds built to violate everything a pod policy checks.
import * as assert from "assert";
import { allPolicies } from "../../policy/policies";
import { PolicyRunner, runPolicies, runPolicyCheck, typeTokenFor, type ManifestResource } from "../../policy/lib/run";
import { loadManifests } from "../../policy/cli/manifests";
import type { PackPolicy, PackResourcePolicy, PackStackPolicy } from "../../policy/lib/types";
import { FIXTURES } from "./support";

/** A pod template (and ConfigMap data) that every pod and ConfigMap policy of the pack finds fault with. */
const violatingPod = {
    metadata: { labels: { app: "x" }, annotations: {} },
    spec: {
        hostNetwork: true,
        hostPID: true,
        volumes: [{ name: "h", hostPath: { path: "/" } }],
        containers: [{
            name: "c",
            image: "nginx:latest",
            env: [{ name: "DB_PASSWORD", value: "hunter2" }],
            ports: [{ containerPort: 80, hostPort: 80 }],
            securityContext: { privileged: true, runAsUser: 0, allowPrivilegeEscalation: true, capabilities: { add: ["SYS_ADMIN", "NET_RAW"] }, procMount: "Unmasked" },
        }],
    },
};

function objectOf(apiVersion: string, kind: string, i: number): ManifestResource {
    const name = `${kind.toLowerCase()}-${i}`;
    const props = {
        apiVersion,
        kind,
        metadata: { name, namespace: "ns" },
        // Every shape a policy might look in: a pod spec at the root, a template, a job template, data.
        spec: { ...violatingPod.spec, template: violatingPod, jobTemplate: { spec: { template: violatingPod } } },
        template: violatingPod,
        data: { "api-token": "abc", key: "-----BEGIN RSA PRIVATE KEY-----\nMII\n-----END RSA PRIVATE KEY-----" },
    };
    const type = typeTokenFor(apiVersion, kind);
    return { type, name, urn: `urn:pulumi:t::t::${type}::${name}#${i}`, props };
}

const withoutKinds = (policies: PackPolicy[]): PackPolicy[] =>
    policies.map((p) => {
        if (!(p as PackResourcePolicy).validateResource) return p;
        const copy = { ...p } as PackResourcePolicy;
        delete copy.kinds;
        return copy;
    });

const declaring = allPolicies.filter((p) => (p as PackResourcePolicy).validateResource && (p as PackResourcePolicy).kinds !== undefined) as PackResourcePolicy[];

describe("resource policies' kinds", () => {
    it("most resource policies declare the kinds they judge (the pod policies, the ConfigMap one)", () => {
        assert.ok(declaring.length >= 40, `${declaring.length} policies declare kinds`);
        assert.ok(declaring.some((p) => p.kinds!.includes("Deployment") && p.kinds!.includes("CronJob")));
        assert.ok(declaring.some((p) => p.kinds!.length === 1 && p.kinds![0] === "ConfigMap"));
    });

    const others: [string, string][] = [
        ["v1", "ConfigMap"], ["v1", "Secret"], ["v1", "Service"], ["v1", "Namespace"], ["v1", "ServiceAccount"],
        ["apiextensions.k8s.io/v1", "CustomResourceDefinition"], ["monitoring.coreos.com/v1", "PrometheusRule"],
        ["tekton.dev/v1", "Task"], ["argoproj.io/v1alpha1", "Rollout"], ["rbac.authorization.k8s.io/v1", "ClusterRole"],
        ["apps/v1", "ControllerRevision"], ["batch/v1", "Pod"], ["v1", "PodTemplate"], ["apps/v1", "Deployment"], ["batch/v1", "CronJob"],
    ];
    const resources = others.map(([apiVersion, kind], i) => objectOf(apiVersion, kind, i));

    for (const policy of declaring) {
        it(`${policy.name} reports nothing on kinds outside its list (${policy.kinds!.join(", ")})`, () => {
            const outside = resources.filter((r) => !policy.kinds!.includes(r.type.split(":").pop()!));
            assert.ok(outside.length > 0);
            // Called directly (its list removed): what the runner's skip stands for.
            const { violations, exempted } = runPolicyCheck(outside, { policies: withoutKinds([policy]), config: { all: "mandatory" } });
            assert.deepStrictEqual([...violations, ...exempted].map((v) => `${v.resource?.type} ${v.message}`), []);
        });
    }

    it("the fixture objects of those kinds do violate them (the objects above are not harmless)", () => {
        const inside = resources.filter((r) => ["Deployment", "CronJob", "ConfigMap"].includes(r.type.split(":").pop()!));
        const found = new Set(runPolicies(inside, { policies: declaring, config: { all: "mandatory" } }).map((v) => v.policy));
        assert.ok(found.size >= 30, `${found.size} of ${declaring.length} declaring policies found something`);
    });

    it("the whole pack reports the same with and without the kinds lists (fixtures and the objects above)", () => {
        const fixtureObjects = loadManifests([FIXTURES]).objects.map((o, i) => ({ type: typeTokenFor(o.apiVersion, o.kind), name: o.name, urn: `urn:pulumi:t::t::${typeTokenFor(o.apiVersion, o.kind)}::${o.name}#f${i}`, props: o.body }));
        const all = [...fixtureObjects, ...resources];
        const skip = runPolicyCheck(all, { config: { all: "mandatory" }, unknownChecking: false, wire: false });
        const call = runPolicyCheck(all, { policies: withoutKinds(allPolicies), config: { all: "mandatory" }, unknownChecking: false, wire: false });
        assert.ok(skip.violations.length > 100, `${skip.violations.length} violations`);
        assert.deepStrictEqual(skip, call);
    });
});

describe("stack policies' kinds", () => {
    const fixtureObjects = (): ManifestResource[] =>
        loadManifests([FIXTURES]).objects.map((o, i) => ({ type: typeTokenFor(o.apiVersion, o.kind), name: o.name, urn: `urn:pulumi:t::t::${typeTokenFor(o.apiVersion, o.kind)}::${o.name}#f${i}`, props: o.body }));
    const stackPolicies = allPolicies.filter((p) => typeof (p as PackStackPolicy).validateStack === "function") as PackStackPolicy[];

    it("every stack policy of the pack declares the kinds it reads", () => {
        assert.ok(stackPolicies.length >= 10);
        assert.deepStrictEqual(stackPolicies.filter((p) => !p.kinds || p.kinds.length === 0).map((p) => p.name), []);
    });

    /** The runner with a `reload` for every object (as the checker has for files), counting the reloads. */
    const runWithReload = (objects: ManifestResource[], policies?: PackPolicy[]) => {
        const runner = new PolicyRunner({ config: { all: "mandatory" }, unknownChecking: false, wire: false, policies });
        const reloaded: string[] = [];
        for (const o of objects) runner.add(o, () => (reloaded.push(`${o.type} ${o.name}`), structuredClone(o.props)));
        return { ...runner.finish(), reloaded };
    };

    it("objects no policy reads are not kept, and no stack policy asks for them again (the declared kinds are complete)", () => {
        const objects = fixtureObjects();
        const kept = runPolicyCheck(objects, { config: { all: "mandatory" }, unknownChecking: false, wire: false });
        const lazy = runWithReload(objects);
        assert.ok(kept.violations.some((v) => v.policy.startsWith("stack-") || v.policy.startsWith("rbac-")), "the fixtures make stack findings");
        assert.deepStrictEqual({ violations: lazy.violations, exempted: lazy.exempted }, kept);
        assert.deepStrictEqual(lazy.reloaded, []);
    });

    it("a stack policy that reads an undeclared kind gets it through reload: same findings, only slower", () => {
        const objects = fixtureObjects();
        // The pack's stack policies with their lists emptied: every kind they read must be reloaded.
        const undeclared = allPolicies.map((p) => ((p as PackStackPolicy).validateStack ? { ...p, kinds: [] } : p)) as PackPolicy[];
        const kept = runPolicyCheck(objects, { config: { all: "mandatory" }, unknownChecking: false, wire: false });
        const lazy = runWithReload(objects, undeclared);
        assert.ok(lazy.reloaded.length > 0);
        assert.deepStrictEqual({ violations: lazy.violations, exempted: lazy.exempted }, kept);
    });
});

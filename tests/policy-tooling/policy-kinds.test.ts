// The runner skips a resource policy for kinds outside its `kinds` list (lib/types.ts,
// PackResourcePolicy): that must be the same as calling it, so every policy that declares a list
// is held to it here, on objects of other kinds built to violate everything a pod policy checks.
import * as assert from "assert";
import { allPolicies } from "../../policy/policies";
import { runPolicies, runPolicyCheck, typeTokenFor, type ManifestResource } from "../../policy/lib/run";
import { loadManifests } from "../../policy/cli/manifests";
import type { PackPolicy, PackResourcePolicy } from "../../policy/lib/types";
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
        const copy = { ...p } as PackResourcePolicy;
        delete copy.kinds;
        return copy;
    });

const declaring = allPolicies.filter((p) => (p as PackResourcePolicy).kinds !== undefined) as PackResourcePolicy[];

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

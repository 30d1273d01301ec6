import * as assert from "assert";
import { remediateResource, runPolicies, typeTokenFor, type ManifestResource } from "../../run";
import { selectPolicies } from "../../policies";
import { unknown } from "../../lib/args";
import { asResource, podKind, podWith } from "./support/workloads";

const privilegedPod: ManifestResource = (() => {
    const r = asResource(podKind, podWith((p) => { p.spec.containers[0].securityContext.privileged = true; }), "priv");
    return { type: r.type, name: r.name, props: r.props };
})();
const privileged = selectPolicies("pss-baseline-privileged");

describe("typeTokenFor", () => {
    it("maps core and grouped API versions", () => {
        assert.strictEqual(typeTokenFor("v1", "Pod"), "kubernetes:core/v1:Pod");
        assert.strictEqual(typeTokenFor("apps/v1", "Deployment"), "kubernetes:apps/v1:Deployment");
        assert.strictEqual(typeTokenFor("networking.k8s.io/v1", "Ingress"), "kubernetes:networking.k8s.io/v1:Ingress");
    });
});

describe("runPolicies applies config like CrossGuard", () => {
    it("uses the policy's default level without config", () => {
        const v = runPolicies([privilegedPod], { policies: privileged });
        assert.deepStrictEqual(v.map((x) => [x.policy, x.enforcementLevel, x.severity, x.resource?.name]), [["pss-baseline-privileged", "mandatory", "critical", "priv"]]);
    });
    it("`all` sets every policy's level", () => {
        assert.strictEqual(runPolicies([privilegedPod], { policies: privileged, config: { all: "advisory" } })[0].enforcementLevel, "advisory");
        assert.strictEqual(runPolicies([privilegedPod], { policies: privileged, config: { all: { enforcementLevel: "advisory" } } })[0].enforcementLevel, "advisory");
    });
    it("a policy's own entry wins over `all`", () => {
        const v = runPolicies([privilegedPod], { policies: privileged, config: { all: "advisory", "pss-baseline-privileged": { enforcementLevel: "mandatory" } } });
        assert.strictEqual(v[0].enforcementLevel, "mandatory");
    });
    it("disabled skips the policy", () => {
        assert.deepStrictEqual(runPolicies([privilegedPod], { policies: privileged, config: { "pss-baseline-privileged": "disabled" } }), []);
        assert.deepStrictEqual(runPolicies([privilegedPod], { policies: privileged, config: { all: "disabled" } }), []);
    });
    it("policy config properties reach the policy (exemption by name)", () => {
        assert.deepStrictEqual(runPolicies([privilegedPod], { policies: privileged, config: { "pss-baseline-privileged": { exemptResources: ["priv"] } } }), []);
    });
    it("bad config throws naming the policy and the key", () => {
        assert.throws(() => runPolicies([privilegedPod], { policies: privileged, config: { "pss-baseline-privileged": { kubernetesVersion: "one-thirty" } } }),
            /invalid config for policy "pss-baseline-privileged": kubernetesVersion: must match pattern/);
        assert.throws(() => runPolicies([privilegedPod], { policies: privileged, config: { "pss-baseline-privileged": { exemptNamespaces: "kube-system" } } }),
            /policy "pss-baseline-privileged".*exemptNamespaces/);
        assert.throws(() => runPolicies([privilegedPod], { policies: privileged, config: { all: "sometimes" as never } }), /policy "all": invalid enforcementLevel "sometimes"/);
    });
    it("kubernetesVersion option overrides every policy's setting", () => {
        const probeHost = asResource(podKind, podWith((p) => { p.spec.containers[0].livenessProbe = { httpGet: { port: 80, host: "10.0.0.1" } }; }));
        const policies = selectPolicies("pss-baseline-host-probes");
        const config = { "pss-baseline-host-probes": { kubernetesVersion: "1.37" } };
        assert.strictEqual(runPolicies([probeHost as ManifestResource], { policies, config }).length, 1);
        assert.strictEqual(runPolicies([probeHost as ManifestResource], { policies, config, kubernetesVersion: "1.33" }).length, 0);
    });
    it("an unknown value during preview becomes an advisory note, like the runtime", () => {
        const pod = asResource(podKind, podWith((p) => { p.spec.containers[0].securityContext.privileged = unknown.boolean; }));
        const v = runPolicies([pod as ManifestResource], { policies: privileged });
        assert.strictEqual(v.length, 1);
        assert.strictEqual(v[0].enforcementLevel, "advisory");
        assert.match(v[0].message, /^can't run policy 'pss-baseline-privileged' from policy pack 'websvc-k8s' during preview: boolean value at \.spec\.containers\.0\.securityContext\.privileged can't be known during preview$/);
    });
    it("remediate level: reported as remediate and fixed by remediateResource", () => {
        const pod = asResource(podKind, podWith((p) => { delete p.spec.containers[0].securityContext.allowPrivilegeEscalation; })) as ManifestResource;
        const policies = selectPolicies("pss-restricted-privilege-escalation");
        const config = { "pss-restricted-privilege-escalation": "remediate" };
        assert.strictEqual(runPolicies([pod], { policies, config })[0].enforcementLevel, "remediate");
        const fixed = remediateResource(pod, { policies, config });
        assert.deepStrictEqual(runPolicies([{ ...pod, props: fixed }], { policies, config }), []);
    });
    it("a stack policy reading an unknown value becomes an advisory note without a resource", () => {
        const ingress: ManifestResource = { type: "kubernetes:networking.k8s.io/v1:Ingress", name: "web", props: { metadata: { name: "web", namespace: "web" }, spec: { tls: unknown.array } } };
        const v = runPolicies([ingress], { policies: selectPolicies("stack-ingress-tls") });
        assert.deepStrictEqual(v.map((x) => [x.policy, x.enforcementLevel, x.resource]), [["stack-ingress-tls", "advisory", undefined]]);
        assert.match(v[0].message, /during preview: Array value at \.spec\.tls can't be known during preview$/);
    });
});


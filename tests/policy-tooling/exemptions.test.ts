// Exemptions written on objects (exempt.websvc-k8s/<policy id>: "<reason>"), as the policy
// factories apply them: through runPolicyCheck (what the checker uses) and through the real
// @pulumi/policy runtime's analyze RPCs (what `pulumi preview --policy-pack` runs), where the
// pack's policy-exemptions policy must report every waived finding.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { resolvePolicies, runPolicies, runPolicyCheck, remediateResource, typeTokenFor, type ManifestResource } from "../../policy/lib/run";
import { makeResourceValidationArgs } from "../../policy/lib/args";
import { resourcePolicy } from "../../policy/lib/resource-policy";
import type { PackResourcePolicy } from "../../policy/lib/types";
import { allPolicies, selectPolicies } from "../../policy/policies";
import { unknown } from "../../policy/lib/args";
import { exemptionReportPolicy, EXEMPTION_REPORT_POLICY_ID } from "../../policy/lib/exemption-report";
import { packPolicies } from "../../policy/lib/pack-modules";
import { EXEMPTION_ANNOTATION_PREFIX, PSS_REFUSAL } from "../../policy/lib/exemptions";
import { validatePolicyConfig } from "../../policy/cli/checker";
import { parseManifestText } from "../../policy/cli/manifests";
import { fixture } from "./support";
import { analyzerproto, analyzerResource, rpc, server, type Diagnostic } from "./runtime-rpc";

function resourcesIn(file: string): ManifestResource[] {
    return parseManifestText(fs.readFileSync(file, "utf8"), file).objects.map((o) => ({ type: typeTokenFor(o.apiVersion, o.kind), name: o.name, props: o.body }));
}

const honoured = () => resourcesIn(fixture("exemptions", "honoured.yaml"));
const refused = () => resourcesIn(fixture("exemptions", "refused.yaml"));
const on = (name: string) => (v: { resource?: { name: string } }) => v.resource?.name === name;
const PROBES_REASON = "consumes a queue and serves nothing; liveness is the broker heartbeat (OPS-142)";

describe("exemption annotations (policy factories, runPolicyCheck)", function () {
    this.timeout(60000);

    it("waive the named policy's findings on that object: reported as exempted with the reason, not as violations", () => {
        const { violations, exempted } = runPolicyCheck(honoured());
        assert.deepEqual(violations, []);
        // hygiene-probes is the group of the liveness and readiness policies (the id before the split):
        // its annotation exempts both; the startup probe policy is exempted by its own.
        assert.deepEqual(exempted.map((x) => [x.policy, x.resource.name, x.reason, x.annotation, x.enforcementLevel, x.severity]), [
            ["hygiene-liveness-probe", "queue/worker", PROBES_REASON, `${EXEMPTION_ANNOTATION_PREFIX}hygiene-probes`, "mandatory", "medium"],
            ["hygiene-readiness-probe", "queue/worker", PROBES_REASON, `${EXEMPTION_ANNOTATION_PREFIX}hygiene-probes`, "mandatory", "medium"],
            ["hygiene-startup-probe", "queue/worker", PROBES_REASON, `${EXEMPTION_ANNOTATION_PREFIX}hygiene-startup-probe`, "advisory", "low"],
        ]);
        // The waived findings are the ones the policy reports without the annotation.
        const bare = honoured().map((r) => ({ ...r, props: { ...r.props, metadata: { ...(r.props.metadata as object), annotations: {} } } }));
        assert.deepEqual(exempted.map((x) => x.message), runPolicies(bare).filter(on("queue/worker")).map((v) => v.message));
        assert.match(exempted[0].message, /livenessProbe/);
    });

    it("never exempt a Pod Security Standards control: the finding stands and says why the annotation was not honoured", () => {
        const { violations, exempted } = runPolicyCheck(refused(), { policies: selectPolicies("pss-baseline-privileged") });
        assert.deepEqual(exempted, []);
        assert.equal(violations.length, 1);
        assert.equal(violations[0].enforcementLevel, "mandatory");
        assert.ok(violations[0].message.endsWith(`[exemption ${EXEMPTION_ANNOTATION_PREFIX}pss-baseline-privileged not honoured: ${PSS_REFUSAL}]`), violations[0].message);
    });

    it("need a reason: an empty annotation is not honoured", () => {
        const v = runPolicyCheck(refused(), { policies: selectPolicies("hygiene-probes") }).violations.filter(on("queue/no-reason"));
        assert.equal(v.length, 2);
        for (const x of v) assert.match(x.message, /\[exemption exempt\.websvc-k8s\/hygiene-probes not honoured: an exemption needs a reason/);
    });

    it("apply to stack policies' findings on the object", () => {
        const { violations, exempted } = runPolicyCheck(refused(), { policies: selectPolicies("stack-network-policy") });
        assert.deepEqual(violations.filter(on("lonely/loner")), []);
        assert.deepEqual(exempted.map((x) => [x.policy, x.resource.name, x.reason]), [["stack-network-policy", "lonely/loner", "egress-only batch job on an isolated node pool (SEC-9)"]]);
        // The other objects without a NetworkPolicy still fail.
        assert.ok(violations.some(on("queue/no-reason")));
    });

    it("are refused for every policy by disallowAnnotationExemptions (the checker's --disallow-annotation-exemptions)", () => {
        const { violations, exempted } = runPolicyCheck([...honoured(), ...refused()], { disallowAnnotationExemptions: true });
        assert.deepEqual(exempted, []);
        const worker = violations.filter(on("queue/worker"));
        assert.equal(worker.length, 3);
        for (const v of worker) assert.match(v.message, /not honoured: annotation exemptions are disallowed \(disallowAnnotationExemptions\)\]$/);
        assert.ok(violations.some((v) => v.policy === "stack-network-policy" && v.resource?.name === "lonely/loner"));
    });

    it("are refused per policy by its disallowAnnotationExemptions setting, and other policies still honour theirs", () => {
        const config = JSON.parse(fs.readFileSync(fixture("configs", "disallow-probe-exemptions.json"), "utf8"));
        validatePolicyConfig(config);
        const { violations, exempted } = runPolicyCheck([...honoured(), ...refused()], { config });
        // The group's setting reaches its members (liveness, readiness); the startup probe policy's own
        // exemption is still honoured.
        assert.deepEqual(violations.filter(on("queue/worker")).map((v) => v.policy), ["hygiene-liveness-probe", "hygiene-readiness-probe"]);
        assert.deepEqual(exempted.map((x) => x.policy), ["hygiene-startup-probe", "stack-network-policy"]);
    });

    it("PSS controls have no disallowAnnotationExemptions setting; every other policy has it, default false", () => {
        for (const p of allPolicies) {
            const prop = p.configSchema?.properties.disallowAnnotationExemptions as { default?: unknown } | undefined;
            if (p.metadata.category === "pss") assert.equal(prop, undefined, p.name);
            else assert.equal(prop?.default, false, p.name);
        }
        assert.throws(() => validatePolicyConfig({ "pss-baseline-privileged": { disallowAnnotationExemptions: true } }), /unknown setting "disallowAnnotationExemptions"/);
    });

    it("an annotation that is unknown during preview exempts nothing (the finding stands)", () => {
        const [worker] = honoured();
        const previewed = { ...worker, props: { ...worker.props, metadata: { ...(worker.props.metadata as object), annotations: unknown.object } } };
        const { violations, exempted } = runPolicyCheck([previewed], { policies: selectPolicies("hygiene-probes") });
        assert.deepEqual(exempted, []);
        assert.equal(violations.length, 2);
    });

    it("an honoured exemption waives the remediation too", () => {
        // Only PSS controls (never exempted) remediate in the pack today, so a hygiene policy with a
        // fix is made here with the same factory every pack policy uses.
        const tokenOff = resourcePolicy({
            id: "test-token-off", title: "token off", description: "test", severity: "low", frameworks: {}, remediation: "set it",
            check: (args) => (args.props.spec?.automountServiceAccountToken === false ? [] : [{ path: "spec.automountServiceAccountToken", message: "mounts a token" }]),
            remediate: (props) => { props.spec.automountServiceAccountToken = false; },
        });
        const pod = (annotations: Record<string, string>): ManifestResource => ({
            type: "kubernetes:core/v1:Pod",
            name: "p",
            props: { apiVersion: "v1", kind: "Pod", metadata: { name: "p", annotations }, spec: { containers: [{ name: "c", image: "r/i:1" }] } },
        });
        const policies = [tokenOff];
        const config = { "test-token-off": "remediate" };
        const fixed = remediateResource(pod({}), { policies, config }) as { spec: Record<string, unknown> };
        assert.equal(fixed.spec.automountServiceAccountToken, false, "the control: without the annotation the fix applies");
        const exemptPod = pod({ [`${EXEMPTION_ANNOTATION_PREFIX}test-token-off`]: "calls the API" });
        assert.deepEqual(remediateResource(exemptPod, { policies, config }), exemptPod.props);
    });
});

describe("exemption annotations in the pack (the @pulumi/policy runtime's analyze RPCs)", function () {
    this.timeout(60000);
    const policies = [...allPolicies, exemptionReportPolicy];
    const urnOf = (r: ManifestResource) => `urn:pulumi:prod::app::${r.type}::${r.name.replace("/", "-")}`;

    it("a waived finding blocks nothing at analyze time and is reported, with its reason, by policy-exemptions at analyze-stack time", async () => {
        const resources = [...honoured(), ...refused()];
        const analyze = server.makeAnalyzeRpcFun("websvc-k8s", "1.0.0", "mandatory", policies);
        const perResource = new Map<string, Diagnostic[]>();
        for (const r of resources) perResource.set(r.name, await rpc(analyze, analyzerResource(analyzerproto.AnalyzeRequest, r, urnOf(r))));
        assert.deepEqual(perResource.get("queue/worker"), [], "the exempted probes findings are not violations");
        assert.ok(perResource.get("queue/no-reason")?.some((d) => d.policyName === "hygiene-liveness-probe" && /not honoured: an exemption needs a reason/.test(d.message)));
        assert.ok(perResource.get("ops/debug")?.some((d) => d.policyName === "pss-baseline-privileged" && d.message.includes("not honoured")));

        const stackReq = new analyzerproto.AnalyzeStackRequest();
        stackReq.setResourcesList(resources.map((r) => analyzerResource(analyzerproto.AnalyzerResource, r, urnOf(r))));
        // As config/production.json's `"all": "mandatory"` makes it: the reports must stay advisory.
        const forcedMandatory = [...allPolicies, { ...exemptionReportPolicy, enforcementLevel: "mandatory" as const }];
        const stack = await rpc(server.makeAnalyzeStackRpcFun("websvc-k8s", "1.0.0", "mandatory", forcedMandatory), stackReq);
        const reported = stack.filter((d) => d.policyName === EXEMPTION_REPORT_POLICY_ID);
        assert.ok(reported.length > 0);
        // Advisory in the proto enum (EnforcementLevel.ADVISORY = 0): visible, never blocking.
        assert.deepEqual(reported.filter((d) => d.enforcementLevel !== analyzerproto.EnforcementLevel.ADVISORY), []);
        const worker = reported.filter((d) => d.urn === urnOf(resources[0]));
        assert.deepEqual(worker.map((d) => d.message.slice(0, d.message.indexOf(": \""))), [
            `hygiene-liveness-probe exempted by ${EXEMPTION_ANNOTATION_PREFIX}hygiene-probes`,
            `hygiene-readiness-probe exempted by ${EXEMPTION_ANNOTATION_PREFIX}hygiene-probes`,
            `hygiene-startup-probe exempted by ${EXEMPTION_ANNOTATION_PREFIX}hygiene-startup-probe`,
        ]);
        for (const d of worker) assert.ok(d.message.includes(`: "${PROBES_REASON}"`), d.message);
        const loner = resources.find((r) => r.name === "lonely/loner") as ManifestResource;
        assert.ok(reported.some((d) => d.urn === urnOf(loner) && d.message.includes("stack-network-policy exempted")), "stack policies' waived findings too");
        assert.ok(!stack.some((d) => d.policyName === "stack-network-policy" && d.urn === urnOf(loner)));
        // The control: a pod without an exemption in a namespace without a NetworkPolicy is still reported.
        assert.ok(stack.some((d) => d.policyName === "stack-network-policy" && d.urn === urnOf(resources.find((r) => r.name === "ops/debug") as ManifestResource)));
    });

    it("runPolicies reads the runtime's leveled reports the same way (the report policy's findings stay advisory)", () => {
        // Outside a runner (as in the pack), waived findings queue for policy-exemptions.
        const [worker] = honoured();
        const probes = selectPolicies("hygiene-liveness-probe")[0] as PackResourcePolicy;
        const args = makeResourceValidationArgs({ ...worker, urn: "urn:w" }, { config: resolvePolicies([probes])[0].config });
        const reported: string[] = [];
        (probes.validateResource as (a: unknown, r: (m: string) => void) => void)(args, (m) => reported.push(m));
        assert.deepEqual(reported, []);
        const v = runPolicies([{ ...worker, urn: "urn:w" }], { policies: [exemptionReportPolicy], config: { all: "mandatory" } });
        assert.deepEqual(v.map((x) => [x.enforcementLevel, x.resource?.urn]), [["advisory", "urn:w"]]);
        assert.match(v[0].message, /^hygiene-liveness-probe exempted by exempt\.websvc-k8s\/hygiene-probes: "consumes a queue/);
    });

    it("the pack registers policy-exemptions last (it reports what the policies before it waived)", () => {
        const index = fs.readFileSync(path.join(__dirname, "../../policy/index.ts"), "utf8");
        assert.match(index, /policies: packPolicies\(allPolicies, exemptionReportPolicy\)/);
        const list = packPolicies(allPolicies, exemptionReportPolicy, {});
        assert.equal(list[list.length - 1].name, EXEMPTION_REPORT_POLICY_ID);
        assert.deepEqual(list.slice(1, -1).map((p) => p.name), allPolicies.map((p) => p.name));
    });
});

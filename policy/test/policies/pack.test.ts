import * as assert from "assert";
import { allPolicies, hygienePolicies, policyGroups, rbacPolicies, pssBaselinePolicies, pssRestrictedPolicies, selectPolicies, stackPolicies } from "../../policies";
import { validatePolicyConfig } from "../../cli/checker";
import { resolvePolicies, type PolicyConfigFile } from "../../run";
import type { PackResourcePolicy } from "../../lib/types";
import { effectiveConfig, validateResource } from "./support/harness";
import { workloadKinds } from "./support/workloads";

const ids = (ps: { name: string }[]) => ps.map((p) => p.name);

describe("pack contents and metadata", () => {
    it("ids are unique kebab-case, equal to metadata.id, and never the reserved name `all`", () => {
        assert.strictEqual(new Set(ids(allPolicies)).size, allPolicies.length);
        for (const p of allPolicies) {
            assert.match(p.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
            assert.strictEqual(p.metadata.id, p.name);
            assert.notStrictEqual(p.name, "all");
        }
    });
    it("every policy has a description, remediation, severity and a category matching its list", () => {
        const expected = new Map([...pssBaselinePolicies, ...pssRestrictedPolicies].map((p) => [p.name, "pss"] as [string, string])
            .concat(hygienePolicies.map((p) => [p.name, "hygiene"]), stackPolicies.map((p) => [p.name, "stack"]), rbacPolicies.map((p) => [p.name, "rbac"])));
        for (const p of allPolicies) {
            assert.ok(p.description.length > 20, p.name);
            assert.ok(p.metadata.remediation.length > 10, p.name);
            assert.ok(["critical", "high", "medium", "low"].includes(p.metadata.severity), p.name);
            assert.strictEqual(p.metadata.category, expected.get(p.name), p.name);
        }
    });
    it("PSS policies map to their PSS control and pod-security-admission check", () => {
        for (const p of [...pssBaselinePolicies, ...pssRestrictedPolicies]) {
            assert.ok(p.metadata.pssLevel, p.name);
            assert.strictEqual(p.metadata.frameworks.pss, `${p.metadata.pssLevel}/${p.metadata.psaCheckId}`);
            assert.ok(p.name.startsWith(`pss-${p.metadata.pssLevel}-`), p.name);
        }
        // Every check pod-security-admission v0.37 registers, by id.
        assert.deepStrictEqual(allPolicies.map((p) => p.metadata.psaCheckId).filter(Boolean).sort(), [
            "allowPrivilegeEscalation", "appArmorProfile", "capabilities_baseline", "capabilities_restricted", "hostNamespaces",
            "hostPathVolumes", "hostPorts", "hostProbesAndHostLifecycle", "privileged", "procMount", "procMount_restricted",
            "restrictedVolumes", "runAsNonRoot", "runAsUser", "seLinuxOptions", "seccompProfile_baseline", "seccompProfile_restricted",
            "sysctls", "windowsHostProcess",
        ]);
    });
    it("every config schema carries the common properties with their defaults", () => {
        for (const p of allPolicies) {
            const cfg = effectiveConfig(p);
            // PSS controls exempt nothing by default (pod-security-admission semantics); hygiene and stack policies skip kube-system.
            assert.deepStrictEqual(cfg.exemptNamespaces, p.metadata.category === "pss" ? [] : ["kube-system"], p.name);
            assert.deepStrictEqual(cfg.exemptResources, [], p.name);
            assert.strictEqual(cfg.kubernetesVersion, "1.37", p.name);
            assert.ok(!("enforcementLevel" in (p.configSchema?.properties ?? {})), p.name);
        }
    });
});

describe("selectPolicies", () => {
    it("pss-baseline selects exactly the baseline controls", () => {
        assert.deepStrictEqual(ids(selectPolicies("pss-baseline")), ids(allPolicies.filter((p) => p.metadata.pssLevel === "baseline")));
    });
    it("pss-restricted selects baseline + restricted controls", () => {
        assert.deepStrictEqual(ids(selectPolicies("pss-restricted")), ids(allPolicies.filter((p) => p.metadata.pssLevel)));
    });
    it("category keywords and all", () => {
        assert.deepStrictEqual(ids(selectPolicies("hygiene")), ids(allPolicies.filter((p) => p.metadata.category === "hygiene")));
        assert.deepStrictEqual(ids(selectPolicies("stack")), ids(allPolicies.filter((p) => p.metadata.category === "stack")));
        assert.deepStrictEqual(ids(selectPolicies("pss")), ids(allPolicies.filter((p) => p.metadata.category === "pss")));
        assert.deepStrictEqual(ids(selectPolicies("rbac")), ids(allPolicies.filter((p) => p.metadata.category === "rbac")));
        assert.deepStrictEqual(ids(selectPolicies("all")), ids(allPolicies));
    });
    it("comma lists mix ids and keywords, in pack order, without duplicates", () => {
        assert.deepStrictEqual(ids(selectPolicies("stack-ingress-tls, pss-baseline-privileged,pss-baseline-privileged")), ["pss-baseline-privileged", "stack-ingress-tls"]);
        assert.strictEqual(selectPolicies("hygiene,hygiene-probes").length, hygienePolicies.length);
    });
    it("unknown ids and empty selectors throw naming the problem", () => {
        assert.throws(() => selectPolicies("pss-baseline,no-such-policy"), /unknown policy or keyword "no-such-policy"/);
        assert.throws(() => selectPolicies(" , "), /empty policy selector/);
    });
});

describe("robustness: every resource policy copes with sparse objects", () => {
    const sparse: Record<string, unknown>[] = [{}, { spec: {} }, { spec: { template: {} } }, { spec: { containers: [{}] } }, { spec: { template: { spec: { containers: [{ name: "c" }], volumes: [{}] } } } }];
    for (const p of allPolicies.filter((x): x is PackResourcePolicy => "validateResource" in x)) {
        it(`${p.name} never throws`, () => {
            for (const kind of workloadKinds) {
                const group = kind.apiVersion.includes("/") ? kind.apiVersion : `core/${kind.apiVersion}`;
                for (const props of sparse) {
                    assert.doesNotThrow(() => validateResource(p, { type: `kubernetes:${group}:${kind.kind}`, name: "x", props }), `${kind.kind} ${JSON.stringify(props)}`);
                }
            }
        });
    }
});

describe("the @pulumi/policy runtime accepts the pack's policy definitions", () => {
    // The same function the gRPC server uses to describe the pack to the CLI (GetAnalyzerInfo).
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a private module of @pulumi/policy without type declarations
    const protoutil = require("@pulumi/policy/protoutil");
    it("serializes every policy with its config schema, severity, tags and remediation", () => {
        const info = protoutil.makeAnalyzerInfo("websvc-k8s", "0.1.0", "mandatory", { policies: allPolicies }, undefined).toObject();
        assert.strictEqual(info.policiesList.length, allPolicies.length);
        const privileged = info.policiesList.find((p: { name: string }) => p.name === "pss-baseline-privileged");
        assert.strictEqual(privileged.displayname, "No privileged containers");
        assert.deepStrictEqual(privileged.tagsList, ["kubernetes", "pss", "pss-baseline"]);
        assert.strictEqual(privileged.framework.specification, "baseline/privileged");
        assert.ok(privileged.remediationSteps.length > 0);
        const stack = info.policiesList.find((p: { name: string }) => p.name === "stack-ingress-tls");
        assert.ok(stack.configschema.properties.fieldsMap.length >= 3);
    });
});

describe("former bundled ids are groups of the per-aspect policies", () => {
    const levelOf = (config: PolicyConfigFile, id: string) => resolvePolicies(allPolicies, { config }).find((r) => r.policy.name === id)!;
    it("--only hygiene-resources / hygiene-probes select their members", () => {
        assert.deepStrictEqual(ids(selectPolicies("hygiene-probes")), ["hygiene-liveness-probe", "hygiene-readiness-probe"]);
        assert.deepStrictEqual(ids(selectPolicies("hygiene-resources")), policyGroups["hygiene-resources"].members);
    });
    it("a config entry under a group id reaches each member, settings only where the member has them", () => {
        const config: PolicyConfigFile = { all: "mandatory", "hygiene-resources": { enforcementLevel: "advisory", maxLimitRequestRatio: 5 }, "hygiene-probes": "disabled" };
        assert.strictEqual(levelOf(config, "hygiene-cpu-limits").enforcementLevel, "advisory");
        assert.strictEqual(levelOf(config, "hygiene-cpu-limits").config.maxLimitRequestRatio, undefined);
        assert.strictEqual(levelOf(config, "hygiene-resource-limit-range").config.maxLimitRequestRatio, 5);
        assert.strictEqual(levelOf(config, "hygiene-liveness-probe").enforcementLevel, "disabled");
        assert.strictEqual(levelOf(config, "hygiene-startup-probe").enforcementLevel, "mandatory", "not a member of hygiene-probes");
    });
    it("a member's own entry wins over its group's", () => {
        const config: PolicyConfigFile = { "hygiene-resources": "advisory", "hygiene-cpu-limits": "disabled" };
        assert.strictEqual(levelOf(config, "hygiene-cpu-limits").enforcementLevel, "disabled");
        assert.strictEqual(levelOf(config, "hygiene-cpu-requests").enforcementLevel, "advisory");
    });
    it("ephemeral storage follows the group only with requireEphemeralStorage, as inside the old policy", () => {
        assert.strictEqual(levelOf({ all: "advisory", "hygiene-resources": "mandatory" }, "hygiene-ephemeral-storage-limits").enforcementLevel, "advisory");
        assert.strictEqual(levelOf({ "hygiene-resources": { enforcementLevel: "mandatory", requireEphemeralStorage: true } }, "hygiene-ephemeral-storage-limits").enforcementLevel, "mandatory");
    });
    it("the 1.x config files (group ids) still validate", () => {
        const old: PolicyConfigFile = {
            all: { enforcementLevel: "advisory" },
            "hygiene-resources": { enforcementLevel: "advisory", maxLimitRequestRatio: 5 },
            "hygiene-probes": { enforcementLevel: "mandatory" },
        };
        assert.doesNotThrow(() => validatePolicyConfig(old));
        assert.throws(() => validatePolicyConfig({ "hygiene-resources": { maxLimitRatio: 5 } }), /hygiene-resources.*maxLimitRatio/);
        assert.throws(() => validatePolicyConfig({ "hygiene-probes": "warn" }), /hygiene-probes.*warn/);
    });
});

// policy/config/<env>.json: valid against every policy's configSchema, staging mostly advisory,
// production mandatory, and bad files refused with the policy and the key named.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { loadPolicyConfigFile, PolicyConfigError } from "../../policy/check";
import { resolvePolicies } from "../../policy/lib/run";
import type { PolicyConfigFile } from "../../policy/lib/run";
import { allPolicies } from "../../policy/policies";
import { POLICY_DIR, tempDir } from "./support";

const configPath = (env: string) => path.join(POLICY_DIR, "config", `${env}.json`);
const levelsOf = (env: string) => new Map(resolvePolicies(allPolicies, { config: loadPolicyConfigFile(configPath(env)) }).map((r) => [r.policy.name, r.enforcementLevel]));
const idsAt = (levels: Map<string, string>, level: string) => [...levels].filter(([, l]) => l === level).map(([id]) => id);

describe("per-environment policy pack config", () => {
    let staging: Map<string, string>;
    let production: Map<string, string>;
    before(() => {
        staging = levelsOf("staging");
        production = levelsOf("production");
    });

    it("both files pass every policy's configSchema and name only known policies and settings", () => {
        assert.equal(staging.size, allPolicies.length);
        assert.equal(production.size, allPolicies.length);
    });

    it("production is mandatory except low-severity policies", () => {
        const advisory = idsAt(production, "advisory");
        const severity = new Map(allPolicies.map((p) => [p.name, p.metadata.severity]));
        assert.ok(advisory.every((id) => severity.get(id) === "low"), `advisory in production: ${advisory.join(", ")}`);
        assert.ok(idsAt(production, "mandatory").length >= allPolicies.length - advisory.length);
        assert.deepEqual(idsAt(production, "disabled"), []);
    });

    it("staging is mostly advisory, and what it enforces production enforces too", () => {
        const mandatory = idsAt(staging, "mandatory");
        assert.ok(mandatory.length > 0 && mandatory.length < idsAt(staging, "advisory").length, `staging mandatory: ${mandatory.join(", ")}`);
        for (const id of mandatory) assert.equal(production.get(id), "mandatory", id);
    });

    it("critical-severity policies block in every environment", () => {
        for (const p of allPolicies.filter((x) => x.metadata.severity === "critical")) {
            assert.equal(staging.get(p.name), "mandatory", `staging ${p.name}`);
            assert.equal(production.get(p.name), "mandatory", `production ${p.name}`);
        }
    });

    describe("bad config files are refused, naming the policy and the key", () => {
        const base = JSON.parse(fs.readFileSync(configPath("production"), "utf8")) as PolicyConfigFile;
        const cases: Array<{ what: string; patch: PolicyConfigFile; mentions: string[] }> = [
            { what: "an unknown enforcement level", patch: { "hygiene-probes": { enforcementLevel: "warn" } }, mentions: ["hygiene-probes", "enforcementLevel", "warn"] },
            { what: "a setting of the wrong type", patch: { "pss-baseline-privileged": { exemptNamespaces: "kube-system" } }, mentions: ["pss-baseline-privileged", "exemptNamespaces"] },
            { what: "a number below the schema minimum", patch: { "stack-hpa-min-replicas": { minReplicas: 0 } }, mentions: ["stack-hpa-min-replicas", "minReplicas"] },
            { what: "a value outside the enum", patch: { "hygiene-image-tag": { requireDigest: "sometimes" } }, mentions: ["hygiene-image-tag", "requireDigest"] },
            { what: "an invalid kubernetesVersion", patch: { "pss-restricted-seccomp": { kubernetesVersion: "1.x" } }, mentions: ["pss-restricted-seccomp", "kubernetesVersion"] },
            { what: "a misspelt setting", patch: { "hygiene-allowed-registries": { allowedRegistry: ["ghcr.io"] } }, mentions: ["hygiene-allowed-registries", "allowedRegistry"] },
            { what: "a policy the pack does not have", patch: { "hygiene-no-latest": "mandatory" }, mentions: ["hygiene-no-latest"] },
            { what: "settings under all", patch: { all: { enforcementLevel: "mandatory", exemptNamespaces: ["ops"] } as unknown as PolicyConfigFile["all"] }, mentions: ["all", "exemptNamespaces"] },
        ];
        const dir = tempDir("policy-config-");
        after(() => fs.rmSync(dir, { recursive: true, force: true }));

        for (const c of cases) {
            it(`refuses ${c.what}`, () => {
                const file = path.join(dir, `${c.what.replace(/\W+/g, "-")}.json`);
                fs.writeFileSync(file, JSON.stringify({ ...base, ...c.patch }, null, 2));
                assert.throws(
                    () => loadPolicyConfigFile(file),
                    (e: unknown) => {
                        assert.ok(e instanceof PolicyConfigError, String(e));
                        assert.ok(e.message.startsWith(file), e.message);
                        for (const m of c.mentions) assert.ok(e.message.includes(m), `"${e.message}" should mention ${m}`);
                        return true;
                    },
                );
            });
        }
    });
});

// The pack config's "policy-modules" entry (lib/pack-modules.ts): its shape, the modules the pack
// loads at start from WEBSVC_K8S_POLICY_PACK_CONFIG (relative to that file), the errors that name
// the variable, key and path, and the policy-modules guard that stops a run whose config lists
// other modules than the pack loaded.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { ResourceValidation, ResourceValidationArgs } from "@pulumi/policy";
import { modulesOfConfig, PACK_CONFIG_ENV, packModulesFromEnv, packPolicies, policyModulesPolicy, POLICY_MODULES_KEY } from "../lib/pack-modules";
import { PolicyModuleError } from "../lib/policy-modules";
import { exemptionReportPolicy } from "../lib/exemption-report";
import { allPolicies, catalogue } from "../policies";
import { resolvePolicies } from "../lib/engine";
import type { PackPolicy } from "../lib/types";

const BUILTIN = new Set(allPolicies.map((p) => p.name));
const policyModule = (id: string) =>
    `module.exports = ({ resourcePolicy }) => [resourcePolicy({ id: "${id}", title: "t", description: "d", severity: "low", frameworks: {}, remediation: "r", check: () => [] })];\n`;

describe("pack config key policy-modules", () => {
    let dir: string;
    let n = 0;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "pack-modules-"));
        fs.mkdirSync(path.join(dir, "mods"));
        fs.writeFileSync(path.join(dir, "mods", "team.js"), policyModule("team-owned"));
        fs.writeFileSync(path.join(dir, "mods", "empty.js"), "module.exports = () => [];\n");
        fs.writeFileSync(path.join(dir, "mods", "clash.js"), policyModule(POLICY_MODULES_KEY));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** Writes a pack config beside mods/ and returns the env naming it. */
    const envWith = (config: unknown): NodeJS.ProcessEnv => {
        const file = path.join(dir, `config-${n++}.json`);
        fs.writeFileSync(file, JSON.stringify(config));
        return { [PACK_CONFIG_ENV]: file };
    };
    const loads = (config: unknown) => packModulesFromEnv(BUILTIN, envWith(config));

    describe("the entry's shape", () => {
        it("absent, or without modules: no module", () => {
            assert.deepEqual(modulesOfConfig({ all: "advisory" }, "f.json"), []);
            assert.deepEqual(modulesOfConfig({ [POLICY_MODULES_KEY]: { enforcementLevel: "advisory" } }, "f.json"), []);
        });
        it("a list of files or packages under modules", () => {
            assert.deepEqual(modulesOfConfig({ [POLICY_MODULES_KEY]: { modules: ["./a.js", "@acme/p"] } }, "f.json"), ["./a.js", "@acme/p"]);
        });
        it("a bare list (which the Pulumi CLI refuses), another key or a non-string module is refused naming the file and key", () => {
            assert.throws(() => modulesOfConfig({ [POLICY_MODULES_KEY]: ["./a.js"] }, "f.json"), /^PolicyModuleError: f\.json: "policy-modules" must be an object \{ "modules"/);
            assert.throws(() => modulesOfConfig({ [POLICY_MODULES_KEY]: { module: ["./a.js"] } }, "f.json"), /f\.json: "policy-modules": unknown setting "module" \(known: modules\)/);
            assert.throws(() => modulesOfConfig({ [POLICY_MODULES_KEY]: { modules: ["./a.js", 3] } }, "f.json"), /f\.json: "policy-modules"\.modules must be a list of file paths or package names, got \["\.\/a\.js",3\]/);
            assert.throws(() => modulesOfConfig({ [POLICY_MODULES_KEY]: { modules: "./a.js" } }, "f.json"), /"policy-modules"\.modules must be a list/);
        });
    });

    describe("what the pack loads at start", () => {
        it("nothing without the variable", () => {
            assert.deepEqual(packModulesFromEnv(BUILTIN, {}), { specs: [], policies: [] });
        });
        it("the listed modules, relative to the config file, as written", () => {
            const loaded = loads({ [POLICY_MODULES_KEY]: { modules: ["./mods/team.js"] } });
            assert.deepEqual(loaded.specs, ["./mods/team.js"]);
            assert.deepEqual(loaded.policies.map((p) => [p.name, p.metadata.severity]), [["team-owned", "low"]]);
        });
        it("a relative variable is refused naming it (the pack runs in its own directory)", () => {
            assert.throws(() => packModulesFromEnv(BUILTIN, { [PACK_CONFIG_ENV]: "config/production.json" }), new RegExp(`^PolicyModuleError: ${PACK_CONFIG_ENV}=config/production\\.json: give an absolute path`));
        });
        it("an unreadable config file is refused naming the variable and the file", () => {
            const missing = path.join(dir, "nope.json");
            assert.throws(() => packModulesFromEnv(BUILTIN, { [PACK_CONFIG_ENV]: missing }), (e: Error) => e instanceof PolicyModuleError && e.message.startsWith(`${PACK_CONFIG_ENV}=${missing}: cannot read policy config: ENOENT`));
        });
        it("a module path that does not exist is refused naming the variable, the key and the path", () => {
            assert.throws(() => loads({ [POLICY_MODULES_KEY]: { modules: ["./mods/team.js", "./mods/gone.js"] } }), (e: Error) =>
                new RegExp(`^${PACK_CONFIG_ENV}=.*config-\\d+\\.json: "policy-modules"\\.modules\\[1\\] \\./mods/gone\\.js: no such file \\(${dir}/mods/gone\\.js\\)`).test(e.message));
        });
        it("a module that exports no policy, or a policy holding the guard's id, is refused naming the key and the path", () => {
            assert.throws(() => loads({ [POLICY_MODULES_KEY]: { modules: ["./mods/empty.js"] } }), /"policy-modules"\.modules\[0\] \.\/mods\/empty\.js: .*empty\.js exports no policy/);
            const clash = envWith({ [POLICY_MODULES_KEY]: { modules: ["./mods/clash.js"] } });
            assert.throws(() => packPolicies(allPolicies, exemptionReportPolicy, clash), /"policy-modules"\.modules\[0\] \.\/mods\/clash\.js: policy "policy-modules" is a built-in policy id/);
        });
    });

    describe("the pack's list and the policy-modules guard", () => {
        const guardOf = (env: NodeJS.ProcessEnv) => packPolicies(allPolicies, exemptionReportPolicy, env)[0] as ReturnType<typeof policyModulesPolicy>;
        /** The guard's validateResource with `sent` as the config the engine sent it. */
        const check = (env: NodeJS.ProcessEnv, sent: Record<string, unknown>) => () =>
            (guardOf(env).validateResource as ResourceValidation)({ getConfig: () => sent } as unknown as ResourceValidationArgs, () => assert.fail("the guard reports nothing"));

        it("guard first, built-in policies, the modules' policies, policy-exemptions last", () => {
            const list = packPolicies(allPolicies, exemptionReportPolicy, envWith({ [POLICY_MODULES_KEY]: { modules: ["./mods/team.js"] } }));
            assert.deepEqual(list.map((p) => p.name), [POLICY_MODULES_KEY, ...allPolicies.map((p) => p.name), "team-owned", exemptionReportPolicy.name]);
        });
        it("its schema is the entry's: JSON-schema validation fills modules: [] and refuses a string, as the engine does", () => {
            const guard = guardOf({}) as unknown as PackPolicy;
            assert.deepEqual(resolvePolicies([guard], { catalogue }).map((r) => r.config), [{ modules: [] }]);
            assert.throws(() => resolvePolicies([guard], { catalogue, config: { [POLICY_MODULES_KEY]: { modules: "./a.js" } } }), /invalid config for policy "policy-modules": modules: must be array/);
        });
        it("passes when the config the engine sent lists what the pack loaded", () => {
            const env = envWith({ [POLICY_MODULES_KEY]: { modules: ["./mods/team.js"] } });
            check(env, { modules: ["./mods/team.js"] })();
            check({}, { modules: [] })();
        });
        it("stops the run when the sent config lists modules the pack did not load (variable unset), naming the key and the variable", () => {
            assert.throws(check({}, { modules: ["./mods/team.js"] }), new RegExp(`^Error: "policy-modules"\\.modules: the policy pack config lists \\["\\./mods/team\\.js"\\], but ${PACK_CONFIG_ENV} was not set when the pack started`));
        });
        it("stops the run when the pack loaded modules the sent config does not list (another file, or no --policy-pack-config)", () => {
            const env = envWith({ [POLICY_MODULES_KEY]: { modules: ["./mods/team.js"] } });
            assert.throws(check(env, { modules: [] }), new RegExp(`the policy pack config lists \\[\\], but the pack loaded \\["\\./mods/team\\.js"\\] at start from ${PACK_CONFIG_ENV}=`));
        });
    });
});

// Own policy modules through the real engine: the pack config's "policy-modules" entry (with
// WEBSVC_K8S_POLICY_PACK_CONFIG naming the same file, see policy/lib/pack-modules.ts) adds the
// example's team-owner-label policy to the CrossGuard pack. On the compliant fixture under the
// production config, its violation is the only mandatory one; the config's level for it applies;
// the engine validates its settings; a bad module path, and a config the pack did not load, stop
// the run naming the key; and the CLI refuses the bare list a `"policyModules": [...]` key would be.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { commandText, describeViolations, Engine, EngineEvents, engineMissing, fixtureStack, prepareEngine, tail } from "../lib/engine";
import { note, ROOT, skipUnlessProvisioned } from "../lib/tier";

const ENV = "WEBSVC_K8S_POLICY_PACK_CONFIG";
const MODULE = path.join(ROOT, "examples", "worker-stack", "policies", "team-owner-label.js");

describe("engine: own policy modules from the pack config", function () {
    this.timeout(600_000);
    let engine: Engine;
    let stack: Stack;
    let dir: string;
    let production: Record<string, unknown>;

    before(async function () {
        skipUnlessProvisioned(this, "engine", engineMissing());
        engine = await prepareEngine("engine");
        stack = await fixtureStack(engine, "modules", { renderDir: path.join(engine.work, "modules-render"), variant: "hardened" });
        // The config and the module sit together outside the pack: the module path is relative to the config file.
        dir = path.join(engine.work, "modules-config");
        fs.mkdirSync(path.join(dir, "policies"), { recursive: true });
        fs.copyFileSync(MODULE, path.join(dir, "policies", "team-owner-label.js"));
        production = JSON.parse(fs.readFileSync(path.join(engine.policyDir, "config", "production.json"), "utf8"));
    });

    /** Writes `config` (the production config plus `extra`) as `name` and previews with it; `packConfigEnv` false leaves the variable unset. */
    async function preview(name: string, extra: Record<string, unknown>, packConfigEnv = true): Promise<{ events: EngineEvents; error?: unknown; output: string }> {
        const file = path.join(dir, name);
        fs.writeFileSync(file, JSON.stringify({ ...production, ...extra }, null, 2));
        const workspace = stack.workspace as LocalWorkspace;
        if (packConfigEnv) workspace.envVars[ENV] = file;
        const events = new EngineEvents();
        try {
            const r = await stack.preview({ policyPacks: [engine.policyDir], policyPackConfigs: [file], onEvent: events.onEvent });
            return { events, output: r.stdout + r.stderr };
        } catch (error) {
            return { events, error, output: commandText(error) };
        } finally {
            delete workspace.envVars[ENV];
        }
    }

    const firstLine = (text: string, re: RegExp) => (text.split("\n").find((l) => re.test(l)) ?? "").trim().slice(0, 400);
    const modules = { "policy-modules": { modules: ["./policies/team-owner-label.js"] } };

    it("the module's violation is the only mandatory one, with the module's message", async () => {
        const { events, error, output } = await preview("mandatory.json", modules);
        assert.ok(error, `the preview passed although the Pod has no team label:\n${tail(output)}`);
        const mandatory = events.violations("mandatory");
        // The engine's message is the policy's description, then the reported message.
        assert.deepEqual(mandatory.map((v) => [v.policyName, v.message.split("\n").slice(1).join("\n").trim()]), [["team-owner-label", "metadata.labels.team: Pod must name its owning team"]], describeViolations(events));
        note(`blocked by ${mandatory[0].policyName}: ${mandatory[0].message.replace(/\n+/g, " / ")}`);
    });

    it("the config's enforcement level applies to it: advisory lets the preview through", async () => {
        const { events, error, output } = await preview("advisory.json", { ...modules, "team-owner-label": "advisory" });
        assert.equal(error, undefined, tail(output));
        assert.deepEqual(events.violations("mandatory"), []);
        assert.deepEqual(events.violations("advisory").filter((v) => v.policyName === "team-owner-label").length, 1, describeViolations(events, "advisory"));
    });

    it("the engine validates its settings against its config schema, as for a built-in policy", async () => {
        const { error, output } = await preview("bad-setting.json", { ...modules, "team-owner-label": { exemptResources: "root-pod" } });
        assert.ok(error, "a string where the schema wants a list was accepted");
        assert.match(output, /team-owner-label: exemptResources: Invalid type/);
        note(firstLine(output, /team-owner-label: exemptResources/));
    });

    it("a module path that does not exist stops the pack at start, naming the key and the path", async () => {
        const { error, output } = await preview("bad-path.json", { "policy-modules": { modules: ["./policies/nope.js"] } });
        assert.ok(error, "the preview ran without the module");
        assert.match(output, /"policy-modules"\.modules\[0\] \.\/policies\/nope\.js: no such file/);
        note(firstLine(output, /nope\.js/));
    });

    it("the Pulumi CLI refuses a bare list as a top-level value (why the entry is an object)", async () => {
        const { error, output } = await preview("bare-list.json", { policyModules: ["./policies/team-owner-label.js"] }, false);
        assert.ok(error, "the CLI accepted a list as a policy's entry");
        assert.match(output, /parsing "policyModules": .* is not a valid value; must be a string or object/);
        note(firstLine(output, /policyModules/));
    });

    it(`a config listing modules the pack did not load (${ENV} unset) stops the run, naming the key and the variable`, async () => {
        const { events, error, output } = await preview("unset.json", modules, false);
        assert.ok(error, "the preview ran without the configured module");
        assert.match(output, new RegExp(`"policy-modules"\\.modules: the policy pack config lists \\["\\./policies/team-owner-label\\.js"\\], but ${ENV} was not set`));
        assert.deepEqual(events.violations().filter((v) => v.policyName === "team-owner-label"), []);
        note(firstLine(output, /policy-modules/));
    });
});

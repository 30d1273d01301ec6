// The real engine loads the real pack and blocks a privileged root Pod (scripts/fixtures/bad-stack)
// with mandatory violations, read from the engine's policy events; render mode writes nothing.
import { strict as assert } from "assert";
import * as path from "path";
import { Stack } from "@pulumi/pulumi/automation";
import { commandText, describeViolations, Engine, EngineEvents, engineMissing, fixtureStack, packOptions, prepareEngine, tail } from "../lib/engine";
import { yamlFiles } from "../lib/render-checks";
import { note, skipUnlessProvisioned } from "../lib/tier";

describe("engine: bad variant", function () {
    this.timeout(600_000);
    let engine: Engine;
    let stack: Stack;
    let render: string;

    before(async function () {
        skipUnlessProvisioned(this, "engine", engineMissing());
        engine = await prepareEngine("engine");
        render = path.join(engine.work, "bad-render");
        stack = await fixtureStack(engine, "bad", { renderDir: render });
    });

    it("a preview of a privileged root Pod is BLOCKED by mandatory policies", async () => {
        const events = new EngineEvents();
        const error = await stack.preview({ ...packOptions(engine), onEvent: events.onEvent }).then(() => undefined, (e: unknown) => e);
        assert.ok(error, "the preview of a privileged root Pod passed the policy pack");
        const mandatory = events.violations("mandatory");
        assert.ok(mandatory.length > 0, `the preview failed, but not with a mandatory policy violation:\n${tail(commandText(error))}`);
        const privileged = mandatory.filter((v) => /privileged/i.test(`${v.policyName} ${v.message}`));
        assert.ok(privileged.length > 0, `no mandatory violation about privileged containers among:\n${describeViolations(events)}`);
        note(`${mandatory.length} mandatory violation(s) from ${new Set(mandatory.map((v) => v.policyName)).size} policies, e.g. ${privileged[0].policyName}: ${privileged[0].message.split("\n")[0].slice(0, 100)}`);
    });

    it("nothing rendered", () => {
        assert.deepEqual(yamlFiles(render), [], "objects were rendered despite the violations");
    });
});

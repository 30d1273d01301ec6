// The compliant control: the same tiny program with variant=hardened passes the pack with the
// production config (every policy mandatory) and goes through up, a no-change preview and destroy.
// It proves the lifecycle with this toolchain independently of the real program's providers.
import { strict as assert } from "assert";
import * as path from "path";
import { Stack } from "@pulumi/pulumi/automation";
import { describeChanges, describeViolations, Engine, EngineEvents, engineMissing, fixtureStack, packOptions, prepareEngine } from "../lib/engine";
import { yamlFiles } from "../lib/render-checks";
import { Lifecycle, note, skipUnlessProvisioned } from "../lib/tier";

describe("engine: control (compliant variant of the same program)", function () {
    this.timeout(600_000);
    let engine: Engine;
    let stack: Stack;
    let render: string;
    const steps = new Lifecycle("control");
    const pack = () => packOptions(engine, "production");

    before(async function () {
        skipUnlessProvisioned(this, "engine", engineMissing());
        engine = await prepareEngine("engine");
        render = path.join(engine.work, "control-render");
        stack = await fixtureStack(engine, "control", { renderDir: render, variant: "hardened" });
    });

    steps.it("the hardened variant passes the pack (production config) in preview", async () => {
        const events = new EngineEvents();
        const result = await stack.preview({ ...pack(), onEvent: events.onEvent });
        assert.deepEqual(events.violations("mandatory"), [], describeViolations(events));
        // The CLI lists the packs it ran; no event says so when a pack finds nothing.
        assert.match(result.stdout, /websvc-k8s/, "the preview output does not name the websvc-k8s pack: was it loaded?");
        note(describeChanges(result.changeSummary));
    }, { required: true });

    steps.it("up renders the Pod and its NetworkPolicy", async () => {
        const result = await stack.up(pack());
        assert.equal(yamlFiles(render).length, 2, `rendered: ${yamlFiles(render).join(", ")}`);
        note(describeChanges(result.summary.resourceChanges ?? {}));
    }, { required: true });

    steps.it("a second preview expects no changes", async () => {
        const result = await stack.preview({ ...pack(), expectNoChanges: true });
        note(describeChanges(result.changeSummary));
    });

    steps.it("destroy removes every rendered object", async () => {
        await stack.destroy();
        assert.deepEqual(yamlFiles(render), []);
    });
});

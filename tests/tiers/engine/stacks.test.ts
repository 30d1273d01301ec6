// The real program, per stack (TIER_STACKS, default "staging production"), in render mode (no
// cluster), with a digest-pinned image.ref (no Docker), the real pack and policy/config/<env>.json:
// preview, up, a no-change preview, the rendered objects against `npm run synth`'s, no secret in
// plaintext in the state (with a positive control), destroy. appSecrets as the stack files configure
// them: the random provider is the real one when PATH has it, else the TEST STAND-IN (lib/engine.ts).
import { strict as assert } from "assert";
import { createHash } from "crypto";
import * as path from "path";
import {
    commandText, describeChanges, describeViolations, encryptedState, Engine, EngineEvents, engineMissing,
    packOptions, prepareEngine, ProjectStack, projectStack, tail,
    destroyAsDocumented,
} from "../lib/engine";
import { compareRender, secretLeaks, secretValues, yamlFiles } from "../lib/render-checks";
import { Lifecycle, note, ROOT, run, skipUnlessProvisioned, tierStacks } from "../lib/tier";

const IMAGE_REF = `registry.example.com/websvc/app@sha256:${createHash("sha256").update("engine-test").digest("hex")}`;

for (const name of tierStacks()) {
    describe(`engine: stack ${name}`, function () {
        this.timeout(900_000);
        let engine: Engine;
        let p: ProjectStack;
        let render: string;
        const steps = new Lifecycle(name);
        const pack = () => packOptions(engine, p.environment);

        before(async function () {
            skipUnlessProvisioned(this, "engine", engineMissing());
            engine = await prepareEngine("engine");
            render = path.join(engine.work, `render-${name}`);
            p = await projectStack(engine, name, { image: { ref: IMAGE_REF }, kubernetes: { renderYamlToDirectory: render } });
        });

        steps.it(`websvc:image = {ref: ${IMAGE_REF.slice(0, 60)}…}`, async () => {
            const image = JSON.parse((await p.stack.getConfig("image")).value);
            assert.deepEqual(image, { ref: IMAGE_REF });
        }, { required: true });

        steps.it("preview with the policy pack: no mandatory violation", async () => {
            const events = new EngineEvents();
            let result;
            try {
                result = await p.stack.preview({ ...pack(), diff: true, onEvent: events.onEvent });
            } catch (e) {
                throw new Error(`preview failed:\n${tail(commandText(e), 40)}\n${describeViolations(events)}`, { cause: e });
            }
            assert.deepEqual(events.violations("mandatory"), [], describeViolations(events));
            assert.ok((result.changeSummary.create ?? 0) > 0, `nothing to create: ${describeChanges(result.changeSummary)}`);
            note(describeChanges(result.changeSummary));
        }, { required: true });

        steps.it("up renders the stack's objects", async () => {
            const result = await p.stack.up(pack());
            const files = yamlFiles(render).length;
            assert.ok(files > 0, "up rendered no YAML file");
            note(`${describeChanges(result.summary.resourceChanges ?? {})}; ${files} YAML files rendered`);
        }, { required: true });

        steps.it("a second preview expects no changes (no perpetual diff)", async () => {
            const result = await p.stack.preview({ ...pack(), expectNoChanges: true });
            note(describeChanges(result.changeSummary));
        });

        steps.it("the engine's render matches `npm run synth`", async () => {
            const synth = path.join(engine.work, `synth-${name}`);
            const sets = ["--set", `image.ref=${IMAGE_REF}`, "--set", `kubernetes.renderYamlToDirectory=${render}`];
            // Synth gets the secret key too (its own value: the comparison does not read it).
            const r = await run(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/synth.ts", "--stack", name, "--out", synth, "--no-policy",
                ...sets, "--secret", "alertWebhookUrl=https://hooks.example.com/services/engine-test"], { cwd: ROOT });
            assert.equal(r.code, 0, `npm run synth failed:\n${tail(r.output)}`);
            const { summary, problems } = compareRender(render, synth);
            assert.deepEqual(problems, [], summary);
            note(summary);
        });

        let secrets: string[] = [];
        steps.it("no secret value in plaintext in the state", async () => {
            // Secret stack outputs only: the plain ones are meant to be in the state.
            const outputs = await p.stack.outputs();
            secrets = secretValues(render, Object.values(outputs).filter((o) => o.secret).map((o) => o.value));
            const { summary, problems } = secretLeaks(await encryptedState(engine, p.stack), secrets);
            assert.deepEqual(problems, [], summary);
            note(summary);
        });

        steps.it("leak check positive control: every value is found in the decrypted state", async () => {
            const { summary, problems } = secretLeaks(await p.stack.exportStack(), secrets, true);
            assert.deepEqual(problems, [], summary);
        });

        steps.it("destroy (protected resources unprotected first, as documented) removes every rendered object", async () => {
            const unprotected = await destroyAsDocumented(engine, p.stack);
            if (p.environment === "production") assert.ok(unprotected > 0, "production's state holds no protected resource");
            assert.deepEqual(yamlFiles(render), []);
        });
    });
}

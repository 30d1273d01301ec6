// What the pack adds to a preview (tests/tiers/lib/pack-cost.ts), in two environments: as the CLI
// starts, and with NODE_COMPILE_CACHE set (warmed by the first previews), which lets Node load the
// runtime's TypeScript and @pulumi/pulumi without compiling them. Then the same pack loaded from its
// TypeScript sources, for comparison. Self-contained (its own control program), so
// `npm run test:engine -- --grep "pack cost"` runs it alone (a few minutes).
// PACK_COST_RUNS (engine-log runs per pack, default 3), PACK_COST_ROUNDS (paired rounds, default 3)
// and PACK_COST_TS_ROUNDS (default 1, 0 to skip) bound the time.
import { strict as assert } from "assert";
import * as path from "path";
import { Engine, engineMissing, fixtureStack, prepareEngine } from "../lib/engine";
import { PackCost, packCostVerdict } from "../lib/pack-cost";
import { median, note, skipUnlessProvisioned } from "../lib/tier";

const count = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

describe("engine: pack cost (the engine's wait on the analyzer, and paired wall time)", function () {
    this.timeout(1_800_000);
    let engine: Engine;
    let cost: PackCost;

    before(async function () {
        skipUnlessProvisioned(this, "engine", engineMissing());
        engine = await prepareEngine("engine");
        const stack = await fixtureStack(engine, "pack-cost", { renderDir: path.join(engine.work, "pack-cost-render"), variant: "hardened" });
        cost = new PackCost(engine, stack);
    });

    it("the pack adds at most 500 ms, or at most 300 ms over a no-op pack, with NODE_COMPILE_CACHE", async () => {
        const runs = count("PACK_COST_RUNS", 3);
        const rounds = count("PACK_COST_ROUNDS", 3);
        const asStarted = await cost.measure("as the CLI starts", runs, rounds);
        const cached = await cost.withCompileCache(path.join(engine.work, "node-compile-cache"), () => cost.measure("NODE_COMPILE_CACHE", runs, rounds));
        const tsWaits = [];
        for (let i = 0; i < count("PACK_COST_TS_ROUNDS", 1); i++) tsWaits.push((await cost.logged("ts")).totalMs);
        if (tsWaits.length > 0) note(`pack cost: the pack loaded from its TypeScript sources (as before) kept the engine waiting ${median(tsWaits)} ms (${tsWaits.join(" ")} ms)`);
        const total = (c: typeof cached, k: "ours" | "noop") => median(c[k].map((w) => w.totalMs));
        const verdict = packCostVerdict(total(cached, "ours"), total(cached, "noop"), total(asStarted, "ours"));
        note(verdict.text);
        assert.ok(verdict.ok, verdict.text);
    });
});

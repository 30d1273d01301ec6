// What a policy pack adds to a preview. The engine loads a pack before it runs the program and calls
// it serially while it plans each resource, so what a pack adds is the time the engine waits on its
// analyzer. Two measures, each for the websvc-k8s pack and for a one-policy no-op pack (the Node.js
// policy runtime alone: @pulumi/pulumi, ts-node and TypeScript, which the runtime loads for every pack):
// - the engine's own account of that wait, from its log (scripts/tiers/lib/analyzer-wait.ts on the
//   `-v=9 --logtostderr` stderr of a preview): loading the analyzer, then every
//   Remediate/Analyze/AnalyzeStack call;
// - paired wall time: rounds of previews of the compliant control program without a pack, with the
//   pack and with the no-op pack, in a rotating order; the median of the per-round differences.
//   Whole previews vary by about a second on a shared machine, so this one is noisy.
import * as fs from "fs";
import * as path from "path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { analyzerWait, AnalyzerWait } from "../../../scripts/tiers/lib/analyzer-wait";
import { copyTree, Engine } from "./engine";
import { median, note, ROOT } from "./tier";

export type PackVariant = "none" | "ours" | "noop" | "ts";

export interface EnvironmentCost {
    label: string;
    /** The engine's wait on each pack, one per logged preview. */
    ours: AnalyzerWait[];
    noop: AnalyzerWait[];
    /** Paired wall-time differences against no pack, one per round (ms). */
    oursWall: number[];
    noopWall: number[];
}

/** The packs to compare: ours, a no-op pack and ours loaded from its TypeScript sources. */
export function packDirs(engine: Engine): Record<Exclude<PackVariant, "none">, string> {
    const noop = path.join(engine.work, "noop-pack");
    if (!fs.existsSync(noop)) {
        fs.mkdirSync(noop, { recursive: true });
        fs.writeFileSync(path.join(noop, "package.json"), JSON.stringify({ name: "noop-pack", version: "1.0.0", main: "index.js" }));
        fs.writeFileSync(path.join(noop, "PulumiPolicy.yaml"), "runtime: nodejs\n");
        fs.writeFileSync(path.join(noop, "index.js"), [
            'const { PolicyPack } = require("@pulumi/policy");',
            'new PolicyPack("noop", { policies: [{ name: "noop", description: "a policy that never reports anything", enforcementLevel: "advisory", validateResource: () => undefined }] });',
        ].join("\n"));
        fs.symlinkSync(path.join(ROOT, "policy", "node_modules"), path.join(noop, "node_modules"));
    }
    // The pack as it was before it shipped JavaScript: package.json main = index.ts, compiled by the
    // runtime's ts-node at every start.
    const ts = path.join(engine.work, "policy-ts");
    if (!fs.existsSync(ts)) {
        copyTree(path.join(ROOT, "policy"), ts, { skip: ["dist"] });
        const pkgFile = path.join(ts, "package.json");
        fs.writeFileSync(pkgFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(pkgFile, "utf8")), main: "index.ts" }, null, 2));
    }
    return { ours: engine.policyDir, noop, ts };
}

export class PackCost {
    private readonly packs: Record<Exclude<PackVariant, "none">, string>;

    constructor(engine: Engine, private readonly stack: Stack) {
        this.packs = packDirs(engine);
    }

    /** Wall ms of one preview of the control program with a pack (or none). */
    async wall(variant: PackVariant): Promise<number> {
        const started = process.hrtime.bigint();
        await this.stack.preview(variant === "none" ? {} : { policyPacks: [this.packs[variant]] });
        return Number((process.hrtime.bigint() - started) / 1_000_000n);
    }

    /** The engine's wait on the analyzer in one preview, read from its `-v=9` log. */
    async logged(variant: Exclude<PackVariant, "none">): Promise<AnalyzerWait> {
        const result = await this.stack.preview({ policyPacks: [this.packs[variant]], logVerbosity: 9, logToStdErr: true });
        return analyzerWait(result.stderr);
    }

    /** Both measures in the workspace's current environment. */
    async measure(label: string, runs: number, rounds: number): Promise<EnvironmentCost> {
        for (const v of ["none", "ours", "noop"] as const) await this.wall(v); // warm-up: file caches, plugin discovery, the compile cache
        const cost: EnvironmentCost = { label, ours: [], noop: [], oursWall: [], noopWall: [] };
        for (let i = 0; i < runs; i++) {
            cost.ours.push(await this.logged("ours"));
            cost.noop.push(await this.logged("noop"));
        }
        const orders: PackVariant[][] = [["none", "ours", "noop"], ["ours", "noop", "none"], ["noop", "none", "ours"]];
        for (let i = 0; i < rounds; i++) {
            const w: Partial<Record<PackVariant, number>> = {};
            for (const v of orders[i % 3]) w[v] = await this.wall(v);
            cost.oursWall.push(w.ours! - w.none!);
            cost.noopWall.push(w.noop! - w.none!);
        }
        const totals = (ws: AnalyzerWait[]) => ws.map((x) => x.totalMs);
        note(`pack cost (${label}): the engine waited ${median(totals(cost.ours))} ms on websvc-k8s per preview (median of ${runs}: ${totals(cost.ours).join(" ")} ms; load+calls ${cost.ours.map((x) => `${x.loadMs}+${x.rpcMs}`).join(" ")} ms) and ${median(totals(cost.noop))} ms on the no-op pack (${totals(cost.noop).join(" ")} ms)`);
        note(`pack cost (${label}): paired wall time, websvc-k8s adds ${median(cost.oursWall)} ms (median of ${rounds} rounds: ${cost.oursWall.join(" ")} ms), the no-op pack ${median(cost.noopWall)} ms (${cost.noopWall.join(" ")} ms)`);
        return cost;
    }

    /** Runs `fn` with NODE_COMPILE_CACHE set for the engine (and so for the analyzer it starts). */
    async withCompileCache<T>(dir: string, fn: () => Promise<T>): Promise<T> {
        const ws = this.stack.workspace as LocalWorkspace;
        ws.envVars.NODE_COMPILE_CACHE = dir;
        try {
            return await fn();
        } finally {
            delete ws.envVars.NODE_COMPILE_CACHE;
        }
    }
}

/** The verdict on the pack's cost with NODE_COMPILE_CACHE: within 500 ms, or within 300 ms of a no-op pack. */
export function packCostVerdict(cost: number, floor: number, asStarted: number): { ok: boolean; text: string } {
    const extra = cost - floor;
    if (cost <= 500) return { ok: true, text: `pack cost ${cost} ms <= 500 ms with NODE_COMPILE_CACHE (${asStarted} ms as the CLI starts)` };
    if (extra <= 300) {
        return { ok: true, text: `pack cost ${cost} ms with NODE_COMPILE_CACHE is over the 500 ms target on this machine, but only ${extra} ms over a no-op pack's ${floor} ms, the Node.js policy runtime's own start-up, which no pack can skip` };
    }
    return { ok: false, text: `pack cost ${cost} ms > 500 ms, and ${extra} ms over a no-op pack's ${floor} ms (> 300 ms)` };
}

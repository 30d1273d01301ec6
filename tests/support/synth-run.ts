// Runs `scripts/synth.ts` for one stack in a child process (Node caches the program, so one
// process sees one stack's config) and reads what it wrote: objects, resources, outputs.
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import YAML from "yaml";

export const ROOT = path.resolve(__dirname, "../..");
const SYNTH = path.join(ROOT, "scripts/synth.ts");

export interface SynthRun {
    result: SpawnSyncReturns<string>;
    outDir: string;
    objects: Array<Record<string, any>>;
    resources: Array<{ type: string; name: string; parent?: string; inputs: Record<string, any> }>;
    outputs: Record<string, unknown>;
}

export function runSynth(stack: string, extraArgs: string[] = []): SynthRun {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), `synth-${stack}-`));
    const result = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", SYNTH, "--stack", stack, "--out", outDir, ...extraArgs], {
        cwd: ROOT,
        encoding: "utf8",
        timeout: 120_000,
    });
    const read = (f: string) => (fs.existsSync(path.join(outDir, f)) ? JSON.parse(fs.readFileSync(path.join(outDir, f), "utf8")) : undefined);
    const objects = fs.existsSync(outDir)
        ? fs.readdirSync(outDir).filter((f) => f.endsWith(".yaml")).map((f) => YAML.parse(fs.readFileSync(path.join(outDir, f), "utf8")))
        : [];
    return { result, outDir, objects, resources: read("resources.json") ?? [], outputs: read("outputs.json") ?? {} };
}


const shared = new Map<string, SynthRun>();
/** runSynth once per stack and arguments per mocha process (specs that only read the result share it). */
export function sharedSynth(stack: string, extraArgs: string[] = []): SynthRun {
    const key = JSON.stringify([stack, extraArgs]);
    let run = shared.get(key);
    if (!run) {
        run = runSynth(stack, extraArgs);
        shared.set(key, run);
    }
    return run;
}

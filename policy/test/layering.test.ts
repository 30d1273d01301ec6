// The pack's layers, bottom up (policy/README.md, Layout):
//   lib/       building blocks and the engine (run, args, exemptions): handed a catalogue, imports only lib/
//   policies/  the catalogue: one policy per file, groups, default enforcement; imports lib/
//   run.ts     the engine bound to the catalogue (the run API)
//   cli/       the k8s-policy-check command line (main.ts; bin.ts runs it)
//   check.ts   the public API for checking in-process; index.ts the CrossGuard PolicyPack
// An import from a higher layer is an arrow back up, e.g. the engine picking its own policies.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");

/** Layer of a module, by its path relative to policy/. */
function layerOf(rel: string): string | undefined {
    const top = rel.split(path.sep)[0];
    if (["lib", "policies", "cli"].includes(top)) return top;
    return { "run.ts": "run", "check.ts": "check", "index.ts": "pack" }[rel];
}

/** What each layer may import (besides npm packages and itself). */
const ALLOWED: Record<string, string[]> = {
    lib: [],
    policies: ["lib"],
    run: ["lib", "policies"],
    cli: ["lib", "policies", "run"],
    check: ["lib", "policies", "run", "cli"],
    pack: ["lib", "policies"],
};

/** The one arrow up, with its reason: the published path @websvc/k8s-policy-pack/lib/run re-exports ../run. */
const EXCEPTIONS = new Set(["lib/run.ts -> run.ts"]);

function sources(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
}

/** Relative module specifiers a file imports, re-exports or requires, resolved to .ts files. */
function relativeImports(file: string): string[] {
    const text = fs.readFileSync(file, "utf8");
    const found = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']+)["']/gm)].map((m) => m[1]);
    return found.map((spec) => path.resolve(path.dirname(file), spec)).map((p) => (fs.existsSync(path.join(p, "index.ts")) ? path.join(p, "index.ts") : p.endsWith(".ts") ? p : `${p}.ts`));
}

/** The imports of `file` (under `root`) its layer may not make. */
function arrowsUp(root: string, file: string): string[] {
    const rel = path.relative(root, file);
    const from = layerOf(rel);
    if (from === undefined) return [];
    return relativeImports(file)
        .map((i) => path.relative(root, i))
        .filter((to) => {
            const layer = layerOf(to);
            return layer !== from && !(layer !== undefined && ALLOWED[from].includes(layer)) && !EXCEPTIONS.has(`${rel} -> ${to}`);
        })
        .map((to) => `${rel} -> ${to}`);
}

const packageSources = () => ["lib", "policies", "cli"].flatMap((d) => sources(path.join(ROOT, d))).concat(["run.ts", "check.ts", "index.ts"].map((f) => path.join(ROOT, f)));

describe("layering", () => {
    const files = packageSources();
    it("finds the pack's sources in every layer", () => {
        const layers = new Set(files.map((f) => layerOf(path.relative(ROOT, f))));
        assert.deepEqual([...layers].sort(), Object.keys(ALLOWED).sort());
        assert.ok(files.length >= 80, String(files.length));
    });

    for (const file of files) {
        it(`${path.relative(ROOT, file)} imports only from the layers below it`, () => {
            assert.deepEqual(arrowsUp(ROOT, file), []);
        });
    }

    it("the check sees an arrow back up when there is one", () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pack-layering-"));
        try {
            const write = (rel: string, text: string) => {
                fs.mkdirSync(path.dirname(path.join(tmp, rel)), { recursive: true });
                fs.writeFileSync(path.join(tmp, rel), text);
            };
            write("policies/index.ts", "");
            write("lib/engine.ts", 'import { allPolicies } from "../policies";\nimport { k } from "./k8s";\nconst m = require("../cli/main");\n');
            write("cli/bin.ts", 'import { main } from "../check";\n');
            write("lib/run.ts", 'export * from "../run";\n');
            assert.deepEqual(arrowsUp(tmp, path.join(tmp, "lib/engine.ts")), ["lib/engine.ts -> policies/index.ts", "lib/engine.ts -> cli/main.ts"]);
            assert.deepEqual(arrowsUp(tmp, path.join(tmp, "cli/bin.ts")), ["cli/bin.ts -> check.ts"]);
            assert.deepEqual(arrowsUp(tmp, path.join(tmp, "lib/run.ts")), []);
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });
});

describe("no import-time global state", () => {
    it("a group's exemption annotation reaches a member loaded without the catalogue", function () {
        this.timeout(60_000);
        // A fresh process that loads one member policy and the engine, never policies/index.ts: with a
        // registry filled by the catalogue's import, the group annotation would exempt nothing here.
        const program = `
            const { hygieneCpuLimits } = require("./policies/hygiene-cpu-limits");
            const { runPolicyCheck } = require("./lib/engine");
            const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", annotations: { "exempt.websvc-k8s/hygiene-resources": "batch node pool" } },
                spec: { containers: [{ name: "c", image: "r/i:1" }] } };
            const catalogue = { policies: [hygieneCpuLimits], groups: {}, enforcementLevel: "mandatory" };
            const r = runPolicyCheck([{ type: "kubernetes:core/v1:Pod", name: "p", props: pod }], { catalogue });
            const loaded = Object.keys(require.cache).some((f) => f.endsWith("/policies/index.ts"));
            process.stdout.write(JSON.stringify({ violations: r.violations.length, exempted: r.exempted.map((e) => e.reason), loaded }));`;
        const run = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", program], { cwd: ROOT, encoding: "utf8" });
        assert.equal(run.status, 0, run.stderr);
        assert.deepEqual(JSON.parse(run.stdout), { violations: 0, exempted: ["batch node pool"], loaded: false });
    });
});

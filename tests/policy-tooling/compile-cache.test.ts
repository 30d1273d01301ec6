import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ensureCheckerBuilt, POLICY_DIR } from "./support";

// The pack's analyzer is ended by the engine with SIGKILL. Node writes its cache once the main
// script has run and at a normal exit, but the policy runtime loads TypeScript, @pulumi/pulumi and
// the pack later, from a promise, so without a flush none of those would be written. A child process
// plays that analyzer: after its main script, it loads the compiled compile-cache module and a
// module of its own, optionally asks for the flush, and is killed 1.5 s after it started.
const COMPILE_CACHE_JS = path.join(POLICY_DIR, "dist", "lib", "compile-cache.js");
// eslint-disable-next-line @typescript-eslint/no-require-imports -- flushCompileCache is missing from @types/node 22
const supported = typeof (require("module") as { flushCompileCache?: unknown }).flushCompileCache === "function";

function killedAnalyzer(flush: boolean): string[] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "compile-cache-"));
    const cacheDir = path.join(dir, "cache");
    const loaded = path.join(dir, "loaded.js");
    fs.writeFileSync(loaded, `module.exports = ${JSON.stringify("x".repeat(4096))};\n`);
    const script = [
        "setTimeout(() => {",
        `  const cc = require(${JSON.stringify(COMPILE_CACHE_JS)});`,
        `  require(${JSON.stringify(loaded)});`,
        flush ? "  cc.flushCompileCacheWhileRunning();" : "",
        "}, 50);",
        "setInterval(() => {}, 1000);",
    ].join("\n");
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_COMPILE_CACHE: cacheDir };
    delete env.NODE_DISABLE_COMPILE_CACHE; // set, even empty, it turns the cache off
    // killed from outside, as the engine does (a process that signals itself may still write)
    const r = spawnSync(process.execPath, ["-e", script], { env, encoding: "utf8", timeout: 1500, killSignal: "SIGKILL" });
    assert.equal(r.signal, "SIGKILL", r.stderr);
    const files = (d: string): string[] => (fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(d, e.name)) : [e.name])) : []);
    return files(cacheDir);
}

describe("compile cache: the pack's modules survive the engine's SIGKILL", () => {
    before(function () {
        if (!supported) this.skip();
        ensureCheckerBuilt();
    });

    it(`${supported ? "" : "SKIPPED (this Node has no flushCompileCache): "}modules loaded after start-up are written only when the pack flushes`, () => {
        const unflushed = killedAnalyzer(false);
        const flushed = killedAnalyzer(true);
        // compile-cache.js and loaded.js; the main script's own entries are written either way
        assert.ok(flushed.length >= unflushed.length + 2, `flushed ${flushed.length} entries, unflushed ${unflushed.length}`);
    });
});

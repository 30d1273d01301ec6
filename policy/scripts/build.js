// Builds the compiled package (dist/: JavaScript and .d.ts, from tsconfig.build.json) and keeps
// it in step with the sources:
//   node scripts/build.js              build (incremental), then drop outputs whose source is gone
//   node scripts/build.js --if-stale   the same, only when a source is newer than the last build
// `npm ci` runs it as the package's prepare script, so a fresh clone gets dist/ from the install.
// Plain JavaScript: it must run before anything is compiled.
"use strict";
const fs = require("fs");
const path = require("path");
const { spawnSync } = require("child_process");

const ROOT = path.resolve(__dirname, "..");
const DIST = path.join(ROOT, "dist");
const BUILD_INFO = path.join(DIST, ".tsbuildinfo");
const SOURCE_DIRS = ["cli", "lib", "policies"];
const SOURCE_FILES = ["index.ts", "check.ts", "run.ts", "tsconfig.json", "tsconfig.build.json", "package.json"];

function sources() {
    const found = SOURCE_FILES.map((f) => path.join(ROOT, f));
    const walk = (dir) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
            const p = path.join(dir, e.name);
            if (e.isDirectory()) walk(p);
            else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) found.push(p);
        }
    };
    for (const d of SOURCE_DIRS) walk(path.join(ROOT, d));
    return found;
}

function isStale() {
    let built;
    try {
        built = fs.statSync(BUILD_INFO).mtimeMs;
    } catch {
        return true;
    }
    return sources().some((f) => fs.statSync(f).mtimeMs > built);
}

/** Removes dist/**.js and .d.ts files whose .ts source no longer exists (tsc never deletes them). */
function dropOrphans() {
    const walk = (dir) => {
        if (!fs.existsSync(dir)) return;
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
            const p = path.join(dir, e.name);
            if (e.isDirectory()) {
                walk(p);
                continue;
            }
            const m = /^(.*?)(\.d\.ts|\.js)$/.exec(path.relative(DIST, p));
            if (m && !fs.existsSync(path.join(ROOT, `${m[1]}.ts`))) fs.rmSync(p);
        }
    };
    walk(DIST);
}

function build() {
    const tsc = require.resolve("typescript/bin/tsc", { paths: [ROOT] });
    const r = spawnSync(process.execPath, [tsc, "-p", path.join(ROOT, "tsconfig.build.json")], { stdio: ["ignore", process.stderr, process.stderr] });
    if (r.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed (exit ${r.status})`);
    dropOrphans();
    // tsc leaves .tsbuildinfo untouched when nothing changed; touch it so --if-stale sees this build.
    const now = new Date();
    fs.utimesSync(BUILD_INFO, now, now);
}

/** Builds dist/ if a source changed since the last build. */
function ensureBuilt() {
    if (isStale()) build();
}

module.exports = { build, ensureBuilt, isStale, DIST };

if (require.main === module) {
    try {
        if (process.argv.includes("--if-stale")) ensureBuilt();
        else build();
    } catch (e) {
        console.error(`error: ${e.message}`);
        process.exit(1);
    }
}

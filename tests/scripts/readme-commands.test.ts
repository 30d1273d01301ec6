// The README's checker example is a command people copy: it must run as written against what
// `npm run synth` renders (the Quick start renders production into dist/manifests/production).
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT, sharedSynth } from "../support/synth-run";

const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

/** Shell commands of the README's ```bash blocks, continuation lines joined, comments dropped. */
function readmeCommands(): string[] {
    const blocks = [...README.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]);
    return blocks.flatMap((b) => b.replace(/\\\n\s*/g, " ").split("\n"))
        .map((l) => l.replace(/\s+#.*$/, "").trim())
        .filter((l) => l.length > 0);
}

describe("README commands", function () {
    this.timeout(180_000);

    it("the checker example runs as written on the rendered production stack: exit 0 (advisory findings at most)", () => {
        const examples = readmeCommands().filter((c) => c.startsWith("npm run --silent policy:check"));
        assert.equal(examples.length, 1, `expected one checker example, found ${examples.length}`);
        const synth = sharedSynth("production", ["--no-policy"]);
        assert.equal(synth.result.status, 0, synth.result.stderr);
        const command = examples[0].replace("dist/manifests/production", synth.outDir);
        assert.notEqual(command, examples[0], "the example no longer names dist/manifests/production");
        const r = spawnSync("bash", ["-c", command], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
        assert.equal(r.status, 0, `${command}\n${r.stdout}${r.stderr}`);
        assert.match(r.stdout, /objects in \d+ files checked against \d+ policies/);
    });

    it("every npm script the README names exists", () => {
        const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts as Record<string, string>;
        const named = [...README.matchAll(/npm run (?:--silent )?([a-z][a-z:-]*)/g)].map((m) => m[1]);
        assert.ok(named.length >= 8, `only ${named.length} npm scripts named`);
        const missing = [...new Set(named)].filter((n) => !(n in scripts));
        assert.deepEqual(missing, []);
    });
});

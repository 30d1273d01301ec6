// Bad input keeps its contract, through the bin in child processes: every unreadable file or
// document is named on stderr, the exit code is 2, and everything else is still checked and
// reported; hostile input (binary data, huge files, deep nesting, alias bombs) neither hangs nor
// exhausts memory.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { fixture, runCheckCli, tempDir } from "../policy-tooling/support";
import type { JsonEntry } from "../policy-tooling/support";

const PRIVILEGED_POD = fs.readFileSync(fixture("violating", "privileged-pod.yml"), "utf8");

function check(args: string[]): { code: number | null; stderr: string; entries: JsonEntry[]; seconds: number } {
    const started = Date.now();
    const run = runCheckCli(["--format", "json", ...args]);
    const seconds = (Date.now() - started) / 1000;
    try {
        return { code: run.code, stderr: run.stderr, entries: JSON.parse(run.stdout) as JsonEntry[], seconds };
    } catch {
        throw new Error(`no JSON (exit ${run.code}):\n${run.stdout.slice(0, 2000)}\n${run.stderr.slice(0, 2000)}`);
    }
}

describe("policy:check on bad input (k8s-policy-check bin, child processes)", function () {
    this.timeout(240000);
    let dir: string;
    const write = (name: string, content: string | Buffer) => {
        fs.writeFileSync(path.join(dir, name), content);
        return path.join(dir, name);
    };
    before(() => {
        dir = tempDir("bad-input-");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("binary garbage: named, exit 2, the other files still reported", () => {
        // Bytes of every value, NUL included, in a pseudo-random order.
        const garbage = write("garbage.yaml", Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => (i * 7919 + 13) % 256)));
        const good = write("good.yaml", PRIVILEGED_POD);
        const { code, stderr, entries } = check([garbage, good]);
        assert.equal(code, 2);
        assert.match(stderr, new RegExp(`^error: ${garbage.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: `, "m"));
        assert.deepEqual(entries.map((e) => `${e.kind} ${e.name} ${path.basename(e.file)}`), ["Pod ops/debug good.yaml"]);
        assert.ok(entries[0].violations.some((v) => v.policy === "pss-baseline-privileged"));
    });

    it("a document that is a scalar (or a sequence): named with its document and line, exit 2, the file's other documents still reported", () => {
        const file = write("scalar.yaml", `${PRIVILEGED_POD}---\njust some text, not a manifest\n---\n- a\n- list\n---\n${PRIVILEGED_POD.replace("name: debug", "name: second")}`);
        const { code, stderr, entries } = check([file]);
        assert.equal(code, 2);
        const lines = fs.readFileSync(file, "utf8").split("\n");
        const scalarLine = lines.indexOf("just some text, not a manifest") + 1;
        assert.match(stderr, new RegExp(`error: .*scalar\\.yaml: document 2 \\(line ${scalarLine}\\) is a scalar, not a Kubernetes object`));
        assert.match(stderr, new RegExp(`error: .*scalar\\.yaml: document 3 \\(line ${lines.indexOf("- a") + 1}\\) is a sequence, not a Kubernetes object`));
        assert.deepEqual(entries.map((e) => e.name), ["ops/debug", "ops/second"]);
    });

    it("a 50 MB file is checked, with its objects at the right lines, in bounded time", () => {
        // A ConfigMap carrying ~50 MB of data, then a privileged Pod after it.
        const line = "x".repeat(99);
        const chunk = `    ${line}\n`.repeat(10000);
        const parts = ["apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: huge\n  namespace: ops\ndata:\n  blob: |\n"];
        for (let i = 0; i < 50; i++) parts.push(chunk);
        const header = parts.join("");
        const file = write("huge.yaml", `${header}---\n${PRIVILEGED_POD}`);
        assert.ok(fs.statSync(file).size >= 50 * 1000 * 1000, `${fs.statSync(file).size} bytes`);
        const { code, entries, seconds } = check([file]);
        assert.equal(code, 1);
        assert.deepEqual(entries.map((e) => `${e.kind} ${e.name}`), ["ConfigMap ops/huge", "Pod ops/debug"]);
        const table = runCheckCli([file]).stdout;
        const podLine = header.split("\n").length + 1;
        assert.match(table, new RegExp(`huge\\.yaml:${podLine}\\s+Pod\\s+ops/debug\\s+pss-baseline-privileged`));
        assert.ok(seconds < 120, `took ${seconds} s`);
    });

    it("deeply nested YAML (flow and block, far past the limit) is refused by name, without a crash", () => {
        const flow = write("deep-flow.yaml", `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata:\n  x: ${"[".repeat(100000)}${"]".repeat(100000)}\n`);
        const flowMaps = write("deep-maps.yaml", `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata:\n  x: ${"{a: ".repeat(20000)}1${"}".repeat(20000)}\n`);
        const block = write("deep-block.yaml", `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata:\n${Array.from({ length: 2000 }, (_, i) => `${" ".repeat(i + 2)}k:`).join("\n")} v\n`);
        const good = write("good.yaml", PRIVILEGED_POD);
        const { code, stderr, entries, seconds } = check([flow, flowMaps, block, good]);
        assert.equal(code, 2);
        for (const f of [flow, flowMaps, block]) assert.ok(stderr.includes(`error: ${f}: invalid YAML: collections nested deeper than 500 levels`), stderr);
        assert.deepEqual(entries.map((e) => e.name), ["ops/debug"]);
        assert.ok(seconds < 60, `took ${seconds} s`);
    });

    it("a billion-laughs document (nested aliases) is refused quickly, by name, without exhausting memory", () => {
        const lines = [`a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]`];
        let prev = "a";
        for (const c of "bcdefghijklmnop") {
            lines.push(`${c}: &${c} [${Array(9).fill(`*${prev}`).join(",")}]`);
            prev = c;
        }
        const bomb = write("lol.yaml", `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n${lines.map((l) => `  ${l}`).join("\n")}\n`);
        const good = write("good.yaml", PRIVILEGED_POD);
        const { code, stderr, entries, seconds } = check([bomb, good]);
        assert.equal(code, 2);
        assert.match(stderr, /lol\.yaml: invalid YAML: document 1 \(line 1\): document contains excessive aliasing/); // go-yaml v2's guard and words
        assert.deepEqual(entries.map((e) => e.name), ["ops/debug"]);
        assert.ok(seconds < 30, `took ${seconds} s`);
    });

    it("a few aliases (a shared label map) are read, and each use is checked on its own", () => {
        const file = write("aliases.yaml", `apiVersion: v1\nkind: Pod\nmetadata:\n  name: shared\n  namespace: ops\nspec:\n  containers:\n    - &c {name: a, image: "registry.example.com/ops/a:1", securityContext: {privileged: true}}\n    - *c\n`);
        const { code, entries } = check(["--only", "pss-baseline-privileged", file]);
        assert.equal(code, 1);
        assert.equal(entries[0].violations.length, 2, JSON.stringify(entries[0].violations));
    });
});

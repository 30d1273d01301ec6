// --jobs: YAML parsed in worker threads must give exactly what one thread gives (objects, line
// numbers, errors and warnings, in file order), through the API and through the CLI.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadManifests, loadManifestsParallel, PARALLEL_MIN_BYTES } from "../../policy/cli/manifests";
import { generateCorpus } from "../../policy/bench/corpus";
import { FIXTURES, runCheckCli, runCheckInProcess } from "../policy-tooling/support";

describe("loadManifestsParallel", function () {
    this.timeout(60000);
    it("equals loadManifests on the fixtures (broken files, warnings, List kinds, line numbers)", async () => {
        const serial = loadManifests([FIXTURES, path.join(FIXTURES, "does-not-exist.yaml")]);
        assert.ok(serial.errors.length >= 2 && serial.warnings.length >= 1 && serial.objects.length > 3);
        for (const jobs of [2, 3]) {
            const parallel = await loadManifestsParallel([FIXTURES, path.join(FIXTURES, "does-not-exist.yaml")], jobs, 0);
            assert.deepStrictEqual(parallel, serial);
        }
    });
    it("parses small inputs on the calling thread only, with the same result", async () => {
        assert.deepStrictEqual(await loadManifestsParallel([FIXTURES], 2), loadManifests([FIXTURES]));
        assert.deepStrictEqual(await loadManifestsParallel([FIXTURES], 1, 0), loadManifests([FIXTURES]));
    });
});

describe("policy:check --jobs (child process)", function () {
    this.timeout(180000);
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "parallel-"));
        const stats = generateCorpus(dir, 900, 50, 11);
        assert.ok(stats.bytes > PARALLEL_MIN_BYTES, `corpus of ${stats.bytes} bytes is too small to go parallel`);
        fs.writeFileSync(path.join(dir, "zz-broken.yaml"), "kind: [unclosed\n");
        fs.writeFileSync(path.join(dir, "zz-note.yaml"), "just: a map\n");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    for (const format of ["json", "sarif", "table"]) {
        it(`--format ${format}: more --jobs print what --jobs 1 prints`, () => {
            const one = runCheckCli(["--format", format, "--jobs", "1", dir]);
            assert.strictEqual(one.code, 2, one.stderr);
            assert.ok(one.stderr.includes("zz-broken.yaml") && one.stderr.includes("zz-note.yaml"), one.stderr);
            for (const jobs of format === "json" ? ["2", "3"] : ["2"]) {
                const many = runCheckCli(["--format", format, "--jobs", jobs, dir]);
                assert.strictEqual(many.code, one.code);
                assert.strictEqual(many.stderr, one.stderr);
                assert.ok(many.stdout === one.stdout, `--jobs ${jobs} output differs from --jobs 1`);
            }
        });
    }
    it("rejects a bad --jobs value with exit 2", () => {
        for (const bad of ["0", "x", "-1", "1.5"]) {
            const r = runCheckInProcess(["--jobs", bad, FIXTURES]);
            assert.strictEqual(r.code, 2, `--jobs ${bad}`);
            assert.match(r.stderr, /--jobs/);
        }
    });
});

// Runs the preview workflow's policy-sarif steps (synth, SARIF, annotations) as the workflow
// writes them, for every stack, in this checkout, and checks that every location they report
// names a file git tracks here (so code scanning and annotations can anchor it in the pull
// request) and a line that exists in it; a finding on an object points at the line that
// constructs it (`new k8s.…(`). Writes dist/manifests/<stack>* (ignored) and removes the
// policy-<stack>.sarif it writes.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { annotationLocations, locationProblems, sarifLocations } from "./locations";
import type { Location } from "./locations";

const ROOT = path.resolve(__dirname, "../..");
const WORKFLOW = path.join(ROOT, ".github/workflows/preview.yml");

interface Step {
    run?: string;
    env?: Record<string, string>;
}

/** The job's steps that run a command, from the synth on (the `npm ci` steps before it install). */
function jobCommands(): { synth: string; sarif: string; annotate: string } {
    const job = (parse(fs.readFileSync(WORKFLOW, "utf8")) as { jobs: Record<string, { steps: Step[] }> }).jobs["policy-sarif"];
    const runs = job.steps.map((s) => s.run?.trim()).filter((r): r is string => r !== undefined);
    const find = (re: RegExp) => {
        const found = runs.filter((r) => re.test(r));
        assert.equal(found.length, 1, `one step of policy-sarif matching ${re}: ${JSON.stringify(runs)}`);
        return found[0];
    };
    return { synth: find(/^npm run synth /), sarif: find(/policy:check .*--format sarif/), annotate: find(/policy:check .*--format github/) };
}

/** As the runner runs a `run:` step: bash -eo pipefail, at the repository root, with the step's env. */
function runStep(command: string, stack: string): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", command], { cwd: ROOT, env: { ...process.env, STACK: stack }, encoding: "utf8", timeout: 240_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const STACKS = fs.readdirSync(ROOT).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => s !== undefined).sort();

describe("preview.yml policy-sarif: every location names a repository file and line", function () {
    this.timeout(600_000);
    const commands = jobCommands();

    for (const stack of STACKS) {
        describe(stack, () => {
            const sarifFile = path.join(ROOT, `policy-${stack}.sarif`);
            let sarif: any;
            let annotations: Location[] = [];
            before(() => {
                const synth = runStep(commands.synth, stack);
                assert.equal(synth.status, 0, synth.stderr + synth.stdout);
                const check = runStep(commands.sarif, stack);
                // 1 is a mandatory finding: the SARIF is still written and uploaded.
                assert.ok(check.status === 0 || check.status === 1, `SARIF step exited ${check.status}: ${check.stderr}`);
                sarif = JSON.parse(fs.readFileSync(sarifFile, "utf8"));
                const annotate = runStep(commands.annotate, stack);
                assert.equal(annotate.status, 0, annotate.stderr);
                annotations = annotationLocations(annotate.stdout);
            });
            after(() => fs.rmSync(sarifFile, { force: true }));

            it("SARIF: every result and notification location", () => {
                const locations = sarifLocations(sarif);
                assert.equal(locations.length, sarif.runs[0].results.length + sarif.runs[0].invocations[0].toolExecutionNotifications.length);
                assert.deepEqual(locationProblems(locations), []);
                // So the check looked at something: both stacks have advisory findings today.
                assert.ok(sarif.runs[0].results.length > 0, "no finding in the SARIF");
            });
            it("source map: every synthesized object is placed at the line constructing it", () => {
                // Where the workflow's synth step writes them.
                const arg = (flag: string) => new RegExp(`${flag} "([^"]+)"`).exec(commands.synth)![1].split("$STACK").join(stack);
                const map = JSON.parse(fs.readFileSync(path.join(ROOT, arg("--source-map")), "utf8"));
                const manifests = fs.readdirSync(path.join(ROOT, arg("--out"))).filter((f) => f.endsWith(".yaml"));
                assert.equal(map.objects.length, manifests.length);
                const placed: Location[] = map.objects.map((o: any) => ({ uri: o.source?.file, line: o.source?.line, where: `${o.kind} ${o.name}` }));
                assert.deepEqual(locationProblems(placed), []);
            });
            it("annotations: every file and line, one per SARIF result", () => {
                assert.equal(annotations.length, sarif.runs[0].results.length);
                assert.deepEqual(locationProblems(annotations), []);
            });
        });
    }
});

// The alerts tier as a function, so `npm test` can run it too when promtool is already built
// (tests/components/monitoring-promtool.test.ts) and the tier always (rules.test.ts).
// Per stack: generate the rules and scenario files from the stack's config (generate.ts, in a child
// process: the program reads one stack's config per process), `promtool check rules`, one
// `promtool test rules` per scenario with its probe beside it, then (production) the mutants:
// rules.yaml with one deliberate defect each, which some scenario must reject. Prints each
// scenario's time to fire beside what the workbook allows.
// `quick` (npm test): the scenarios evaluated every minute over at most 5 hours, no probes, no mutants.
import { strict as assert } from "assert";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Manifest, PROBE_SENTINEL } from "./generate";
import { MUTANTS } from "./mutants";
import { gotSamples, promtool, promtoolPath } from "../lib/promtool";

const ROOT = path.resolve(__dirname, "..", "..", "..");
export const STACKS = ["staging", "production"] as const;

interface Fired {
    stack: string;
    scenario: string;
    alert: string;
    minutes: number;
    allowed?: number;
    basis?: string;
}

function fmt(minutes: number): string {
    if (minutes < 60) return `${Number(minutes.toFixed(1))}m`;
    const h = Math.floor(minutes / 60);
    return `${h}h${String(Math.round(minutes - 60 * h)).padStart(2, "0")}m`;
}

/** Generates every stack's files (children in parallel would fight for 2 cores: one after the other). */
function generateAll(outRoot: string): Map<string, Manifest> {
    const manifests = new Map<string, Manifest>();
    for (const stack of STACKS) {
        const out = path.join(outRoot, stack);
        execFileSync(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", path.join(__dirname, "generate.ts"), "--stack", stack, "--out", out],
            { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
        manifests.set(stack, JSON.parse(readFileSync(path.join(out, "manifest.json"), "utf8")) as Manifest);
    }
    return manifests;
}

const QUICK_MAX_MINUTES = 300;

export function defineAlertSuite(options: { outRoot: string; quick: boolean }): void {
    const tool = promtoolPath();
    if (!tool.path) {
        describe("alert rules under promtool", () => {
            it("needs promtool", function () {
                console.log(`SKIPPED: ${tool.missing}`);
                this.skip();
            });
        });
        return;
    }
    const bin = tool.path;
    const manifests = generateAll(options.outRoot);
    const fired: Fired[] = [];

    for (const stack of STACKS) {
        const m = manifests.get(stack)!;
        const dir = path.join(options.outRoot, stack);
        describe(`alert rules under promtool: stack ${stack} (availability ${m.params.availabilityObjective}%, latency ${m.params.latencyObjective}% < ${m.params.latencyThresholdSeconds}s)`, function () {
            this.timeout(300_000);

            it("promtool check rules accepts the PrometheusRule's groups", async () => {
                const run = await promtool(bin, ["check", "rules", ...m.ruleFiles], dir);
                assert.equal(run.code, 0, run.output);
            });

            const scenarios = options.quick ? m.scenarios.filter((s) => s.evalMinutes === 1 && s.minutes <= QUICK_MAX_MINUTES) : m.scenarios;
            for (const s of scenarios) {
                it(`${s.name}: ${s.title}`, async () => {
                    const [run, probe] = await Promise.all([
                        promtool(bin, ["test", "rules", s.testFile], dir),
                        options.quick ? undefined : promtool(bin, ["test", "rules", s.probeFile], dir),
                    ]);
                    assert.equal(run.code, 0, `promtool test rules ${path.join(dir, s.testFile)} failed:\n${run.output}\nexpected:\n  - ${s.expectations.join("\n  - ")}`);
                    if (!probe) return;
                    assert.ok(probe.output.includes(PROBE_SENTINEL), `the probe ran its query:\n${probe.output}`);
                    const allowed = s.allowed;
                    const mine: Fired[] = gotSamples(probe.output).map((sample) => {
                        const matches = allowed !== undefined && Object.entries(allowed.match).every(([k, v]) => sample.labels[k] === v);
                        return {
                            stack, scenario: s.name,
                            alert: [sample.labels.alertname, sample.labels.slo].filter(Boolean).join(" ") + (sample.labels.action ? ` (${sample.labels.action})` : ""),
                            minutes: sample.value / 60 - (s.faultMinute ?? 0),
                            allowed: matches ? allowed!.minutes : undefined, basis: matches ? allowed!.basis : undefined,
                        };
                    });
                    fired.push(...mine);
                    if (allowed && s.faultMinute !== undefined) {
                        // The probe's own reading agrees with promtool's verdict: the first matching alert is within the bound.
                        const first = Math.min(...mine.filter((f) => f.allowed !== undefined).map((f) => f.minutes));
                        assert.ok(first >= 0 && first <= allowed.minutes, `${s.name}: first ${JSON.stringify(allowed.match)} alert after ${fmt(first)}, allowed ${fmt(allowed.minutes)}`);
                    }
                });
            }

            // The mutants test the rules' logic, which is the same for every stack: one stack is enough.
            if (!options.quick && stack === "production") {
                for (const mutant of MUTANTS) {
                    it(`mutant killed: ${mutant.description}`, async () => {
                        const work = mkdtempSync(path.join(os.tmpdir(), "websvc-mutant-"));
                        try {
                            for (const f of [...m.ruleFiles, ...m.scenarios.map((s) => s.testFile)]) copyFileSync(path.join(dir, f), path.join(work, f));
                            const original = readFileSync(path.join(dir, "rules.yaml"), "utf8");
                            const mutated = mutant.apply(original, m);
                            assert.notEqual(mutated, original, "the mutation changed the rules");
                            writeFileSync(path.join(work, "rules.yaml"), mutated);
                            assert.equal((await promtool(bin, ["check", "rules", ...m.ruleFiles], work)).code, 0, "the mutant is valid PromQL (only its meaning is wrong)");
                            const run = await promtool(bin, ["test", "rules", ...mutant.killedBy.map((n) => `${n}.test.yaml`)], work);
                            assert.notEqual(run.code, 0, `scenarios ${mutant.killedBy.join(", ")} did not notice: ${mutant.description}`);
                        } finally {
                            rmSync(work, { recursive: true, force: true });
                        }
                    });
                }
            }
        });
    }

    after(() => {
        if (fired.length === 0) return;
        // From the fault on (what fired before it, in a scenario whose prefix is not healthy for every
        // alert, is asserted where it matters); the bound beside the first alert it applies to.
        const shown = fired.filter((f) => f.minutes >= 0);
        const firstOf = new Map<string, Fired>();
        for (const f of shown.filter((x) => x.allowed !== undefined)) {
            const key = `${f.stack}/${f.scenario}`;
            if (!firstOf.has(key) || f.minutes < firstOf.get(key)!.minutes) firstOf.set(key, f);
        }
        const rows = shown.map((f) => (firstOf.get(`${f.stack}/${f.scenario}`) === f ? f : { ...f, allowed: undefined, basis: undefined })).map((f) => [f.stack, f.scenario, f.alert, fmt(f.minutes), f.allowed === undefined ? "" : fmt(f.allowed), f.basis ?? ""]);
        const head = ["stack", "scenario", "alert (first firing)", "time to fire", "allowed", "basis"];
        const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
        const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
        console.log(`\nTime to fire, from the fault's start (input series every 1m; rules every 1m, every 5m in the multi-day scenarios):\n${line(head)}\n${rows.map(line).join("\n")}\n`);
    });
}

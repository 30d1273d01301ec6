// Engine tier: config as the real CLI writes it (issue 22). For every nested key Pulumi.yaml
// declares (tests/tiers/lib/cli-config-cases.ts, held to Pulumi.yaml by tests/config/cli-config-cases.test.ts):
//   1. write a valid value with `pulumi config set --path`, and again with `--type`;
//   2. run `pulumi preview` in render mode (the kubernetes provider writes YAML; no cluster);
//   3. it must pass; and an invalid value written the same way must end in the config error that
//      names the key and the stack.
// It also checks every row of the CLI typing table synth's `--set` follows (CLI_TYPING_EXAMPLES in
// scripts/lib/config-path.ts) against what this CLI writes into the stack file.
//
// Run: bash scripts/node22.sh mocha --reporter tests/support/tally-reporter.ts --reporter-option label=engine \
//        tests/tiers/engine/cli-config.test.ts
// Contract: pulumi, pulumi-language-nodejs and pulumi-resource-kubernetes on PATH (else the toolchain's
// bin dir from `scripts/pulumi-toolchain.sh --print-bin-dir`); prints "SKIPPED: <what is missing>"
// otherwise. CLI_CONFIG_PROFILES=main,gateway limits the profiles; KEEP_ENGINE_WORKDIR keeps the work dir.
import { strict as assert } from "assert";
import * as path from "path";
import { CLI_REFUSES, CLI_TYPING_EXAMPLES, typedPathValue } from "../../../scripts/lib/config-path";
import { CLI_CASES, INVALID_PATH, isRefusal, NEEDS_PROVIDER, PROFILE_SETUP, REFUSED_IN_RENDER_MODE, refusedKeys, type CliCase, type Profile } from "../lib/cli-config-cases";
import { Cli, findToolchain, type Result } from "../lib/cli-config";

const PREVIEW_TIMEOUT_MS = 15 * 60_000;
const ALL_PROFILES = [...new Set(CLI_CASES.map((k) => k.profile))];
const PROFILES = process.env.CLI_CONFIG_PROFILES ? ALL_PROFILES.filter((p) => process.env.CLI_CONFIG_PROFILES!.split(",").includes(p)) : ALL_PROFILES;
const tail = (out: string, n = 40) => out.trim().split("\n").slice(-n).join("\n");

let cli: Cli | undefined;
let program = "";

function skipUnless(ctx: Mocha.Context, condition: boolean, reason: string): void {
    if (condition) return;
    console.log(`      SKIPPED: ${reason}`);
    ctx.skip();
}

/** One stack: a profile's valid values (typed or not), then optionally a batch of invalid ones; then a preview. */
interface StackRun {
    stack: string;
    writes: Map<CliCase, { result: Result; stored: unknown }>;
    preview: Result;
}

function runStack(stack: string, profile: Profile, typed: boolean, invalid: readonly CliCase[] = []): StackRun {
    const c = cli!;
    const render = path.join(c.work, `render-${stack}`);
    const text = (t: string) => (t === "<render>" ? render : t);
    c.initStack(program, stack, "staging");
    const must = (r: Result, what: string) => assert.equal(r.code, 0, `${what}: ${r.out}`);
    const setup = PROFILE_SETUP[profile];
    for (const p of setup.rm ?? []) must(c.pulumi(["config", "rm", "-s", stack, "--path", p], program), `config rm --path ${p}`);
    for (const [p, t] of setup.set ?? []) must(c.setPath(program, stack, p, t), `config set --path ${p}`);
    for (const [k, v] of setup.secrets ?? []) must(c.pulumi(["config", "set", "-s", stack, "--secret", k, v], program), `config set --secret ${k}`);
    must(c.setPath(program, stack, "kubernetes.renderYamlToDirectory", render), "config set --path kubernetes.renderYamlToDirectory");
    const writes = new Map<CliCase, { result: Result; stored: unknown }>();
    for (const k of CLI_CASES.filter((x) => x.profile === profile)) {
        const result = c.setPath(program, stack, k.path, text(k.valid), typed ? k.type : undefined);
        writes.set(k, { result, stored: c.stored(program, stack, k.path) });
    }
    for (const k of invalid) {
        const p = INVALID_PATH[k.leaf] ?? k.path;
        const result = c.setPath(program, stack, p, text(k.invalid));
        writes.set(k, { result, stored: c.stored(program, stack, p) });
    }
    const required = c.fillCliRequired(program, stack);
    if (required.length > 0) console.log(`      note: ${c.version} requires ${required.join(", ")} (set from config.ts's defaults)`);
    return { stack, writes, preview: c.pulumi(["preview", "--non-interactive", "-s", stack], program, PREVIEW_TIMEOUT_MS) };
}

describe("engine tier: config written by the real `pulumi config set --path`", function () {
    this.timeout(PREVIEW_TIMEOUT_MS * 2);

    before(function () {
        const found = findToolchain();
        if ("missing" in found) {
            console.log(`SKIPPED: engine CLI config check: ${found.missing}`);
            this.skip();
        }
        cli = new Cli(found.dir, "engine-cli-config-test-only");
        program = cli.programCopy("program");
        const random = cli.random.standIn ? `the TEST STAND-IN ${cli.random.path}` : cli.random.path;
        console.log(`  ${cli.version} (${found.via}: ${found.dir}); pulumi-resource-random: ${random}; config set flags: ${[...cli.setFlags].join(", ")}; work dir ${cli.work}`);
    });
    after(() => {
        if (cli && !process.env.KEEP_ENGINE_WORKDIR) cli.cleanup();
    });

    describe("the CLI's typing, row by row (CLI_TYPING_EXAMPLES, which synth --set follows)", () => {
        const stored = new Map<number, { result: Result; value: unknown }>();
        let topLevel: unknown;
        before(function () {
            const c = cli!;
            c.initStack(program, "cfg-typing", "staging");
            CLI_TYPING_EXAMPLES.forEach(([text, type], i) => {
                if (type !== undefined && !c.setFlags.has("type")) return;
                const key = `probe:typing.v${i}`;
                stored.set(i, { result: c.setPath(program, "cfg-typing", key, text, type), value: c.stored(program, "cfg-typing", key) });
            });
            c.must(["config", "set", "-s", "cfg-typing", "probe:top", "42"], program);
            topLevel = c.stored(program, "cfg-typing", "probe:top");
        });
        CLI_TYPING_EXAMPLES.forEach(([text, type, written], i) => {
            it(`${type ? `--type ${type} ` : ""}${JSON.stringify(text)} is stored as the ${typeof written} ${JSON.stringify(written)}`, function () {
                skipUnless(this, type === undefined || cli!.setFlags.has("type"), `${cli!.version} has no \`config set --type\``);
                const { result, value } = stored.get(i)!;
                assert.equal(typedPathValue(text, type), written, "the table's own model agrees with its row");
                if (written === CLI_REFUSES) {
                    assert.notEqual(result.code, 0, `the CLI stored ${JSON.stringify(value)}`);
                    return;
                }
                assert.equal(result.code, 0, result.out);
                assert.deepEqual(value, written);
            });
        });
        it('a top-level value (no --path) is always a string: `config set probe:top 42` stores "42"', () => {
            assert.equal(topLevel, "42");
        });
    });

    for (const profile of PROFILES) {
        const cases = CLI_CASES.filter((k) => k.profile === profile);
        const needs = NEEDS_PROVIDER[profile];
        for (const typed of [false, true]) {
            describe(`${profile} profile, valid values ${typed ? "with --type" : "without --type"}, then preview in render mode`, () => {
                let r: StackRun;
                before(function () {
                    skipUnless(this, !typed || cli!.setFlags.has("type"), `${cli!.version} has no \`config set --type\``);
                    r = runStack(`cfg-${profile}-${typed ? "typed" : "plain"}`, profile, typed);
                });
                for (const k of cases) {
                    it(`websvc:${k.path} = ${JSON.stringify(k.valid)}${typed ? ` --type ${k.type}` : ""}`, () => {
                        const { result, stored } = r.writes.get(k)!;
                        assert.equal(result.code, 0, `config set: ${result.out}`);
                        if (k.valid !== "<render>") assert.deepEqual(stored, typedPathValue(k.valid, typed ? k.type : undefined), "the stack file holds what the typing table says");
                        const refusedInRender = REFUSED_IN_RENDER_MODE[profile];
                        if (refusedInRender) {
                            // Valid on its own, refused next to renderYamlToDirectory: config.ts says so, naming key and stack.
                            assert.ok(r.preview.code !== 0 && r.preview.out.includes(`websvc:${refusedInRender} must not be set together with kubernetes.renderYamlToDirectory`) && r.preview.out.includes(`(stack ${r.stack})`),
                                `expected the config error on websvc:${refusedInRender} in render mode:\n${tail(r.preview.out)}`);
                        } else if (needs && !cli!.plugins.has(needs)) {
                            // The program got past config.ts and stopped at the provider this machine cannot build.
                            assert.ok(r.preview.code !== 0 && r.preview.out.includes(`no resource plugin '${needs}'`) && !r.preview.out.includes("Invalid stack configuration"),
                                `expected the preview to stop only at the missing ${needs}:\n${tail(r.preview.out)}`);
                        } else {
                            assert.equal(r.preview.code, 0, `preview failed:\n${tail(r.preview.out)}`);
                        }
                    });
                }
            });
        }
        for (const refusedBy of ["shape", "rule"] as const) {
            const batch = cases.filter((k) => k.refusedBy === refusedBy);
            if (batch.length === 0) continue;
            describe(`${profile} profile, ${batch.length} invalid values config.ts refuses by ${refusedBy === "shape" ? "its schema" : "a component's rule"}, then preview`, () => {
                let r: StackRun;
                before(() => {
                    r = runStack(`cfg-${profile}-bad-${refusedBy}`, profile, false, batch);
                });
                it("the preview fails with the config error, before any resource", () => {
                    assert.notEqual(r.preview.code, 0);
                    assert.match(r.preview.out, /Invalid stack configuration/, tail(r.preview.out));
                });
                for (const k of batch) {
                    it(`websvc:${INVALID_PATH[k.leaf] ?? k.path} = ${JSON.stringify(k.invalid)} is named with the stack${k.says ? `, saying ${k.says.source}` : ""}`, () => {
                        const { result, stored } = r.writes.get(k)!;
                        assert.equal(result.code, 0, result.out);
                        const lines = r.preview.out.split("\n").filter((l) => isRefusal(k, l, r.stack, stored));
                        assert.ok(lines.length > 0, `no line names ${refusedKeys(k).join(" or ")} and the stack${k.refusedBy === "shape" ? `, showing ${JSON.stringify(stored)}` : ""}${k.says ? `, saying ${k.says}` : ""}:\n${tail(r.preview.out, 60)}`);
                    });
                }
            });
        }
    }
});

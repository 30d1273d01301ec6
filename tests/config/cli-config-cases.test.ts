// The engine tier writes every nested key Pulumi.yaml declares with the real CLI
// (tests/tiers/engine/cli-config.test.ts, cases in tests/tiers/lib/cli-config-cases.ts). This runs the
// same cases offline, through synth's mirror of the CLI's typing (scripts/lib/config-path.ts) and
// config.ts, so a case that is wrong shows here in `npm test` rather than in a 10-minute tier; and it
// holds the case table to Pulumi.yaml, so a new nested key without a CLI case fails.
import { strict as assert } from "assert";
import { pathValue, typedPathValue } from "../../scripts/lib/config-path";
import { CLI_CASES, INVALID_PATH, isRefusal, PROFILE_SETUP, REFUSED_IN_RENDER_MODE, type Profile } from "../tiers/lib/cli-config-cases";
import { configProblems, pulumiYamlDeclarations, pulumiYamlLeaves, removePath, setPath, stackRaw } from "./declared-keys";

const STACK = "staging";
const RENDER = "/tmp/render";
const text = (t: string) => (t === "<render>" ? RENDER : t);

/** The staging stack with a profile's setup and its cases' valid values, typed like the CLI (with --type or without). */
export function profileRaw(profile: Profile, typed: boolean): Record<string, unknown> {
    const raw = stackRaw(STACK);
    raw.appSecrets = [];
    const setup = PROFILE_SETUP[profile];
    for (const p of setup.rm ?? []) removePath(raw, p);
    for (const [p, t] of setup.set ?? []) setPath(raw, p, pathValue(t));
    setPath(raw, "kubernetes.renderYamlToDirectory", RENDER);
    for (const k of CLI_CASES.filter((x) => x.profile === profile)) setPath(raw, k.path, typedPathValue(text(k.valid), typed ? k.type : undefined));
    return raw;
}

const PROFILES = [...new Set(CLI_CASES.map((k) => k.profile))];

describe("the engine tier's CLI cases, offline (synth's typing of each text, then config.ts)", () => {
    it("cover every nested key Pulumi.yaml declares, once", () => {
        const nested = pulumiYamlLeaves().filter((l) => pulumiYamlDeclarations()[l.split(/[.[]/)[0]].type === undefined);
        assert.deepEqual(CLI_CASES.map((k) => k.leaf).sort(), nested.sort());
    });
    for (const profile of PROFILES) {
        for (const typed of [false, true]) {
            const refusedInRender = REFUSED_IN_RENDER_MODE[profile];
            if (refusedInRender) {
                it(`${profile}: every valid value, written ${typed ? "with --type" : "without --type"}, is refused only for its clash with renderYamlToDirectory`, () => {
                    const problems = configProblems(profileRaw(profile, typed), STACK);
                    assert.equal(problems.length, 1, problems.join("\n"));
                    assert.match(problems[0], new RegExp(`^websvc:${refusedInRender.replace(".", "\\.")} must not be set together with kubernetes\\.renderYamlToDirectory`));
                    assert.match(problems[0], new RegExp(`\\(stack ${STACK}\\)$`));
                });
                continue;
            }
            it(`${profile}: every valid value, written ${typed ? "with --type" : "without --type"}, is accepted`, () => {
                assert.deepEqual(configProblems(profileRaw(profile, typed), STACK), []);
            });
        }
        for (const refusedBy of ["shape", "rule"] as const) {
            const batch = CLI_CASES.filter((k) => k.profile === profile && k.refusedBy === refusedBy);
            if (batch.length === 0) continue;
            it(`${profile}: the ${batch.length} values config.ts refuses by ${refusedBy === "shape" ? "its schema" : "a component's rule"}, written together, are each named with the stack, saying what to type`, () => {
                const raw = profileRaw(profile, false);
                for (const k of batch) setPath(raw, INVALID_PATH[k.leaf] ?? k.path, pathValue(text(k.invalid)));
                const problems = configProblems(raw, STACK);
                const missing = batch.filter((k) => !problems.some((p) => p.startsWith("websvc:") && isRefusal(k, p, STACK, pathValue(text(k.invalid))))).map((k) => `${k.path}=${JSON.stringify(k.invalid)}`);
                assert.deepEqual(missing, [], problems.join("\n"));
            });
        }
    }
});

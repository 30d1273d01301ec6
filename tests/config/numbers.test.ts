// Numeric config fields take what `pulumi config set --path` writes: the number (integers) or the
// decimal text (floats, which the CLI stores as strings), and nothing else. The texts are typed by
// the CLI's own table (scripts/lib/config-path.ts, checked against the real CLI in the engine tier),
// then validated by config.ts, the way `npm run synth -- --set` and the engine do.
import { strict as assert } from "assert";
import fc from "fast-check";
import { NUMBER_FIELDS, type NumberField } from "../../config";
import { pathValue } from "../../scripts/lib/config-path";
import { configProblems, setPath, stackRaw } from "./declared-keys";

const STACK = "production";

/** The production stack file as the engine hands it to the program, with one list item where fields are inside lists. */
function readBase(): Record<string, unknown> {
    const raw = stackRaw(STACK);
    raw.appSecrets = [{ name: "api-key", length: 32, kind: "password" }];
    raw.networkPolicy = { extraEgress: [{ cidr: "10.0.0.0/16", ports: [{ port: 5432 }] }] };
    return raw;
}
const BASE = readBase();

/** The field's path with its list items at [0], as `--set` and `pulumi config set --path` take it. */
const concrete = (field: string) => field.replace(/\[\]/g, "[0]");

/** The problems of the production config with `value` at `field` (a stored value, not CLI text). */
function problemsWith(field: string, value: unknown): string[] {
    const raw = structuredClone(BASE);
    setPath(raw, concrete(field), value);
    return configProblems(raw, STACK);
}
const about = (field: string, problems: string[]) => problems.filter((p) => p.startsWith(`websvc:${concrete(field)} `));

const FIELDS = Object.entries(NUMBER_FIELDS) as Array<[string, NumberField]>;
/** A value the field accepts and the stack's other values allow (min/max replicas keep min <= max). */
const inside = (field: string, f: NumberField): number => {
    if (field === "monitoring.latencyThresholdSeconds") return 0.25;
    if (field === "appSecrets[].length") return 32;
    if (field.startsWith("autoscaling.") && field.endsWith("Replicas")) return field.endsWith("min" + "Replicas") ? 3 : 12;
    if (f.integer) return Math.max(f.min ?? 1, Math.min(f.max ?? 100, 70));
    return 99.5;
};

describe("numeric config fields, as `pulumi config set --path` writes them", () => {
    describe("the issue's cases (floats arrive as strings)", () => {
        const cases: Array<[string, string]> = [
            ["monitoring.availabilityObjective", "99.95"],
            ["monitoring.latencyObjective", "99.5"],
            ["monitoring.latencyThresholdSeconds", "0.25"],
        ];
        for (const [field, text] of cases) {
            it(`--set ${field}=${text} is stored as the string "${text}" and accepted`, () => {
                assert.equal(pathValue(text), text);
                assert.deepEqual(problemsWith(field, pathValue(text)), []);
            });
        }
        it("a latency threshold between bucket edges is refused with the allowed edges listed", () => {
            const [problem] = about("monitoring.latencyThresholdSeconds", problemsWith("monitoring.latencyThresholdSeconds", pathValue("0.3")));
            assert.match(problem, /0\.3 is not a bucket boundary .*buckets: 0\.005, 0\.01, 0\.025, 0\.05, 0\.1, 0\.25, 0\.5, 1, 2\.5, 5, 10\).*\(stack production\)$/);
        });
        for (const text of ["0.30", "3e-1", "30E-2"]) {
            it(`a latency threshold written ${JSON.stringify(text)} (not a bucket edge) is refused showing the edges, the number read and the text as typed`, () => {
                const [problem, ...more] = about("monitoring.latencyThresholdSeconds", problemsWith("monitoring.latencyThresholdSeconds", pathValue(text)));
                assert.equal(more.length, 0);
                assert.match(problem, /^websvc:monitoring\.latencyThresholdSeconds 0\.3 is not a bucket boundary .*buckets: 0\.005, .* 10\)/);
                assert.ok(problem.endsWith(`, got ${JSON.stringify(text)} (stack production)`), problem);
            });
        }
        it("a rule's message adds nothing when the text is the number as the rule shows it", () => {
            const [problem] = about("monitoring.latencyThresholdSeconds", problemsWith("monitoring.latencyThresholdSeconds", pathValue("0.3")));
            assert.doesNotMatch(problem, /got/);
        });
        it("a latency threshold in exponent form is read as its value (2.5e-1 is the 0.25 edge)", () => {
            assert.deepEqual(problemsWith("monitoring.latencyThresholdSeconds", pathValue("2.5e-1")), []);
        });
    });

    describe("text that is not a plain number is refused, shown as typed, with the key, the expected form and the stack", () => {
        const texts = [" 99.95", "99.95 ", "99,95", "0x10", "", "+99.5", "99.", ".5", "1_000", "NaN", "Infinity", "99.5%", "١٠"];
        for (const text of texts) {
            it(`monitoring.availabilityObjective=${JSON.stringify(text)}`, () => {
                const [problem, ...more] = about("monitoring.availabilityObjective", problemsWith("monitoring.availabilityObjective", pathValue(text)));
                assert.equal(more.length, 0);
                assert.equal(problem, `websvc:monitoring.availabilityObjective must be a number > 90 and < 100 (a percentage), written as a number or as decimal text such as "99.95", got ${JSON.stringify(text)} (stack production)`);
            });
        }
        it("an exponent is refused where the field's grammar has none (1e2 for a percentage)", () => {
            assert.equal(about("monitoring.latencyObjective", problemsWith("monitoring.latencyObjective", pathValue("9.95e1"))).length, 1);
        });
        it("a boolean or an object is refused the same way", () => {
            assert.equal(about("replicas", problemsWith("replicas", true)).length, 1);
            assert.match(about("ingress.rateLimitRps", problemsWith("ingress.rateLimitRps", { n: 1 }))[0], /must be an integer from 1 to 10000 .*got \{"n":1\} \(stack production\)$/);
        });
    });

    describe("integers with leading zeros (the CLI keeps \"0100\" a string) are refused, every integer field", () => {
        for (const [field, f] of FIELDS.filter(([, f]) => f.integer)) {
            it(`${field}: "0${inside(field, f)}" says to write ${inside(field, f)}`, () => {
                const text = `0${inside(field, f)}`;
                assert.equal(pathValue(text), text, "the CLI stores it as a string");
                const [problem] = about(field, problemsWith(field, pathValue(text)));
                assert.ok(problem?.includes(`without leading zeros`) && problem.includes(`write ${inside(field, f)}, got "${text}" (stack production)`), problem);
            });
        }
    });

    describe("bounds", () => {
        const outside: Array<[string, unknown]> = [
            ["autoscaling.maxReplicas", 100_000], ["autoscaling.maxReplicas", 101], ["replicas", 101], ["ingress.rateLimitRps", 10_001],
            ["ingress.hstsMaxAgeSeconds", 63_072_001], ["networkPolicy.extraEgress[].ports[].port", 65_536], ["monitoring.availabilityObjective", 100],
            ["monitoring.availabilityObjective", "90"], ["monitoring.latencyThresholdSeconds", "0"], ["autoscaling.targetCpuUtilization", 9],
        ];
        for (const [field, value] of outside) {
            it(`${field}=${JSON.stringify(value)} is refused`, () => assert.equal(about(field, problemsWith(field, value)).length, 1));
        }
        it("the upper bounds themselves are accepted", () => {
            assert.deepEqual(problemsWith("autoscaling.maxReplicas", 100), []);
            assert.deepEqual(problemsWith("ingress.hstsMaxAgeSeconds", "63072000"), []);
            assert.deepEqual(problemsWith("networkPolicy.extraEgress[].ports[].port", 65535), []);
        });
    });

    describe("fuzz (fast-check): CLI text -> the CLI's typing -> config.ts", () => {
        // Written from the grammar in docs/configuration.md, not from config.ts.
        const digits = fc.stringMatching(/^[1-9][0-9]{0,3}$/);
        const fraction = fc.stringMatching(/^[0-9]{1,4}$/);
        const plainDecimal = fc.tuple(fc.constantFrom("", "-"), fc.oneof(fc.constant("0"), digits), fc.option(fraction, { nil: undefined }))
            .map(([sign, int, frac]) => `${sign}${int}${frac === undefined ? "" : `.${frac}`}`);
        const plainInteger = fc.tuple(fc.constantFrom("", "-"), fc.oneof(fc.constant("0"), digits)).map(([sign, int]) => `${sign}${int}`);
        /** A plain number with one thing no plain number has, somewhere in it: often at either end (" 99.95", "99.95 "), where Number() forgives it. */
        const position = fc.oneof(fc.constant("start" as const), fc.constant("end" as const), fc.nat());
        const malformed = (valid: fc.Arbitrary<string>) => fc.tuple(valid, fc.constantFrom(" ", "\t", "\n", ",", "_", "+", "x", "0x", "%", "..", "e", "\u00a0", "٫"), position)
            .map(([v, bad, at]) => { const i = at === "start" ? 0 : at === "end" ? v.length : at % (v.length + 1); return v.slice(0, i) + bad + v.slice(i); })
            .filter((t) => !/^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/.test(t));

        const between = (lo: number, hi: number) => fc.integer({ min: lo, max: hi }).map(String);
        /** Trailing zeros in the fraction are still plain decimal text ("99.50" is 99.5). */
        const percent = fc.tuple(fc.integer({ min: 90, max: 99 }), fraction).map(([i, f]) => `${i}.${f}`).filter((t) => Number(t) > 90);
        const edges = fc.constantFrom("0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.250", "0.5", "1", "1.0", "2.5", "5", "10", "2.5e-1", "25E-2", "1e1", "5e-3");
        /** Texts each field accepts, with the rest of the production stack (whose minReplicas is 3, maxReplicas 12). */
        const VALID: Record<string, fc.Arbitrary<string>> = {
            replicas: between(1, 100),
            "autoscaling.minReplicas": between(2, 12),
            "autoscaling.maxReplicas": between(3, 100),
            "autoscaling.targetCpuUtilization": between(10, 100),
            "autoscaling.targetMemoryUtilization": between(10, 100),
            "ingress.rateLimitRps": between(1, 10_000),
            "ingress.rateLimitConnections": between(1, 10_000),
            "ingress.hstsMaxAgeSeconds": between(31_536_000, 63_072_000),
            "monitoring.availabilityObjective": percent,
            "monitoring.latencyObjective": percent,
            "monitoring.latencyThresholdSeconds": edges,
            "appSecrets[].length": between(16, 256),
            "networkPolicy.extraEgress[].ports[].port": between(1, 65_535),
        };
        it("has accepted texts for every numeric field", () => assert.deepEqual(Object.keys(VALID).sort(), Object.keys(NUMBER_FIELDS).sort()));
        for (const [field, f] of FIELDS) {
            it(`${field}: plain numbers in bounds are accepted, whether the CLI stored a number or a string`, () => {
                fc.assert(fc.property(VALID[field], fc.boolean(), (text, asString) => {
                    // asString: what `--type string` (or a hand-quoted YAML value) stores.
                    const stored = asString ? text : pathValue(text);
                    return problemsWith(field, stored).length === 0;
                }), { numRuns: 40 });
            });
            it(`${field}: malformed text (an accepted text, or any plain number, with one foreign character) is refused, naming the key, the text as typed and the stack`, () => {
                fc.assert(fc.property(malformed(fc.oneof(VALID[field], f.integer ? plainInteger : plainDecimal)), (text) => {
                    const stored = pathValue(text);
                    fc.pre(typeof stored === "string");
                    const found = about(field, problemsWith(field, stored));
                    return found.length === 1 && found[0].endsWith(`got ${JSON.stringify(text)} (stack production)`) && / must be /.test(found[0]);
                }), { numRuns: 40 });
            });
        }
        it("every field has a value the rest of the stack allows (so the properties above test the field)", () => {
            for (const [field, f] of FIELDS) assert.deepEqual(problemsWith(field, inside(field, f)), [], field);
        });
    });
});

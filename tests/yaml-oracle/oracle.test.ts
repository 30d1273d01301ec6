// The checker's YAML reading against Kubernetes' own (scripts/fixtures/yaml-oracle: kubectl's
// YAMLOrJSONDecoder with sigs.k8s.io/yaml), object for object, on both parse paths.
// Opt-in (needs Go and the Go module proxy): npm run test:yaml-oracle
import * as assert from "assert";
import fc from "fast-check";
import * as os from "os";
import * as path from "path";
import { checkerReadings, compare, kubernetesReading, realWorldFiles, type Verdict } from "./oracle";
import { HAND_WRITTEN, manifestArb, scalarCases } from "./corpus";

const enabled = process.env.YAML_ORACLE === "1";
const GENERATED = Number(process.env.YAML_ORACLE_RUNS ?? 3000);

/** Compares both paths on every text; prints the tally and returns the texts on which a path reads differently. */
function agreeOn(label: string, texts: string[], names: string[] = [], refused: Record<string, string[]> = {}): string[] {
    const answers = kubernetesReading(texts);
    const tally: Record<string, Record<Verdict, number>> = {};
    const wrong: string[] = [];
    texts.forEach((text, i) => {
        const readings = checkerReadings(text);
        for (const [path, ours] of Object.entries(readings)) {
            const verdict = compare(ours, answers[i]);
            tally[path] ??= { "same objects": 0, "both refuse": 0, "checker refuses": 0, "checker accepts what kubectl refuses": 0, "different objects": 0 };
            tally[path][verdict]++;
            if (verdict === "checker refuses") (refused[path] ??= []).push(names[i] ?? JSON.stringify(text));
            if (verdict === "different objects" || verdict === "checker accepts what kubectl refuses") {
                wrong.push(`[${path}] ${verdict}: ${names[i] ?? ""} ${JSON.stringify(text.slice(0, 2000))}\n  kubectl: ${JSON.stringify(answers[i].error ?? answers[i].docs)}\n  checker: ${JSON.stringify("error" in ours ? ours.error : ours.docs.map((d) => d.value))}`);
            }
        }
    });
    for (const [path, t] of Object.entries(tally)) console.log(`      ${label}, ${path} path: ${texts.length} texts: ${Object.entries(t).map(([k, v]) => `${k} ${v}`).join(", ")}`);
    return wrong;
}

(enabled ? describe : describe.skip)(`YAML decoding agrees with Kubernetes (sigs.k8s.io/yaml)${enabled ? "" : " (skipped: set YAML_ORACLE=1; needs Go + module proxy)"}`, function () {
    this.timeout(20 * 60 * 1000);

    it("every scalar, in every style and under every tag, as a value and as a key", () => {
        const wrong = agreeOn("scalars", scalarCases());
        assert.deepStrictEqual(wrong.slice(0, 15), [], `${wrong.length} disagreements`);
    });

    it("hand-written streams: merges, anchors, duplicate keys, BOM, CRLF, separators, JSON, Lists", () => {
        const wrong = agreeOn("hand-written", HAND_WRITTEN);
        assert.deepStrictEqual(wrong.slice(0, 15), [], `${wrong.length} disagreements`);
    });

    // Held-out input: nobody wrote these for the checker. The default path must read every file as
    // kubectl does; the `yaml`-only path may refuse what it cannot parse (listed).
    it("every YAML and JSON file of the benchmark's public projects (Go module zips), as kubectl reads them", () => {
        const files = realWorldFiles(path.join(os.homedir(), ".cache", "websvc", "bench-corpus"));
        const refused: Record<string, string[]> = {};
        const wrong = agreeOn(`real-world (${files.projects} projects)`, files.texts, files.names, refused);
        for (const [p, names] of Object.entries(refused)) console.log(`      ${p} path refuses ${names.length} file(s) kubectl reads: ${names.slice(0, 5).join(", ")}`);
        assert.ok(files.texts.length > 5000, `only ${files.texts.length} files`);
        assert.deepStrictEqual(wrong.slice(0, 15), [], `${wrong.length} disagreements`);
        assert.deepStrictEqual(refused.auto ?? [], [], "the default path refuses files kubectl reads");
    });

    it(`generated manifests (fast-check, ${GENERATED} runs)`, () => {
        const texts = fc.sample(manifestArb, { numRuns: GENERATED, seed: Number(process.env.YAML_ORACLE_SEED ?? 20) });
        const wrong = agreeOn("generated", texts);
        assert.deepStrictEqual(wrong.slice(0, 15), [], `${wrong.length} disagreements`);
    });
});

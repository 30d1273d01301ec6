// The checker parses YAML with js-yaml (yaml-fast.ts) and falls back to the `yaml` package
// (yaml-compat.ts) for what js-yaml cannot parse; both decode as Kubernetes does (k8s-yaml.ts,
// checked against Kubernetes' own decoder by tests/yaml-oracle). Both paths must give the same
// objects, lines, warnings and errors, and the whole check the same report; and the fast path must
// really be the one that reads ordinary manifests (else these comparisons would compare `yaml` with itself).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { checkPaths } from "../../policy/check";
import { parseManifestText } from "../../policy/cli/manifests";
import { parseFast } from "../../policy/cli/yaml-fast";
import { flowDepth } from "../../policy/cli/yaml-compat";
import { MAX_DEPTH } from "../../policy/cli/yaml-document";
import { generateCorpus } from "../../policy/bench/corpus";
import { documentStartLines, FIXTURES, tempDir } from "./support";

const deployment = (name: string, extra = "") => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: shop${extra}
spec:
  template:
    spec:
      containers:
        - name: app
          image: registry.example.com/app:1.0
`;

/** Documents the fast path reads itself; each is compared with the `yaml` path. */
const FAST_CASES: Record<string, string> = {
    "multi-document with comments and markers": `# head\n---\n${deployment("a")}---\n\n# between\n${deployment("b")}...\n---\n${deployment("c")}`,
    "CRLF line endings": deployment("crlf").replace(/\n/g, "\r\n") + "---\r\n" + deployment("crlf2").replace(/\n/g, "\r\n"),
    "byte order mark": `\uFEFF${deployment("bom")}`,
    "List with block and flow items": `apiVersion: v1\nkind: List\nitems:\n  - ${deployment("l1").trimEnd().replace(/\n/g, "\n    ")}\n  - {apiVersion: v1, kind: ConfigMap, metadata: {name: flow, namespace: shop}}\n  -   apiVersion: v1\n      kind: Secret\n      metadata: {name: spaced}\n`,
    "List with a non-object item and a scalar key": `apiVersion: v1\nkind: ConfigMapList\nitems:\n  - just a string\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: cm}\n`,
    "List with items given twice (the first items key gives the lines)": `apiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: ConfigMap, metadata: {name: first}}\nitems:\n  - {apiVersion: v1, kind: ConfigMap, metadata: {name: second}}\n  - {apiVersion: v1, kind: ConfigMap, metadata: {name: third}}\n`,
    "a flow mapping document (JSON)": JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "json", namespace: "shop" }, data: { a: "1" } }, null, 2),
    "quoted keys and values, escapes": `"apiVersion": 'v1'\n"kind": "ConfigMap"\nmetadata: {"name": 'it''s'}\ndata:\n  dq: "tab\\tnewline\\nunicode\\u00e9 \\x41 \\U0001F600"\n  sq: 'a ''quoted'' word'\n  emoji: "🚀 ✓"\n`,
    "block scalars: chomping, indentation indicator, folding": `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: blocks}\ndata:\n  literal: |\n    line 1\n      indented\n    line 3\n  strip: |-\n    no newline\n  keep: |+\n    keep\n\n  folded: >\n    folded\n    text\n\n    para\n      more indented\n  indicator: |2\n      two extra\n  folded_strip: >-\n    a\n    b\n`,
    "plain multi-line scalars and comments": `apiVersion: v1\nkind: ConfigMap # trailing\nmetadata:\n  name: plain\n  annotations:\n    note: this is a\n      multi-line plain\n      scalar\n    url: http://x.example/a#not-a-comment\ndata: {}\n`,
    "YAML 1.1 scalars": `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: scalars}\ndata:\n  ints: [0, -0, +12, 012, 0o17, 0x1F, 1_000, 0b101, 12345678901234567890]\n  floats: [1.5, -2., .5, 1e3, 6.02e+23, .inf, -.Inf, .NaN, 1.0e-5]\n  bools: [true, True, TRUE, false, yes, no, on, off, y, n]\n  nulls: [null, Null, NULL, ~, ]\n  strings: [2024-01-01, 2001-12-14t21:59:43.10-05:00, 1:20, 0.1.2, "123", '1e3', 0x, 0o8, 1.2.3]\n`,
    "non-string keys": `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: keys}\ndata:\n  1: one\n  true: yes\n  0x1F: hex\n  1.5: float\n  .inf: inf\n  "": empty\n  "null": quoted\n`,
    "duplicate keys (the last wins)": `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dup}\ndata:\n  a: "1"\n  b: "2"\n  a: "3"\n`,
    "a merge key (YAML 1.1, as Kubernetes reads it)": `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: merge}\ndata:\n  <<: {a: b}\n  c: d\n`,
    "__proto__ and the engine's signature key": `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: proto}\ndata:\n  __proto__: {polluted: "yes"}\n  4dabf18193072939515e22adb298388d: "sig"\n`,
    "anchors without aliases": `apiVersion: v1\nkind: ConfigMap\nmetadata: &meta {name: anchored}\ndata: &d\n  a: "1"\n`,
    "an anchored document root": `--- &root\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: r1}\n`,
    "document content on the marker line (kubectl refuses it)": `--- {apiVersion: v1, kind: ConfigMap, metadata: {name: inline}}\n--- \n${deployment("after")}`,
    "empty documents and comment-only documents": `---\n---\n# only a comment\n---\n${deployment("x")}---\n`,
    "non-Kubernetes mappings, a scalar and a sequence": `just: a map\n---\n${deployment("ok")}---\nplain scalar text\n---\n- a\n- b\n`,
    "tabs in values and flow collections over lines": `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: tabs}\ndata:\n  t: "a\tb"\n  flow: [\n    a, b,\n    c\n    ]\n  m: {x: 1,\n      y: 2}\n`,
    "nesting at the depth limit": `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata:\n  x: ${"[".repeat(MAX_DEPTH - 2)}${"]".repeat(MAX_DEPTH - 2)}\n`,
    "a 1024-character key": `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: long}\ndata:\n  ${"k".repeat(1024)}: v\n`,
    "aliases (none inside an anchored node)": `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: aliased\n  labels: &labels {app: web}\nspec:\n  selector: {matchLabels: *labels}\n  template:\n    metadata: {labels: *labels}\n    spec:\n      containers: [{name: c, image: "r/i:1", resources: &res {limits: {cpu: "1"}}}, {name: d, image: "r/i:1", resources: *res}]\n`,
    "unicode line separators inside quoted strings": `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: seps}\ndata:\n  a: "x\u2028y\u0085z"\n`,
};

/** Inputs the fast path used to leave to the `yaml` package: tags, aliases, odd keys, directives, errors (compared on the outcome). */
const DECLINED_CASES: Record<string, string> = {
    "an alias inside an anchored node": `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: alias}\ndata:\n  a: &x "1"\n  b: &y [*x, *x]\n  c: *y\n`,
    "more aliases than the yaml package's budget": `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: many}\ndata:\n  a: &x "1"\n  b: [${Array(1001).fill("*x").join(", ")}]\n`,
    "an alias as a mapping key": `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: akey}\ndata:\n  a: &k key\n  *k : value\n`,
    "an implicit key over 1024 characters": `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: long}\ndata:\n  ${"k".repeat(1100)}: v\n`,
    "null and collection keys": `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: keys}\ndata:\n  ~: tilde\n  ? [a, b]\n  : seq\n`,
    "a flow collection closed at its parent's indentation (the yaml package accepts it)": `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: flow}\ndata:\n  flow: [\n    a\n  ]\n`,
    "%YAML 1.1 directive (yes/no are booleans there)": `%YAML 1.1\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: v11}\ndata:\n  flag: yes\n`,
    "%TAG directive": `%TAG !e! tag:example.com,2000:\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: tagdir}\n`,
    "unknown tags": `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: custom}\ndata:\n  a: !Ref other\n  b: !!binary aGVsbG8=\n  c: !!timestamp 2001-12-14\n`,
    "core explicit tags (the yaml package leaves !!float 1 a string)": `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: tags}\ndata:\n  s: !!str 123\n  i: !!int "42"\n  f: !!float 1\n  b: !!bool "true"\n  m: !!map {x: 1}\n`,
    "a tagged document root": `--- !!map\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: r2}\n`,
    "a syntax error": `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [\n`,
    "an unterminated quoted string": `apiVersion: v1\nkind: ConfigMap\ndata:\n  key: "unterminated\n  other: [1, 2\n`,
    "bad indentation": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n   namespace: b\n`,
    "tab indentation": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: tab\n`,
    "binary garbage": Buffer.from(Array.from({ length: 2000 }, (_, i) => (i * 7919 + 13) % 256)).toString("utf8"),
    "a billion-laughs document": billionLaughs(),
};

function billionLaughs(): string {
    const lines = [`a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]`];
    let prev = "a";
    for (const c of "bcdefghi") {
        lines.push(`${c}: &${c} [${Array(9).fill(`*${prev}`).join(",")}]`);
        prev = c;
    }
    return `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n${lines.map((l) => `  ${l}`).join("\n")}\n`;
}

const both = (text: string, file = "case.yaml") => ({ auto: parseManifestText(text, file), yaml: parseManifestText(text, file, "yaml") });

describe("YAML parse paths: js-yaml fast path vs the yaml package", function () {
    this.timeout(120000);

    for (const [name, text] of Object.entries(FAST_CASES)) {
        it(`same result, read by the fast path: ${name}`, () => {
            assert.ok(parseFast(text) !== undefined, "the fast path declined this input");
            const { auto, yaml } = both(text);
            assert.deepStrictEqual(auto, yaml);
            // Key order too: it decides the order of findings.
            assert.strictEqual(JSON.stringify(auto), JSON.stringify(yaml));
        });
    }
    for (const [name, text] of Object.entries(DECLINED_CASES)) {
        it(`same result on both paths (Kubernetes' reading, or both refuse): ${name}`, () => {
            const { auto, yaml } = both(text);
            assert.deepStrictEqual(auto, yaml);
        });
    }

    it("same objects, lines and messages on the checker's fixtures and a generated corpus", () => {
        const dir = tempDir("parse-paths-");
        try {
            generateCorpus(dir, 300, 30, 5);
            const walk = (d: string): string[] =>
                fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : /\.ya?ml$/.test(e.name) ? [path.join(d, e.name)] : []));
            const files = [dir, FIXTURES].flatMap(walk);
            assert.ok(files.length > 10);
            let fast = 0;
            for (const f of files) {
                const text = fs.readFileSync(f, "utf8");
                if (parseFast(text)) fast++;
                const { auto, yaml } = both(text, f);
                assert.deepStrictEqual(auto, yaml, f);
            }
            // Only the deliberately broken fixture is left to the yaml package.
            assert.strictEqual(fast, files.length - 1);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("the whole check reports the same with --parser yaml (reports, lines, violations, exit code)", () => {
        const dir = tempDir("parse-paths-check-");
        try {
            generateCorpus(dir, 200, 25, 9);
            fs.writeFileSync(path.join(dir, "list.yaml"), FAST_CASES["List with block and flow items"]);
            const viaFast = checkPaths([dir, FIXTURES]);
            const viaYaml = checkPaths([dir, FIXTURES], { parser: "yaml" });
            assert.ok(viaFast.reports.some((r) => r.violations.length > 0));
            assert.deepStrictEqual(viaFast, viaYaml);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("object lines are where each document's first key is", () => {
        const text = FAST_CASES["multi-document with comments and markers"];
        const lines = text.split("\n").flatMap((l, i) => (l.startsWith("apiVersion:") ? [i + 1] : []));
        assert.deepStrictEqual(parseManifestText(text, "x.yaml").objects.map((o) => o.line), lines);
        const list = FAST_CASES["List with block and flow items"];
        assert.deepStrictEqual(parseManifestText(list, "l.yaml").objects.map((o) => o.line), [4, 15, 16]);
        assert.deepStrictEqual(documentStartLines(path.join(FIXTURES, "violating", "list.yaml"), "  - apiVersion:"),
            parseManifestText(fs.readFileSync(path.join(FIXTURES, "violating", "list.yaml"), "utf8"), "list.yaml").objects.map((o) => o.line));
    });

    it("a JSON stream's objects get their lines, and long streams stay linear (a 10 MB JSON-lines file of a real repository took 25 s)", () => {
        const cm = (i: number) => JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `c${i}` }, data: { k: "v".repeat(400) } });
        const count = 40000;
        const text = Array.from({ length: count }, (_, i) => cm(i)).join("\n") + "\n";
        const started = process.hrtime.bigint();
        const objects = parseManifestText(text, "s.json").objects;
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        assert.deepStrictEqual([0, 9999, count - 1].map((i) => [objects[i].name, objects[i].line]), [["c0", 1], ["c9999", 10000], [`c${count - 1}`, count]]);
        // Counting lines from the start for each value visits ~800 M newlines here (67 s when measured); linear is well under a second.
        assert.ok(seconds < 10, `${count} JSON values (${(text.length / 1e6).toFixed(1)} MB) took ${seconds.toFixed(1)} s`);
    });

    const deep = (open: string, close: string, levels: number) => `apiVersion: v1\nkind: ConfigMap\ndata:\n  x: ${open.repeat(levels)}${close.repeat(levels)}\n`;
    // `levels` nested keys under data: the root mapping, data's mapping and one mapping per key but the last.
    const blockDeep = (levels: number) => `apiVersion: v1\nkind: ConfigMap\ndata:\n${Array.from({ length: levels }, (_, i) => `${"  ".repeat(i + 1)}k:`).join("\n")} v\n`;
    for (const [name, text] of [
        ["flow collections one level over the limit", deep("[", "]", MAX_DEPTH - 1)],
        ["block mappings one level over the limit", blockDeep(MAX_DEPTH)],
        ["flow mappings 5000 levels deep (enough to exhaust the yaml package's memory)", deep("{a: ", "}", 5000)],
        ["flow sequences 1000 levels deep (the yaml package's stack overflows)", deep("[", "]", 1000)],
    ] as const) {
        it(`refused by both paths alike: ${name}`, () => {
            const started = Date.now();
            for (const parsed of Object.values(both(text))) {
                assert.deepStrictEqual(parsed.objects, []);
                assert.deepStrictEqual(parsed.errors.map((e) => e.message), [`invalid YAML: collections nested deeper than ${MAX_DEPTH} levels`]);
            }
            assert.ok(Date.now() - started < 20000);
        });
    }
    it("block mappings at the limit are read", () => {
        const { auto, yaml } = both(blockDeep(MAX_DEPTH - 1));
        assert.strictEqual(auto.objects.length, 1);
        assert.deepStrictEqual(auto, yaml);
    });
    it("the naive flow-depth bound counts brackets", () => {
        assert.strictEqual(flowDepth("a: [[{b: [c]}], [d]]"), 4);
        assert.strictEqual(flowDepth("no brackets"), 0);
    });
});

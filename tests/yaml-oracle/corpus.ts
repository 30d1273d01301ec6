// Edge cases of Kubernetes' YAML reading: hand-written streams, every scalar of SCALARS in every
// style and tag, and a fast-check generator of random manifests built from the same parts.
import fc from "fast-check";

/** Plain scalars whose reading differs between YAML 1.1, YAML 1.2 and JSON, or between parsers. */
export const SCALARS = [
    ...["y", "Y", "yes", "Yes", "YES", "yEs", "n", "N", "no", "No", "NO", "nO", "true", "True", "TRUE", "tRue", "false", "False", "FALSE"],
    ...["on", "On", "ON", "oN", "off", "Off", "OFF", "oFF", "~", "null", "Null", "NULL", "nUll", ""],
    ...["0", "-0", "+0", "00", "0777", "0o17", "0O17", "0x1F", "0X1f", "0x_1F", "0b101", "0B101", "-0b101", "+0b1", "+12", "-12", "1_000", "1__0", "0_1", "_1", "1_"],
    ...["08", "09.5", "0.", "1.", "01.5", "1:20", "190:20:30", "-1:20", "1e3", "1E3", "1e+3", "1.5e-3", "1e", "1e400", "-1e400", "1e-400", ".5", "-.5", "+.5", ".5e3", "._5", "1_0.5"],
    ...[".inf", ".Inf", ".INF", ".iNf", "+.inf", "-.inf", "-.Inf", ".nan", ".NaN", ".NAN", "nan", "inf", "Infinity", "NaN"],
    ...["9007199254740993", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "18446744073709551615", "18446744073709551616", "0xFFFFFFFFFFFFFFFF", "0x1FFFFFFFFFFFFFFFF"],
    ...["2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10", "2001-12-14T21:59:43Z", "2001-1-2", "12:30:45", "0x", "+", "-", ".", "<<", "=", "0.1", "3.14159", "1.0", "-1.0", "100Mi", "0.5Gi", "v1", "1.26"],
];

const quoteSingle = (s: string) => `'${s.replace(/'/g, "''")}'`;
const quoteDouble = (s: string) => JSON.stringify(s);

/** Every scalar as a plain, single- and double-quoted value and key, bare and under each tag. */
export function scalarCases(): string[] {
    const tags = ["", "!!str ", "!!int ", "!!float ", "!!bool ", "!!null ", "! ", "!foo ", "!!binary ", "!!timestamp "];
    const out: string[] = [];
    for (const s of SCALARS) {
        for (const tag of tags) {
            for (const written of [s, quoteSingle(s), quoteDouble(s)]) {
                if (tag === "" && written === s && s === "") continue;
                out.push(`value: ${tag}${written}\n`);
            }
        }
        for (const written of [s, quoteSingle(s)]) {
            if (written !== "") out.push(`${written}: key\nother: 1\n`);
        }
        out.push(`list: [${s === "" ? "''" : s}, x]\nflow: {k: ${s === "" ? "''" : s}}\n`);
    }
    return out;
}

const POD = (spec: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n${spec}`;

/** Streams and structures: merges, anchors, duplicates, BOM, CRLF, separators, JSON, Lists, block scalars. */
export const HAND_WRITTEN: string[] = [
    POD("  hostNetwork: yes\n  containers:\n  - name: c\n    image: i\n"),
    POD("  hostPID: on\n  containers:\n  - name: c\n    image: i\n    securityContext: {<<: {privileged: true}}\n"),
    POD("  containers:\n  - name: c\n    image: i\n    securityContext:\n      <<: &priv {privileged: true, runAsNonRoot: false}\n      runAsNonRoot: true\n"),
    "a: 1\n<<: {a: 2, b: 2}\n",
    "<<: {a: 2, b: 2}\na: 1\n",
    "<<: [{a: 1}, {a: 2, b: 2}]\n",
    "x: &x {a: 1}\ny: &y {a: 2, c: 3}\nz:\n  <<: [*x, *y]\n  d: 4\n",
    "x: &x {a: 1}\nz:\n  <<: *x\n  <<: {a: 5}\n",
    "'<<': {a: 1}\n",
    "\"<<\": {a: 1}\n",
    "!!merge <<: {a: 1}\n",
    "! <<: {a: 1}\n",
    "<<: 5\n",
    "<<: [1]\n",
    "<<: ~\n",
    "x: &s scalar\n<<: *s\n",
    "a: {<<: {<<: {deep: 1}, mid: 2}, top: 3}\n",
    "a: &a 1\nb: *a\nc: &a 2\nd: *a\n",
    "a: &a [1, 2]\nb: *a\n",
    "a: *nope\n",
    "a: &a [*a]\n",
    "&k key: 1\n*k : 2\n",
    "a: &a {x: 1}\n*a : 2\n",
    "a: 1\na: 2\n",
    "a: 1\n'a': 2\n",
    "1: a\n'1': b\n",
    "1: a\n1.0: b\n",
    "true: a\nyes: b\n",
    "yes: a\n'true': b\n",
    "1.5: a\n0.1: b\n1e10: c\n1.0: d\n-0.0: e\n123456789.5: f\n",
    "~: a\n",
    ": a\n",
    "? [a, b]\n: c\n",
    "? {a: 1}\n: c\n",
    "? |\n  block key\n: v\n",
    "18446744073709551615: big\n",
    "\ufeffapiVersion: v1\nkind: ConfigMap\nmetadata: {name: bom}\n",
    "apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: crlf\r\ndata:\r\n  a: |\r\n    line1\r\n    line2\r\n",
    "a: 1\n---\nb: 2\n",
    "---\na: 1\n---\n",
    "a: 1\n--- # comment\nb: 2\n",
    "a: 1\n--- foo\nb: 2\n",
    "a: 1\n---foo\nb: 2\n",
    "a: 1\n----\nb: 2\n",
    "--- a: 1\n",
    "a: 1\n...\nb: 2\n",
    "a: 1\n...\n",
    "a: |\n  x\n---\n  y\n",
    "---\n---\n---\n",
    "# only a comment\n",
    "",
    "\n\n",
    "%YAML 1.1\n---\na: 1\n",
    "%TAG !e! tag:example.com,2000:\n---\na: !e!x 1\n",
    '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "j"}}\n',
    '{"a": 1}{"b": 2}\n{"c": 3}\n',
    '{"a": 1}\n---\nb: 2\n',
    '{"a": 1}\n{"b": 2}\n---\nc: 3\n',
    '{"a": 1, "a": 2}\n',
    "{a: 1, b: yes}\n",
    '  {"a": 1}\n',
    '{"a": [1, 2.50, 1e3, -0, true, null, "x"]}\n',
    '{"a": 1}\n{"b": \n',
    "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n  spec: {hostNetwork: yes}\n- {apiVersion: v1, kind: Pod, metadata: {name: b}}\n",
    "a: |\n  literal\n  text\nb: >\n  folded\n  text\n\n  para\nc: |-\n  strip\nd: |+\n  keep\n\ne: |2\n    indented\n",
    "a: plain\n  continued\n  lines\nb: 'single\n  folded'\nc: \"double\\tescape\\u00e9\\x41\\\n  joined\"\n",
    "a:\tb\n",
    "a: b\t# tab comment\n",
    "\ta: b\n",
    "a: b # comment\nc: d#not comment\n",
    "a: [1, 2,]\n",
    "a: {b: c,}\n",
    "a: [b: c]\n",
    "- a\n- b\n",
    "just a string\n",
    "42\n",
    "a: !!binary aGVsbG8=\nb: !!binary |\n  aGVs\n  bG8=\n",
    "a: !!binary _not_base64_\n",
    "a: !!set {x, y}\nb: !!omap [{x: 1}]\nc: !!str {k: v}\nd: !foo [1]\n",
    "a: !<tag:yaml.org,2002:int> '12'\nb: !<!bar> x\n",
    "a: .nan\n",
    "a: [.inf]\n",
    "a: 'it''s'\nb: \"q\\\"q\"\n",
    "a: \"\\u0000\"\n",
    "a: x: y\n",
    "a:\n  - b\n  -c\n",
    "a: @x\n",
    "a: `x\n",
    "a: b\n c: d\n",
    "key with spaces: v\n\"quoted key\": v\n",
    "a: 'unterminated\n",
    "a: [unterminated\n",
    "a:\n- 1\n- 2\nb:\n  - 3\n",
    "a: &anchor\n  b: 1\nc: *anchor\n",
    "a: &x 1\nb: &x 2\nc: *x\n",
    "a: *x\nb: &x 1\n",
    "a: ! 12\nb: ! yes\n",
    "? a\n? b\n",
    "a: 1\n\n\n---\n\n# c\n---\nb: 2",
    "a: 1\r\n---\r\nb: 2\r\n",
    "a: 1\r---\rb: 2\r",
    "a: \"line\r\nbreak\"\n",
    `data:\n  ${"k".repeat(1024)}: v\n`,
    `data:\n  ${"k".repeat(1100)}: v\n`,
    `data:\n  ? ${"k".repeat(1100)}\n  : v\n`,
    "data:\n  flow: [\n    a\n  ]\n",
    "data:\n  flow: [\n  a\n  ]\n",
    "--- !!map\na: 1\n",
    "--- &root\na: 1\n",
    "a: &x \"1\"\nb: &y [*x, *x]\nc: *y\n",
    // Found on real repositories' files (tests/yaml-oracle/oracle.test.ts, real-world files):
    // escapes YAML 1.1 lacks or has, multi-line flow keys (JSON with comments), under-indented
    // continuation lines as `kubectl get -o yaml` writes them, control characters.
    'a: "x\\/y"\n',
    '"k\\/": 1\n',
    'a: "x\\\\/y"\n',
    "a: \"x\\'y\"\n",
    "a: \"x\\\\'y\"\n",
    "a: {b\n c: 1}\n",
    'a: {"b"\n  : 1}\n',
    "a: {!!str\n b : 1}\n",
    "a: {? b\n c : 1}\n",
    "a: {b, c\n d}\n",
    '{\n  // See https://example.com/x\n  "version": "2.0.0"\n}\n',
    "status:\n  conditions:\n    - type: Ready\n      message: 'The schema has been applied: {\"a\": 1,\n      \"b\": 2}'\n      reason: Applied\n",
    'b:\n  - a: "foo\n  bar"\n',
    'b:\n  a: "foo\n...\n  bar"\n',
    'b:\n  a: "foo\\\n bar"\n',
    "b:\n  a: [1,\n# c\n2]\n",
    "b:\n  a: {c: 1,\n d: 2}\n",
    'b:\n  a: "foo\n\tbar"\n',
    "a: b\u0000c\n",
    "a: b # \u0007\n",
    "a: \"b\u0085c\u00a0d\"\n",
    "a: b\u007fc\n",
    "a: \"\ufffe\"\n",
    "spec:\n  dnsPolicy: x # c\u0085  hostNetwork: true\n",
    "spec:\n  dnsPolicy: x # c\u2028  hostNetwork: true\n",
    "spec:\n  a: \"x\u2029y\"\n",
    "spec:\n  a: |\n    x\u2028y\n",
    'b:\n  a: "foo\n--- \n  bar"\n',
    // Continuation lines led by tabs: separation for libyaml, in quoted scalars and flow collections alike.
    'a: "foo\n\tbar"\n',
    'a:\n  b: "foo\n \tbar"\n',
    "a:\n  b: 'foo\n\tbar'\n",
    'a:\n  b: "foo\n\t\n\tbar"\n',
    'a:\n  b: "foo\n\t"\n',
    'a:\n  - "foo\n\t- bar"\n',
    'a: "foo\n\t---\n  bar"\n',
    "a:\n  b: [x,\n\ty]\n",
    "a:\n  b: [x,\n\t]\n",
    "a:\n  b: {x: 1,\n\ty: 2}\n",
    "spec:\n  containers: [{name: c, image: r/i:1,\n \t securityContext: {privileged: yes}}]\n",
    '"a\n\tb": 1\n',
    'a: {"b\n\tc": 1}\n',
];

// ---- generated manifests --------------------------------------------------------------------

const ODD_FRAGMENTS = ["a", " ", "\\/", "\\'", "\\x41", "\\N", "\\_", "\\L", "\\P", "\\e", "\\u00e9", "\\\\", '\\"', "\u0085", "\u2028", "\u0007", "\ufffe", "\u00e9"];
const ODD_CHARS = ["\u0085", "\u2028", "\u2029", "\u0007", "\u007f", " ", "\t", "\u00a0"];

/** `arb` in about one case of four, else undefined. */
const sometimes = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });

const keyArb = fc.oneof(
    fc.constantFrom("name", "image", "hostNetwork", "privileged", "runAsNonRoot", "ports", "replicas", "data", "labels", "a", "b", "items", "value"),
    fc.constantFrom(...SCALARS.filter((s) => s !== "" && !s.startsWith("-") && !s.includes(":") && s !== "<<" && s !== "~")),
);

const scalarArb = fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...SCALARS.filter((s) => s !== "" && s !== "-" && !s.includes(": "))) },
    { weight: 2, arbitrary: fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s)) },
    { weight: 1, arbitrary: fc.constantFrom(...SCALARS).map(quoteSingle) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom("!!str ", "!!int ", "!!bool ", "!!float ", "! "), fc.constantFrom(...SCALARS.filter((s) => s !== ""))).map(([t, s]) => `${t}${quoteSingle(s)}`) },
    // Escapes and characters where YAML 1.1 (libyaml) and YAML 1.2 (the JavaScript parsers) part.
    { weight: 1, arbitrary: fc.array(fc.constantFrom(...ODD_FRAGMENTS), { maxLength: 4 }).map((f) => `"${f.join("")}"`) },
);

type Tree = { s: string } | { m: [string, Tree][] } | { l: Tree[] };
const treeArb: fc.Arbitrary<Tree> = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: "small", withCrossShrink: true }, tie("leaf"), tie("map"), tie("list")),
    leaf: scalarArb.map((s) => ({ s })),
    map: fc.array(fc.tuple(keyArb, tie("node")), { maxLength: 4 }).map((m) => ({ m: m as [string, Tree][] })),
    list: fc.array(tie("node"), { maxLength: 3 }).map((l) => ({ l: l as Tree[] })),
})).node as fc.Arbitrary<Tree>;

function flow(t: Tree): string {
    if ("s" in t) return t.s;
    if ("l" in t) return `[${t.l.map(flow).join(", ")}]`;
    return `{${t.m.map(([k, v]) => `${k}: ${flow(v)}`).join(", ")}}`;
}

function block(t: Tree, indent: string): string {
    if ("s" in t) return ` ${t.s}\n`;
    if ("l" in t) return t.l.length === 0 ? " []\n" : "\n" + t.l.map((v) => `${indent}-${block(v, indent + "  ")}`).join("");
    return t.m.length === 0 ? " {}\n" : "\n" + t.m.map(([k, v]) => `${indent}${k}:${block(v, indent + "  ")}`).join("");
}

/** A manifest-shaped document: a pod whose fields are random trees, in block or flow style, with optional anchors and merges. */
export const manifestArb: fc.Arbitrary<string> = fc
    .record({
        body: fc.array(fc.tuple(keyArb, treeArb), { minLength: 1, maxLength: 5 }),
        style: fc.constantFrom("block", "flow"),
        merge: fc.option(fc.tuple(treeArb, fc.boolean()), { nil: undefined }),
        crlf: fc.boolean(),
        docs: fc.integer({ min: 1, max: 2 }),
        // Layout as real files have it: flow collections and quoted scalars wrapped onto lines of any indentation (spaces and tabs), comments holding odd characters.
        wrap: sometimes(fc.tuple(fc.nat(), fc.array(fc.constantFrom(" ", "\t"), { maxLength: 4 }).map((c) => c.join("")))),
        comment: sometimes(fc.tuple(fc.nat(), fc.constantFrom(...ODD_CHARS), keyArb)),
    })
    .map(({ body, style, merge, crlf, docs, wrap, comment }) => {
        const tree: Tree = { m: body };
        const fields = style === "flow" ? ` ${flow(tree)}\n` : block(tree, "  ");
        let text = `apiVersion: v1\nkind: Pod\nmetadata: {name: gen}\nspec:${fields}`;
        if (merge) {
            const [m, before] = merge;
            const anchored = `base: &base ${flow({ m: [["hostNetwork", m], ["privileged", { s: "yes" }]] })}\n`;
            text = anchored + text + (before ? "merged:\n  <<: *base\n  hostNetwork: false\n" : "merged:\n  hostNetwork: false\n  <<: *base\n");
        }
        if (wrap) {
            const breaks = [...text.matchAll(/, /g)];
            if (breaks.length > 0) {
                const at = breaks[wrap[0] % breaks.length].index;
                text = `${text.slice(0, at)},\n${wrap[1]}${text.slice(at + 2)}`;
            }
        }
        if (comment) {
            const ends = [...text.matchAll(/\n/g)];
            const at = ends[comment[0] % ends.length].index;
            text = `${text.slice(0, at)} # c${comment[1]}  ${comment[2]}: true${text.slice(at)}`;
        }
        text = Array.from({ length: docs }, () => text).join("---\n");
        return crlf ? text.replace(/\n/g, "\r\n") : text;
    });

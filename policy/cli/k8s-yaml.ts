// Kubernetes' reading of a manifest file, as kubectl does it (k8s.io/cli-runtime FileVisitor and
// StreamVisitor), reproduced so that the checker judges the objects that would be applied:
//  - a UTF-8 BOM is dropped (kubectl's BOMOverride reader);
//  - the stream is JSON when its first non-space character is `{` (k8s.io/apimachinery
//    util/yaml.NewYAMLOrJSONDecoder): a series of JSON values, falling back to YAML when the
//    first one or two do not parse; otherwise YAML documents split at lines starting with `---`
//    (YAMLReader: CRLF read as LF; anything but a comment after `---` is an error);
//  - each YAML document is decoded by sigs.k8s.io/yaml YAMLToJSON, that is go-yaml v2 into
//    interface{} (YAML 1.1 scalars: yes/no/on/off/y/n booleans, 0777 octal, 0x/0o/0b ints,
//    underscores; merge keys where later merges overwrite earlier keys; tags) and then keys made
//    strings (ints, floats as float32 'g', booleans) and json.Marshal (NaN/Inf refused);
//  - documents that decode to null are skipped.
// The two YAML parsers (yaml-fast.ts with js-yaml, yaml-compat.ts with the `yaml` package) only
// build the node tree (YNode); every rule above lives here, once. Where Kubernetes' own reading
// is not deterministic or not reproduced here, the document is refused (DecodeRefusal), never
// read a third way. scripts/fixtures/yaml-oracle checks all of this against the real decoder.

/** A YAML node as either parser sees it: no scalar resolved yet, tags in their full form. */
export type YNode = YScalar | YCollection | YAlias;
export interface YScalar {
    kind: "scalar";
    /** The scalar's text after escapes and folding. */
    value: string;
    /** Full tag (`tag:yaml.org,2002:str`, `!foo`, `!`), or null when none is written. */
    tag: string | null;
    plain: boolean;
    /** Offset of the node in its document's text (-1 when unknown). */
    start: number;
}
export interface YCollection {
    kind: "map" | "seq";
    /** A mapping's keys and values alternate. */
    children: YNode[];
    start: number;
}
export interface YAlias {
    kind: "alias";
    name: string;
    target: YNode | undefined;
    start: number;
}

/** A document Kubernetes would read differently or not at all: the checker refuses it (exit 2). */
export class DecodeRefusal extends Error {}

export const YAML_TAG_PREFIX = "tag:yaml.org,2002:";
const TAG = {
    str: `${YAML_TAG_PREFIX}str`,
    bool: `${YAML_TAG_PREFIX}bool`,
    int: `${YAML_TAG_PREFIX}int`,
    float: `${YAML_TAG_PREFIX}float`,
    null: `${YAML_TAG_PREFIX}null`,
    timestamp: `${YAML_TAG_PREFIX}timestamp`,
    binary: `${YAML_TAG_PREFIX}binary`,
    merge: `${YAML_TAG_PREFIX}merge`,
};

/** A tag as written (`!!int`, `!foo`, `!<verbatim>`, `!`) in its full form; named handles need %TAG and are refused. */
export function fullTag(written: string): string {
    if (written.startsWith("!<") && written.endsWith(">")) return decodeURIComponent(written.slice(2, -1));
    if (written.startsWith("!!")) return YAML_TAG_PREFIX + decodeURIComponent(written.slice(2));
    if (/^![A-Za-z0-9-]*!/.test(written)) throw new DecodeRefusal(`tag ${written} uses a named tag handle (needs a %TAG directive)`);
    return decodeURIComponent(written);
}

// ---- the stream: BOM, JSON or YAML, document splitting -------------------------------------

/** One YAML document of the stream as kubectl's YAMLReader cuts it. */
export interface YamlChunk {
    kind: "yaml";
    text: string;
    /** 1-based line of the chunk's first line in the file. */
    firstLine: number;
}
export interface JsonChunk {
    kind: "json";
    value: unknown;
    /** 1-based line where the value starts. */
    line: number;
}
export type StreamChunk = YamlChunk | JsonChunk;

const BOM = "\ufeff";
// Go's unicode.IsSpace.
const SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

/** The stream's documents, or throws DecodeRefusal (the file is refused as kubectl refuses it). */
export function splitStream(text: string): StreamChunk[] {
    if (text.startsWith(BOM)) text = text.slice(1);
    let i = 0;
    while (i < text.length && SPACE.test(text[i])) i++;
    if (text[i] === "{") return splitJson(text, i);
    return splitYaml(text, 0, 1);
}

function lineAt(text: string, offset: number): number {
    let line = 1;
    for (let nl = text.indexOf("\n"); nl !== -1 && nl < offset; nl = text.indexOf("\n", nl + 1)) line++;
    return line;
}

/**
 * A series of JSON values (Go's json.Decoder). When the first or second value does not parse,
 * kubectl reads the rest as YAML, from the end of the last value read (its trailing spaces up to
 * and including the first newline eaten); after two values, a bad one is an error.
 */
function splitJson(text: string, from: number): StreamChunk[] {
    const out: StreamChunk[] = [];
    let consumed = 0;
    let pos = from;
    for (;;) {
        while (pos < text.length && SPACE.test(text[pos])) pos++;
        if (pos >= text.length) return out;
        const end = text[pos] === "{" || text[pos] === "[" ? jsonValueEnd(text, pos) : -1;
        let value: unknown;
        let ok = end !== -1;
        if (ok) {
            try {
                value = JSON.parse(text.slice(pos, end));
            } catch {
                ok = false;
            }
        }
        if (!ok) {
            if (out.length > 1) throw new DecodeRefusal(`invalid JSON after document ${out.length} (line ${lineAt(text, pos)})`);
            let y = consumed;
            while (y < text.length && SPACE.test(text[y]) && text[y] !== "\n") y++;
            if (text[y] === "\n") y++;
            return [...out, ...splitYaml(text.slice(y), 0, lineAt(text, y))];
        }
        out.push({ kind: "json", value, line: lineAt(text, pos) });
        pos = end;
        consumed = end;
    }
}

/** End (exclusive) of the JSON object or array starting at `start`, by bracket matching; -1 if unterminated. */
function jsonValueEnd(text: string, start: number): number {
    let depth = 0;
    for (let i = start; i < text.length; i++) {
        const c = text[i];
        if (c === '"') {
            for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
        } else if (c === "{" || c === "[") {
            depth++;
        } else if (c === "}" || c === "]") {
            if (--depth === 0) return i + 1;
        }
    }
    return -1;
}

/** YAMLReader: lines (CRLF → LF, each ending in LF), cut at lines that start with `---`. */
function splitYaml(text: string, from: number, firstLineNo: number): StreamChunk[] {
    const out: StreamChunk[] = [];
    let buffer: string[] = [];
    let bufferLine = firstLineNo;
    let lineNo = firstLineNo;
    const flush = () => {
        if (buffer.length > 0) out.push({ kind: "yaml", text: buffer.join(""), firstLine: bufferLine });
        buffer = [];
    };
    let pos = from;
    while (pos < text.length) {
        const nl = text.indexOf("\n", pos);
        let line = nl === -1 ? text.slice(pos) : text.slice(pos, nl);
        if (nl !== -1 && line.endsWith("\r")) line = line.slice(0, -1);
        pos = nl === -1 ? text.length : nl + 1;
        if (line.startsWith("---")) {
            const rest = line.slice(3).replace(/^[\s\u0085]+|[\s\u0085]+$/g, "");
            if (rest.length > 0 && rest[0] !== "#") throw new DecodeRefusal(`line ${lineNo}: invalid Yaml document separator: ${rest}`);
            flush();
            lineNo++;
            bufferLine = lineNo;
            continue;
        }
        if (buffer.length === 0) bufferLine = lineNo;
        buffer.push(line + "\n");
        lineNo++;
    }
    flush();
    return out;
}

// ---- go-yaml v2 decoding into interface{} ----------------------------------------------------

/** A value as go-yaml v2 types it: mapping keys keep their Go type until YAMLToJSON makes them strings. */
type GoValue = null | boolean | string | GoNumber | GoValue[] | GoMap;
interface GoNumber {
    go: "int" | "uint" | "float";
    n: number;
    /** An integer's exact value (a key keeps all its digits). */
    big?: bigint;
}
class GoMap {
    /** By typed key (`s:text`, `i:5`, `f:1.5`, `b:true`, `n:`): [key, value]. */
    readonly entries = new Map<string, [GoValue, GoValue]>();
}

const isGoNumber = (v: GoValue): v is GoNumber => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof GoMap);

function typedKey(k: GoValue): string {
    if (k === null) return "n:";
    if (typeof k === "string") return `s:${k}`;
    if (typeof k === "boolean") return `b:${k}`;
    if (isGoNumber(k)) {
        if (k.go === "float" && Number.isNaN(k.n)) throw new DecodeRefusal("a NaN mapping key (each one is a different key to Kubernetes)");
        return `${k.go}:${k.big !== undefined ? k.big : Object.is(k.n, -0) ? "-0" : k.n}`;
    }
    throw new DecodeRefusal("invalid map key: a mapping or sequence used as a key");
}

// go-yaml v2 alias-expansion guard (decode.go allowedAliasRatio).
const ALIAS_RATIO_RANGE_LOW = 400000;
const ALIAS_RATIO_RANGE_HIGH = 4000000;
function allowedAliasRatio(decodeCount: number): number {
    if (decodeCount <= ALIAS_RATIO_RANGE_LOW) return 0.99;
    if (decodeCount >= ALIAS_RATIO_RANGE_HIGH) return 0.1;
    return 0.99 - 0.89 * ((decodeCount - ALIAS_RATIO_RANGE_LOW) / (ALIAS_RATIO_RANGE_HIGH - ALIAS_RATIO_RANGE_LOW));
}

class GoYamlDecoder {
    private decodeCount = 1; // the document node
    private aliasCount = 0;
    private aliasDepth = 0;
    private readonly expanding = new Set<YAlias>();

    unmarshal(n: YNode, into?: GoMap): GoValue {
        this.decodeCount++;
        if (this.aliasDepth > 0) this.aliasCount++;
        if (this.aliasCount > 100 && this.decodeCount > 1000 && this.aliasCount / this.decodeCount > allowedAliasRatio(this.decodeCount)) {
            throw new DecodeRefusal("document contains excessive aliasing");
        }
        switch (n.kind) {
            case "alias":
                return this.alias(n, into);
            case "scalar":
                return scalar(n);
            case "seq":
                return n.children.map((c) => this.unmarshal(c));
            case "map":
                return this.mapping(n, into ?? new GoMap());
        }
    }

    private alias(n: YAlias, into?: GoMap): GoValue {
        if (!n.target) throw new DecodeRefusal(`unknown anchor '${n.name}' referenced`);
        if (this.expanding.has(n)) throw new DecodeRefusal(`anchor '${n.name}' value contains itself`);
        this.expanding.add(n);
        this.aliasDepth++;
        const v = this.unmarshal(n.target, into);
        this.aliasDepth--;
        this.expanding.delete(n);
        return v;
    }

    private mapping(n: YCollection, out: GoMap): GoMap {
        for (let i = 0; i < n.children.length; i += 2) {
            const keyNode = n.children[i];
            const valueNode = n.children[i + 1];
            if (isMergeKey(keyNode)) {
                this.merge(valueNode, out);
                continue;
            }
            const k = this.unmarshal(keyNode);
            const id = typedKey(k);
            out.entries.set(id, [k, this.unmarshal(valueNode)]);
        }
        return out;
    }

    // Merged keys are set in order, over keys already set (go-yaml v2); in a sequence of merged
    // mappings the first one wins (they are applied last to first).
    private merge(n: YNode, out: GoMap): void {
        const wantMap = () => new DecodeRefusal("map merge requires map or sequence of maps as the value");
        if (n.kind === "map") {
            this.unmarshal(n, out);
        } else if (n.kind === "alias") {
            if (n.target && n.target.kind !== "map") throw wantMap();
            this.unmarshal(n, out);
        } else if (n.kind === "seq") {
            for (let i = n.children.length - 1; i >= 0; i--) {
                const c = n.children[i];
                if (c.kind === "alias" ? c.target && c.target.kind !== "map" : c.kind !== "map") throw wantMap();
                this.unmarshal(c, out);
            }
        } else {
            throw wantMap();
        }
    }
}

/** `<<` as a merge key: plain (or with the non-specific `!` tag), or tagged !!merge. */
function isMergeKey(n: YNode): boolean {
    return n.kind === "scalar" && n.value === "<<" && ((n.plain && n.tag === null) || n.tag === "!" || n.tag === TAG.merge);
}

function scalar(n: YScalar): GoValue {
    if (n.tag === null && !n.plain) return n.value;
    const tag = n.tag ?? "";
    if (tag === TAG.binary) return decodeBinary(n.value);
    if (tag === TAG.timestamp) throw new DecodeRefusal(`an explicit !!timestamp tag (value ${JSON.stringify(n.value)})`);
    const resolved = resolve(tag, n.value);
    return resolved;
}

function decodeBinary(value: string): string {
    const b64 = value.replace(/[\r\n]/g, "");
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(b64)) throw new DecodeRefusal("!!binary value contains invalid base64 data");
    try {
        return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(b64, "base64"));
    } catch {
        throw new DecodeRefusal("!!binary value is not UTF-8 text");
    }
}

const RESOLVABLE = new Set(["", TAG.str, TAG.bool, TAG.int, TAG.float, TAG.null, TAG.timestamp]);
const RESOLVE_MAP = new Map<string, [string, GoValue]>();
for (const [value, tag, words] of [
    [true, TAG.bool, ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]],
    [false, TAG.bool, ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]],
    [null, TAG.null, ["", "~", "null", "Null", "NULL"]],
    [{ go: "float", n: NaN }, TAG.float, [".nan", ".NaN", ".NAN"]],
    [{ go: "float", n: Infinity }, TAG.float, [".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"]],
    [{ go: "float", n: -Infinity }, TAG.float, ["-.inf", "-.Inf", "-.INF"]],
    ["<<", `${YAML_TAG_PREFIX}merge`, ["<<"]],
] as [GoValue, string, string[]][]) {
    for (const w of words) RESOLVE_MAP.set(w, [tag, value]);
}
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** go-yaml v2 resolve(): a scalar's value under its tag ("" = untagged plain); refuses what Go fails on. */
function resolve(tag: string, text: string): GoValue {
    if (!RESOLVABLE.has(tag)) return text;
    const [rtag, value] = resolveUntyped(tag, text);
    if (tag === "" || tag === rtag || tag === TAG.str) return rtag === TAG.timestamp ? text : value;
    // An int64 becomes a float under !!float; a uint64 does not (go-yaml fails on it).
    if (tag === TAG.float && rtag === TAG.int && (value as GoNumber).go === "int") return { go: "float", n: (value as GoNumber).n };
    throw new DecodeRefusal(`cannot decode ${shortTag(rtag)} \`${text}\` as a ${shortTag(tag)}`);
}

function shortTag(tag: string): string {
    return tag.startsWith(YAML_TAG_PREFIX) ? `!!${tag.slice(YAML_TAG_PREFIX.length)}` : tag;
}

function resolveUntyped(tag: string, text: string): [string, GoValue] {
    if (tag === TAG.str) return [TAG.str, text];
    const c = text === "" ? "N" : text[0];
    const hint = /[0-9]/.test(c) ? "D" : c === "+" || c === "-" ? "S" : "yYnNtTfFoO~".includes(c) || c === "N" ? "M" : c === "." ? "." : "";
    if (hint === "") return [TAG.str, text];
    const known = RESOLVE_MAP.get(text);
    if (known) return known;
    if (hint === ".") {
        if (/^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(text)) {
            const f = Number(text);
            if (Number.isFinite(f)) return [TAG.float, { go: "float", n: f }];
        }
        return [TAG.str, text];
    }
    if (hint === "D" || hint === "S") {
        if (looksLikeTimestamp(text)) return [TAG.timestamp, text];
        const plain = text.replace(/_/g, "");
        const asInt = parseGoInt(plain);
        if (asInt !== undefined) {
            if (asInt >= INT64_MIN && asInt <= INT64_MAX) return [TAG.int, { go: "int", n: Number(asInt), big: asInt }];
            if (asInt > 0n && asInt <= UINT64_MAX && !plain.startsWith("+")) return [TAG.int, { go: "uint", n: Number(asInt) }];
        }
        if (YAML_STYLE_FLOAT.test(plain)) {
            const f = Number(plain);
            if (Number.isFinite(f)) return [TAG.float, { go: "float", n: f }];
        }
    }
    return [TAG.str, text];
}

/**
 * go-yaml v2 tries `YYYY-` values as timestamps first (time.Parse with four layouts), and reads
 * a timestamp as its text: a value that is a timestamp and would otherwise be a number cannot
 * exist (no number has a `-` after four digits), so only the shape matters here.
 */
function looksLikeTimestamp(text: string): boolean {
    return /^[0-9]{4}-/.test(text);
}

/** strconv.ParseInt/ParseUint with base 0 (sign, 0x/0o/0b or a leading 0 for octal), as a BigInt; undefined when not an integer. */
function parseGoInt(s: string): bigint | undefined {
    const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
    if (!m) return undefined;
    const body = m[2];
    let v: bigint;
    if (/^0[oO]/.test(body)) v = BigInt(`0o${body.slice(2)}`);
    else if (/^0[0-7]+$/.test(body)) v = BigInt(`0o${body.slice(1)}`);
    else v = BigInt(body.toLowerCase());
    return m[1] === "-" ? -v : v;
}

// ---- YAMLToJSON: Go values to JSON values ---------------------------------------------------

/** The JSON value YAMLToJSON makes of a go-yaml value (as the API server would read that JSON). */
function toJson(v: GoValue): unknown {
    if (v === null || typeof v === "boolean" || typeof v === "string") return v;
    if (Array.isArray(v)) return v.map(toJson);
    if (v instanceof GoMap) {
        const out: Record<string, unknown> = {};
        const seen = new Map<string, string>();
        for (const [id, [k, value]] of v.entries) {
            const key = keyString(k);
            const other = seen.get(key);
            if (other !== undefined) throw new DecodeRefusal(`mapping keys ${describeKey(other)} and ${describeKey(id)} both become "${key}" (Kubernetes keeps either one)`);
            seen.set(key, id);
            const jv = toJson(value);
            if (key === "__proto__") Object.defineProperty(out, key, { value: jv, writable: true, enumerable: true, configurable: true });
            else out[key] = jv;
        }
        return out;
    }
    if (!Number.isFinite(v.n)) throw new DecodeRefusal(`json: unsupported value: ${v.n}`);
    return v.go === "float" ? v.n : v.n === 0 ? 0 : v.n;
}

function describeKey(id: string): string {
    const [type, ...rest] = id.split(":");
    const names: Record<string, string> = { s: "string", int: "int", uint: "uint", float: "float", b: "bool", n: "null" };
    return `${names[type] ?? type} ${rest.join(":")}`;
}

/** sigs.k8s.io/yaml's key conversion. */
function keyString(k: GoValue): string {
    if (typeof k === "string") return k;
    if (typeof k === "boolean") return k ? "true" : "false";
    if (isGoNumber(k)) {
        if (k.go === "int") return String(k.big ?? k.n);
        if (k.go === "float") return formatFloat32g(k.n);
        throw new DecodeRefusal(`unsupported map key of type: uint64, key: ${k.n}`);
    }
    throw new DecodeRefusal("unsupported map key of type: <nil> (a null mapping key)");
}

/** strconv.FormatFloat(x, 'g', -1, 32), with go-yaml's names for infinities and NaN. */
export function formatFloat32g(x: number): string {
    if (Number.isNaN(x)) return ".nan";
    const f = Math.fround(x);
    if (f === Infinity) return ".inf";
    if (f === -Infinity) return "-.inf";
    if (f === 0) return Object.is(f, -0) ? "-0" : "0";
    let exp = "";
    let digits = "";
    for (let p = 1; p <= 9; p++) {
        const s = Math.abs(f).toExponential(p - 1);
        if (Math.fround(Number(s)) === Math.abs(f)) {
            [digits, exp] = s.split("e");
            break;
        }
    }
    const mantissa = digits.replace(".", "").replace(/0+$/, "") || "0";
    const e = Number(exp);
    const sign = f < 0 ? "-" : "";
    if (e < -4 || e >= 6) {
        const m = mantissa.length > 1 ? `${mantissa[0]}.${mantissa.slice(1)}` : mantissa;
        return `${sign}${m}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
    }
    if (e < 0) return `${sign}0.${"0".repeat(-e - 1)}${mantissa}`;
    const intPart = mantissa.slice(0, e + 1).padEnd(e + 1, "0");
    const frac = mantissa.slice(e + 1);
    return `${sign}${intPart}${frac ? `.${frac}` : ""}`;
}

/** A YAML document's JSON value as Kubernetes reads it (null for an empty document); throws DecodeRefusal. */
export function decodeDocument(root: YNode | undefined): unknown {
    if (!root) return null;
    return toJson(new GoYamlDecoder().unmarshal(root));
}

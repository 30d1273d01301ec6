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

/**
 * go-yaml v2, Kubernetes' YAML 1.1 scanner, knows no `\/` escape in double-quoted scalars (YAML 1.2,
 * js-yaml and the `yaml` package read it as `/`) and refuses the document ("found unknown escape
 * character"), so the checker refuses it too. `raw` is the scalar's source text. Found by the
 * oracle on a real repository's file.
 */
export function refuseYaml12Escapes(raw: string): void {
    // Stepping past each escaped character, so that `\\/` (an escaped backslash, then `/`) is not one.
    for (let i = raw.indexOf("\\"); i !== -1; i = raw.indexOf("\\", i + 2)) {
        if (raw[i + 1] === "/") throw new DecodeRefusal("the escape \\/ in a double-quoted scalar is YAML 1.2; Kubernetes' YAML 1.1 decoder refuses it (\"found unknown escape character\")");
    }
}

/**
 * libyaml (so Kubernetes) reads an implicit key only when its `:` is on the line where the key
 * starts ("did not find expected ',' or '}'"); js-yaml and the `yaml` package also take a flow
 * mapping's key that spans lines, e.g. a JSON file with `//` comments read as YAML. `contentStart`
 * is where the key's content starts (its opening quote or first character), `keyEnd` where it ends
 * (after any closing quote); its properties (`&anchor`, `!tag`) count as part of it. Explicit
 * `? key` entries may span lines and are not refused.
 */
export function refuseMultiLineFlowKey(text: string, contentStart: number, keyEnd: number): void {
    let i = keyEnd;
    for (;;) {
        const c = text[i];
        if (c === " " || c === "\t" || c === "\n" || c === "\r") i++;
        else if (c === "#") while (i < text.length && text[i] !== "\n") i++;
        else break;
    }
    if (text[i] !== ":") return; // a key without a value may span lines
    // Its properties only now: most flow keys stop above or at the newline test.
    const keyStart = withProperties(text, contentStart);
    if (!/[\n\r]/.test(text.slice(keyStart, i))) return;
    let j = keyStart - 1;
    while (j >= 0 && /\s/.test(text[j])) j--;
    if (text[j] === "?") return;
    throw new DecodeRefusal(`a flow mapping's key spans lines before its ":" (line ${new LineIndex(text).lineOf(keyStart)}); Kubernetes' YAML decoder refuses it ("did not find expected ',' or '}'")`);
}

/** Where a node's source starts: before the `&anchor` and `!tag` properties written ahead of its content. */
function withProperties(text: string, contentStart: number): number {
    let start = contentStart;
    for (;;) {
        let j = start - 1;
        while (j >= 0 && /\s/.test(text[j])) j--;
        let k = j;
        while (k >= 0 && !/[\s,[\]{}]/.test(text[k])) k--;
        if (k === j || (text[k + 1] !== "!" && text[k + 1] !== "&")) return start;
        start = k + 1;
    }
}

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

/**
 * 1-based line of a source offset. Queries usually come in increasing order (documents, then
 * their items), so it counts newlines forward from the last one; the first query that goes
 * back builds the full newline index once and searches it from then on.
 */
export class LineIndex {
    private offset = 0;
    private line = 1;
    private newlines?: number[];
    constructor(private readonly text: string) {}

    lineOf(offset: number): number | undefined {
        if (offset < 0) return undefined;
        if (this.newlines === undefined && offset < this.offset) this.newlines = newlineOffsets(this.text);
        if (this.newlines !== undefined) return 1 + countBelow(this.newlines, offset);
        let nl = this.text.indexOf("\n", this.offset);
        while (nl !== -1 && nl < offset) {
            this.line++;
            nl = this.text.indexOf("\n", nl + 1);
        }
        this.offset = offset;
        return this.line;
    }
}

function newlineOffsets(text: string): number[] {
    const out: number[] = [];
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", nl + 1)) out.push(nl);
    return out;
}

/** How many entries of the sorted `values` are below `x`. */
function countBelow(values: number[], x: number): number {
    let lo = 0;
    let hi = values.length;
    while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (values[mid] < x) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}


/**
 * A series of JSON values (Go's json.Decoder). When the first or second value does not parse,
 * kubectl reads the rest as YAML, from the end of the last value read (its trailing spaces up to
 * and including the first newline eaten); after two values, a bad one is an error.
 */
function splitJson(text: string, from: number): StreamChunk[] {
    const out: StreamChunk[] = [];
    // Offsets only grow here: lines counted once (a JSON-lines file of 20,000 values took 25 s counting each from the start).
    const lines = new LineIndex(text);
    const lineAt = (offset: number) => lines.lineOf(offset)!;
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
            if (out.length > 1) throw new DecodeRefusal(`invalid JSON after document ${out.length} (line ${lineAt(pos)})`);
            let y = consumed;
            while (y < text.length && SPACE.test(text[y]) && text[y] !== "\n") y++;
            if (text[y] === "\n") y++;
            return [...out, ...splitYaml(text.slice(y), 0, lineAt(y))];
        }
        out.push({ kind: "json", value, line: lineAt(pos) });
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

/**
 * YAMLReader: lines (CRLF read as LF, each ending in LF), cut at lines that start with `---`.
 * Chunks are slices of the (CRLF-normalized) text, not rebuilt line by line.
 */
function splitYaml(text: string, from: number, firstLineNo: number): StreamChunk[] {
    // bufio.ReadLine drops "\r\n" at every line end: all of them, as every "\n" ends a line.
    if (text.includes("\r\n")) text = text.replace(/\r\n/g, "\n");
    const out: StreamChunk[] = [];
    let chunkStart = from;
    let chunkLine = firstLineNo;
    let lineNo = firstLineNo;
    const flush = (end: number) => {
        if (end > chunkStart) {
            const chunk = text.slice(chunkStart, end);
            out.push({ kind: "yaml", text: chunk.endsWith("\n") ? chunk : chunk + "\n", firstLine: chunkLine });
        }
    };
    for (let pos = from; pos < text.length; ) {
        const nl = text.indexOf("\n", pos);
        const next = nl === -1 ? text.length : nl + 1;
        if (text.startsWith("---", pos)) {
            const rest = text.slice(pos + 3, nl === -1 ? text.length : nl).replace(/^[\s\u0085]+|[\s\u0085]+$/g, "");
            if (rest.length > 0 && rest[0] !== "#") throw new DecodeRefusal(`line ${lineNo}: invalid Yaml document separator: ${rest}`);
            flush(pos);
            chunkStart = next;
            chunkLine = lineNo + 1;
        }
        pos = next;
        lineNo++;
    }
    flush(text.length);
    return out;
}

// ---- go-yaml v2 decoding into interface{} ----------------------------------------------------

/** A scalar as go-yaml v2 types it (mapping keys keep their Go type until YAMLToJSON makes them strings). */
type GoScalar = null | boolean | string | GoNumber;
interface GoNumber {
    go: "int" | "uint" | "float";
    n: number;
    /** An integer's exact value (a key keeps all its digits). */
    big?: bigint;
}

const isGoNumber = (v: GoScalar): v is GoNumber => typeof v === "object" && v !== null;

let nanKeys = 0;

/** A key's Go identity (type and value): two keys are the same map entry in Go when these are equal (each NaN is its own). */
function typedKey(k: GoScalar): string {
    if (k === null) return "n:";
    if (typeof k === "string") return `s:${k}`;
    if (typeof k === "boolean") return `b:${k}`;
    if (k.go === "float" && Number.isNaN(k.n)) return `float:NaN#${++nanKeys}`;
    return `${k.go}:${k.big !== undefined ? k.big : Object.is(k.n, -0) ? "-0" : k.n}`;
}

/**
 * A value Go could not marshal (NaN, ±Inf), or a collection holding one, a key it cannot make a
 * string, or two keys with one string form. Not an error by itself: an entry overwritten by a
 * later duplicate key is never marshalled, so the error is raised only for what the document
 * keeps (decodeDocument).
 */
class BadScalar {
    constructor(readonly reason: string) {
        badCreated++;
    }
}
/** Unmarshallable things made in the current document: while 0 (almost always), nothing needs looking up. */
let badCreated = 0;
const badCollections = new WeakMap<object, string>();
const badReason = (v: unknown): string | undefined => (badCreated === 0 ? undefined : v instanceof BadScalar ? v.reason : typeof v === "object" && v !== null ? badCollections.get(v) : undefined);

/**
 * A mapping being decoded, built directly as the JSON object YAMLToJSON makes of it: Go sets
 * entries by typed key (the last value wins) and then makes keys strings, so two different
 * typed keys with one string form (`1` and `'1'`) make the document unreadable. While every key is
 * a string (almost always) a plain object says all of that; the typed identities are kept only
 * from the first other key on.
 */
class JsonMap {
    readonly obj: Record<string, unknown> = {};
    private typed?: Map<string, string>;
    /** Entries that make the map unmarshallable while they stay (by typed key). */
    private bad?: Map<string, string>;
    private collision?: string;

    set(k: GoScalar, v: unknown): void {
        let key: string;
        try {
            key = keyString(k);
        } catch (e) {
            if (!(e instanceof DecodeRefusal)) throw e;
            (this.bad ??= new Map()).set(typedKey(k), e.message); // a key stays: overwriting it does not help
            badCreated++;
            return;
        }
        if (typeof k !== "string" || this.typed) {
            if (!this.typed) this.typed = new Map(Object.keys(this.obj).map((x) => [x, `s:${x}`]));
            const id = typedKey(k);
            const other = this.typed.get(key);
            if (other !== undefined && other !== id && ++badCreated) this.collision ??= `mapping keys ${describeKey(other)} and ${describeKey(id)} both become "${key}" (Kubernetes keeps either one)`;
            this.typed.set(key, id);
        }
        const reason = badReason(v);
        if (reason !== undefined) (this.bad ??= new Map()).set(`s:${key}`, reason);
        else this.bad?.delete(`s:${key}`);
        if (key === "__proto__") Object.defineProperty(this.obj, key, { value: v, writable: true, enumerable: true, configurable: true });
        else this.obj[key] = v;
    }

    /** The finished object (marked unmarshallable when it is). */
    done(): Record<string, unknown> {
        const reason = this.collision ?? this.bad?.values().next().value;
        if (reason !== undefined) badCollections.set(this.obj, reason);
        return this.obj;
    }
}

// go-yaml v2 alias-expansion guard (decode.go allowedAliasRatio).
const ALIAS_RATIO_RANGE_LOW = 400000;
const ALIAS_RATIO_RANGE_HIGH = 4000000;
function allowedAliasRatio(decodeCount: number): number {
    if (decodeCount <= ALIAS_RATIO_RANGE_LOW) return 0.99;
    if (decodeCount >= ALIAS_RATIO_RANGE_HIGH) return 0.1;
    return 0.99 - 0.89 * ((decodeCount - ALIAS_RATIO_RANGE_LOW) / (ALIAS_RATIO_RANGE_HIGH - ALIAS_RATIO_RANGE_LOW));
}

/** go-yaml v2's decoder into interface{} (decode.go), producing YAMLToJSON's JSON values directly. */
class GoYamlDecoder {
    private decodeCount = 1; // the document node
    private aliasCount = 0;
    private aliasDepth = 0;
    private readonly expanding = new Set<YAlias>();

    private count(): void {
        this.decodeCount++;
        if (this.aliasDepth > 0) this.aliasCount++;
        if (this.aliasCount > 100 && this.decodeCount > 1000 && this.aliasCount / this.decodeCount > allowedAliasRatio(this.decodeCount)) {
            throw new DecodeRefusal("document contains excessive aliasing");
        }
    }

    /** A node's JSON value; a mapping goes into `into` when given (merges). */
    unmarshal(n: YNode, into?: JsonMap): unknown {
        this.count();
        switch (n.kind) {
            case "alias":
                return this.alias(n, (t) => this.unmarshal(t, into));
            case "scalar":
                return jsonOf(scalar(n));
            case "seq": {
                const items = n.children.map((c) => this.unmarshal(c));
                if (badCreated > 0) for (const item of items) {
                    const reason = badReason(item);
                    if (reason !== undefined) {
                        badCollections.set(items, reason);
                        break;
                    }
                }
                return items;
            }
            case "map":
                return into ? this.mapping(n, into).obj : this.mapping(n, new JsonMap()).done();
        }
    }

    /** A mapping key: a scalar (or an alias of one), typed as Go types it. */
    private key(n: YNode): GoScalar {
        this.count();
        if (n.kind === "alias") return this.alias(n, (t) => this.key(t));
        if (n.kind === "scalar") return scalar(n);
        this.unmarshal(n); // go-yaml decodes the key before refusing it
        throw new DecodeRefusal("invalid map key: a mapping or sequence used as a key");
    }

    private alias<T>(n: YAlias, then: (target: YNode) => T): T {
        if (!n.target) throw new DecodeRefusal(`unknown anchor '${n.name}' referenced`);
        if (this.expanding.has(n)) throw new DecodeRefusal(`anchor '${n.name}' value contains itself`);
        this.expanding.add(n);
        this.aliasDepth++;
        const v = then(n.target);
        this.aliasDepth--;
        this.expanding.delete(n);
        return v;
    }

    private mapping(n: YCollection, out: JsonMap): JsonMap {
        for (let i = 0; i < n.children.length; i += 2) {
            const keyNode = n.children[i];
            const valueNode = n.children[i + 1];
            if (isMergeKey(keyNode)) {
                this.merge(valueNode, out);
                continue;
            }
            const k = this.key(keyNode);
            out.set(k, this.unmarshal(valueNode));
        }
        return out;
    }

    // Merged keys are set in order, over keys already set (go-yaml v2); in a sequence of merged
    // mappings the first one wins (they are applied last to first).
    private merge(n: YNode, out: JsonMap): void {
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

function scalar(n: YScalar): GoScalar {
    if (n.tag === null) return n.plain ? resolvePlain(n.value) : n.value;
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
const RESOLVE_MAP = new Map<string, [string, GoScalar]>();
for (const [value, tag, words] of [
    [true, TAG.bool, ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]],
    [false, TAG.bool, ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]],
    [null, TAG.null, ["", "~", "null", "Null", "NULL"]],
    [{ go: "float", n: NaN }, TAG.float, [".nan", ".NaN", ".NAN"]],
    [{ go: "float", n: Infinity }, TAG.float, [".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"]],
    [{ go: "float", n: -Infinity }, TAG.float, ["-.inf", "-.Inf", "-.INF"]],
    ["<<", `${YAML_TAG_PREFIX}merge`, ["<<"]],
] as [GoScalar, string, string[]][]) {
    for (const w of words) RESOLVE_MAP.set(w, [tag, value]);
}
const SMALL_DECIMAL = /^-?[1-9][0-9]{0,14}$/;
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** go-yaml v2 resolve(): a scalar's value under its tag ("" = untagged plain); refuses what Go fails on. */
function resolve(tag: string, text: string): GoScalar {
    if (!RESOLVABLE.has(tag)) return text;
    const [rtag, value] = resolveUntyped(tag, text);
    if (tag === "" || tag === rtag || tag === TAG.str) return rtag === TAG.timestamp ? text : value;
    // An int64 becomes a float under !!float; a uint64 does not (go-yaml fails on it).
    if (tag === TAG.float && rtag === TAG.int && (value as GoNumber).go === "int") return { go: "float", n: (value as GoNumber).n };
    throw new DecodeRefusal(`cannot decode ${shortTag(rtag)} \`${text}\` as a ${shortTag(tag)}`);
}

// First characters go-yaml v2 resolves plain scalars by (resolve.go resolveTable): digits, signs,
// '.', and the first letters of the words in RESOLVE_MAP.
const NUMERIC_FIRST = new Set([..."0123456789+-."].map((ch) => ch.charCodeAt(0)));
const WORD_FIRST = new Set([..."yYnNtTfFoO~"].map((ch) => ch.charCodeAt(0)));

/** resolve("", text) for an untagged plain scalar, without the general path for the (many) plain words. */
function resolvePlain(text: string): GoScalar {
    if (text === "") return null;
    const c = text.charCodeAt(0);
    if (NUMERIC_FIRST.has(c)) return resolveUntyped("", text)[1];
    if (WORD_FIRST.has(c)) {
        const known = RESOLVE_MAP.get(text);
        return known ? known[1] : text;
    }
    return text;
}

function shortTag(tag: string): string {
    return tag.startsWith(YAML_TAG_PREFIX) ? `!!${tag.slice(YAML_TAG_PREFIX.length)}` : tag;
}

function resolveUntyped(tag: string, text: string): [string, GoScalar] {
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
        const plain = text.includes("_") ? text.replace(/_/g, "") : text;
        // Plain decimals below 2^53 (ports, replicas): exact as numbers, no BigInt needed.
        if (SMALL_DECIMAL.test(plain)) return [TAG.int, { go: "int", n: Number(plain) }];
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

/** json.Marshal of a scalar (NaN and infinities refused, as Go refuses them). */
function jsonOf(v: GoScalar): unknown {
    if (!isGoNumber(v)) return v;
    if (!Number.isFinite(v.n)) return new BadScalar(`json: unsupported value: ${v.n}`);
    return v.go === "float" ? v.n : v.n === 0 ? 0 : v.n;
}

function describeKey(id: string): string {
    const [type, ...rest] = id.split(":");
    const names: Record<string, string> = { s: "string", int: "int", uint: "uint", float: "float", b: "bool", n: "null" };
    return `${names[type] ?? type} ${rest.join(":")}`;
}

/** sigs.k8s.io/yaml's key conversion. */
function keyString(k: GoScalar): string {
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
    badCreated = 0;
    const value = new GoYamlDecoder().unmarshal(root);
    const reason = badReason(value);
    if (reason !== undefined) throw new DecodeRefusal(reason);
    return value;
}

// What both YAML paths (yaml-fast.ts with js-yaml, yaml-compat.ts with the `yaml` package) give
// the manifest loader: each document's value as Kubernetes reads it (k8s-yaml.ts) and the lines
// where it and its items start.
import { DecodeRefusal, decodeDocument, LineIndex, splitStream, type YNode } from "./k8s-yaml";

/**
 * Collections nested deeper than this are refused by both paths (real manifests and CRDs stay
 * under ~40; the `yaml` package overflows its stack at ~800 levels of flow collections).
 */
export const MAX_DEPTH = 500;

export class TooDeep extends Error {}

/** A document the `yaml` package cannot parse either. */
export class YamlSyntaxError extends Error {}

export function depthError(): { error: string } {
    return { error: `collections nested deeper than ${MAX_DEPTH} levels` };
}

/** Collections nesting of a plain value (a root mapping is 1), counted without recursion. */
export function nestingDepth(value: unknown): number {
    let max = 0;
    const stack: [unknown, number][] = [[value, 1]];
    while (stack.length > 0) {
        const [v, depth] = stack.pop()!;
        if (v === null || typeof v !== "object") continue;
        if (depth > max) max = depth;
        for (const child of Array.isArray(v) ? v : Object.values(v)) {
            if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
        }
    }
    return max;
}

export interface ParsedDocument {
    /** The document as plain data (objects, arrays, strings, numbers, booleans, null), as Kubernetes decodes it. */
    value: unknown;
    /** 1-based line where the document's root node starts. */
    line?: number;
    /** 1-based line where item `index` of the root mapping's `items` sequence starts (List kinds). */
    itemLine(index: number): number | undefined;
}

/** The documents of a file, or why the file cannot be read (without the "invalid YAML: " prefix). */
export type ParseOutcome = { docs: ParsedDocument[] } | { error: string };

/** What a parser makes of one YAML document as kubectl cuts the stream: its roots (normally one). */
export interface ChunkParse {
    roots: (YNode | undefined)[];
    /** The text has %YAML/%TAG directives. */
    directives: boolean;
    /**
     * false: no alias in the text, so the decoded value nests no deeper than the node tree, which
     * the parser already holds to MAX_DEPTH; the value is then not walked again to measure it.
     */
    aliases?: boolean;
    /** The text the nodes' offsets refer to, when the parser read a mended copy of the document (same lines). */
    text?: string;
}

/**
 * What the two YAML readings part on, anywhere in a YAML document, comments included; refused:
 *  - characters libyaml's reader refuses ("control characters are not allowed"; printable: tab,
 *    LF, CR, 0x20-0x7E, 0x85, 0xA0-0xD7FF, 0xE000-0xFFFD and above). js-yaml checks only scalars
 *    and stops at a NUL as if the input ended there. (Files cannot hold lone surrogates: decoding
 *    them gives U+FFFD, as kubectl's does.)
 *  - NEL, LS and PS (YAML11_BREAK), which end a line for libyaml (YAML 1.1) and are text for
 *    js-yaml and the `yaml` package (YAML 1.2): `# note<NEL>hostNetwork: true` is a comment to them
 *    and a field to Kubernetes.
 * One character class, so one pass over the document (a few percent of the CPU on dashboards).
 */
const YAML11_BREAK = /[\u0085\u2028\u2029]/;
// eslint-disable-next-line no-control-regex -- matching control characters is the point: libyaml refuses them
const NOT_READ_ALIKE = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u2028\u2029\uFFFE\uFFFF]/;

/**
 * The file's documents: the stream split as kubectl splits it, each YAML document parsed by
 * `parseChunk` and decoded as Kubernetes decodes it. Undefined when `parseChunk` declines a
 * document (returns undefined); `{error}` when Kubernetes would refuse the file or its reading
 * cannot be reproduced exactly.
 */
export function decodeStream(text: string, parseChunk: (text: string) => ChunkParse | undefined): ParseOutcome | undefined {
    const docs: ParsedDocument[] = [];
    let chunks;
    try {
        chunks = splitStream(text);
    } catch (e) {
        if (e instanceof DecodeRefusal) return { error: e.message };
        throw e;
    }
    for (const [ci, chunk] of chunks.entries()) {
        const where = `document ${ci + 1}`;
        if (chunk.kind === "json") {
            if (nestingDepth(chunk.value) > MAX_DEPTH) return depthError();
            docs.push({ value: chunk.value, line: chunk.line, itemLine: () => undefined });
            continue;
        }
        const unreadable = NOT_READ_ALIKE.exec(chunk.text);
        if (unreadable) {
            const line = chunk.firstLine + (chunk.text.slice(0, unreadable.index).match(/\n/g)?.length ?? 0);
            const code = `U+${unreadable[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
            return {
                error: YAML11_BREAK.test(unreadable[0])
                    ? `${where}, line ${line}: character ${code} is a line break to Kubernetes' YAML 1.1 decoder and text to this checker's YAML 1.2 parsers, so it could hide a field from the checker: refused`
                    : `${where}, line ${line}: character ${code} is not allowed in YAML (Kubernetes' decoder: "control characters are not allowed")`,
            };
        }
        let parsed: ChunkParse | undefined;
        let value: unknown;
        try {
            parsed = parseChunk(chunk.text);
            if (parsed === undefined) return undefined;
            if (parsed.directives) return { error: `${where} (line ${chunk.firstLine}): %YAML/%TAG directives are not read as kubectl reads them` };
            if (parsed.roots.length > 1) {
                return { error: `${where} (line ${chunk.firstLine}) holds ${parsed.roots.length} YAML documents (a "..." end marker): kubectl reads only the first, so it is refused` };
            }
            value = decodeDocument(parsed.roots[0]);
        } catch (e) {
            if (e instanceof TooDeep || e instanceof RangeError) return depthError();
            if (e instanceof DecodeRefusal || e instanceof URIError) return { error: `${where} (line ${chunk.firstLine}): ${e.message}` };
            if (e instanceof YamlSyntaxError) return { error: `${where}, ${lineShifted(e.message, chunk.firstLine)}` };
            throw e;
        }
        if (value === null) continue; // empty document, e.g. only comments
        if (parsed.aliases !== false && nestingDepth(value) > MAX_DEPTH) return depthError();
        const root = parsed.roots[0]!;
        const lines = new LineIndex(parsed.text ?? chunk.text);
        const lineOf = (offset: number) => (offset < 0 ? undefined : (lines.lineOf(offset) ?? 1) + chunk.firstLine - 1);
        docs.push({
            value,
            line: lineOf(root.start),
            itemLine: (index) => {
                const item = itemsOf(root)?.[index];
                return item ? lineOf(item.start) : undefined;
            },
        });
    }
    return { docs };
}

/** `line N:` in a parser's message, relative to the document, as a line of the file. */
function lineShifted(message: string, firstLine: number): string {
    return message.replace(/line (\d+)/g, (_, n: string) => `line ${Number(n) + firstLine - 1}`);
}

/** The nodes of the root mapping's `items` sequence (List kinds). */
function itemsOf(root: YNode): YNode[] | undefined {
    if (root.kind !== "map") return undefined;
    for (let i = 0; i < root.children.length; i += 2) {
        const k = root.children[i];
        const v = root.children[i + 1];
        if (k.kind === "scalar" && k.value === "items") return v.kind === "seq" ? v.children : undefined;
    }
    return undefined;
}

// The `yaml` package path: what the checker has always parsed with, kept for every file the fast
// path (yaml-fast.ts) declines, so those files are read exactly as before. The package is loaded
// on first use only (~60 ms), since most runs never need it.
import type { Document, LineCounter as LineCounterType, Node as YamlNode } from "yaml";
import { depthError, MAX_ALIAS_COUNT, MAX_DEPTH, nestingDepth, type ParsedDocument, type ParseOutcome } from "./yaml-document";

type YamlModule = typeof import("yaml");
let yamlModule: YamlModule | undefined;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadYaml = (): YamlModule => (yamlModule ??= require("yaml") as YamlModule);

/** Flow nesting the `yaml` package still reports as an error (at ~5000 levels it can exhaust the process's memory). */
const YAML_SAFE_FLOW_DEPTH = 2000;

export function parseCompat(text: string): ParseOutcome {
    // The `yaml` package can exhaust the process's memory on very deep flow collections (not just
    // throw), so those are refused before it sees them.
    if (flowDepth(text) > YAML_SAFE_FLOW_DEPTH) return depthError();
    const { LineCounter, parseAllDocuments, isMap, isSeq } = loadYaml();
    const lineCounter: LineCounterType = new LineCounter();
    const parsed = parseAllDocuments(text, { lineCounter, uniqueKeys: false });
    // An empty stream is returned as a non-array EmptyStream.
    const docList: Document.Parsed[] = Array.isArray(parsed) ? parsed : [];
    const parseErrors = docList.flatMap((doc, i) =>
        doc.errors.map((err) => `document ${i + 1}, line ${err.linePos?.[0]?.line ?? "?"}: ${err.message.split("\n")[0]}`),
    );
    // Deep nesting overflows the `yaml` package's stack; refused as the fast path refuses it.
    if (docList.some((doc) => doc.errors.some((err) => err.message.includes("Maximum call stack size exceeded")))) return depthError();
    if (parseErrors.length > 0) return { error: parseErrors.join("; ") };
    const lineOf = (node: YamlNode | null | undefined): number | undefined => (node?.range ? lineCounter.linePos(node.range[0]).line : undefined);
    const docs: ParsedDocument[] = [];
    for (const [i, doc] of docList.entries()) {
        let value: unknown;
        try {
            value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
        } catch (e) {
            // e.g. "Excessive alias count indicates a resource exhaustion attack" (billion laughs).
            if (e instanceof RangeError) return depthError();
            return { error: `document ${i + 1}: ${e instanceof Error ? e.message : String(e)}` };
        }
        if (nestingDepth(value) > MAX_DEPTH) return depthError();
        docs.push({
            value,
            line: lineOf(doc.contents as YamlNode | null),
            itemLine: (index) => {
                const items = isMap(doc.contents) ? doc.contents.get("items", true) : undefined;
                return isSeq(items) ? lineOf(items.items[index] as YamlNode | undefined) : undefined;
            },
        });
    }
    return { docs };
}

/** Deepest nesting of flow brackets, counting every bracket (an upper bound: quoted ones count too). */
export function flowDepth(text: string): number {
    let depth = 0;
    let max = 0;
    for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === 0x5b || c === 0x7b) {
            if (++depth > max) max = depth;
        } else if ((c === 0x5d || c === 0x7d) && depth > 0) {
            depth--;
        }
    }
    return max;
}

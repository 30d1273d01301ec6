// The `yaml` package path: what the checker has always parsed with, kept for every file the fast
// path (yaml-fast.ts) declines, so those files are read exactly as before. The package is loaded
// on first use only (~60 ms), since most runs never need it.
import type { Document, LineCounter as LineCounterType, Node as YamlNode } from "yaml";
import { MAX_DEPTH, type ParsedDocument, type ParseOutcome } from "./yaml-document";

type YamlModule = typeof import("yaml");
let yamlModule: YamlModule | undefined;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadYaml = (): YamlModule => (yamlModule ??= require("yaml") as YamlModule);

/** The alias expansion budget per document (the `yaml` package's guard against billion-laughs documents). */
export const MAX_ALIAS_COUNT = 1000;

export function parseCompat(text: string): ParseOutcome {
    // The `yaml` package can exhaust the process's memory on very deep flow collections (not just
    // throw), so those are refused before it sees them.
    if (flowDepth(text) > MAX_DEPTH) return { error: `collections nested deeper than ${MAX_DEPTH} levels` };
    const { LineCounter, parseAllDocuments, isMap, isSeq } = loadYaml();
    const lineCounter: LineCounterType = new LineCounter();
    const parsed = parseAllDocuments(text, { lineCounter, uniqueKeys: false });
    // An empty stream is returned as a non-array EmptyStream.
    const docList: Document.Parsed[] = Array.isArray(parsed) ? parsed : [];
    const parseErrors = docList.flatMap((doc, i) =>
        doc.errors.map((err) => `document ${i + 1}, line ${err.linePos?.[0]?.line ?? "?"}: ${err.message.split("\n")[0]}`),
    );
    if (parseErrors.length > 0) return { error: parseErrors.join("; ") };
    const lineOf = (node: YamlNode | null | undefined): number | undefined => (node?.range ? lineCounter.linePos(node.range[0]).line : undefined);
    const docs: ParsedDocument[] = [];
    for (const [i, doc] of docList.entries()) {
        let value: unknown;
        try {
            value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
        } catch (e) {
            // e.g. "Excessive alias count indicates a resource exhaustion attack" (billion laughs).
            return { error: `document ${i + 1}: ${e instanceof Error ? e.message : String(e)}` };
        }
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

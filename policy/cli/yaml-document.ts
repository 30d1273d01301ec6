// What both YAML paths (yaml-fast.ts with js-yaml, yaml-compat.ts with the `yaml` package) give
// the manifest loader: each document's plain value and the lines where it and its items start.

/** Collections nested deeper than this are refused (real manifests and CRDs stay under ~40). */
export const MAX_DEPTH = 1000;

export interface ParsedDocument {
    /** The document as plain data (objects, arrays, strings, numbers, booleans, null). */
    value: unknown;
    /** 1-based line where the document's root node starts. */
    line?: number;
    /** 1-based line where item `index` of the root mapping's `items` sequence starts (List kinds). */
    itemLine(index: number): number | undefined;
}

/** The documents of a file, or why the file cannot be read as YAML (without the "invalid YAML: " prefix). */
export type ParseOutcome = { docs: ParsedDocument[] } | { error: string };

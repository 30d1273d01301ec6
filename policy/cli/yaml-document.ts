// What both YAML paths (yaml-fast.ts with js-yaml, yaml-compat.ts with the `yaml` package) give
// the manifest loader: each document's plain value and the lines where it and its items start.

/**
 * Collections nested deeper than this are refused by both paths (real manifests and CRDs stay
 * under ~40; the `yaml` package overflows its stack at ~800 levels of flow collections).
 */
export const MAX_DEPTH = 500;

/** The alias expansion budget per document (the `yaml` package's guard against billion-laughs documents). */
export const MAX_ALIAS_COUNT = 1000;

/** The `yaml` package refuses implicit keys longer than this. */
export const MAX_KEY_LENGTH = 1024;

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
    /** The document as plain data (objects, arrays, strings, numbers, booleans, null). */
    value: unknown;
    /** 1-based line where the document's root node starts. */
    line?: number;
    /** 1-based line where item `index` of the root mapping's `items` sequence starts (List kinds). */
    itemLine(index: number): number | undefined;
}

/** The documents of a file, or why the file cannot be read as YAML (without the "invalid YAML: " prefix). */
export type ParseOutcome = { docs: ParsedDocument[] } | { error: string };

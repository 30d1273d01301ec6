// The fast YAML path: js-yaml's event parser and constructor (YAML 1.2 core schema, as the
// `yaml` package's default), about 5x faster than `yaml` on manifests, with line numbers taken
// from the events' source offsets. It declines (returns undefined) whatever it would not read
// exactly as the `yaml` path does, which then parses the file instead: aliases (so `yaml`'s
// alias-count limit applies), %YAML/%TAG directives, tags js-yaml does not know, and any other
// error (so the message is `yaml`'s). tests/policy-tooling/parse-paths.test.ts checks both paths
// agree on corpora and on edge cases.
import { constructFromEvents, EVENT_ID, getScalarValue, parseEvents, YAMLException } from "js-yaml";
import type { Event, ScalarEvent } from "js-yaml";
import { MAX_DEPTH, type ParsedDocument, type ParseOutcome } from "./yaml-document";

const { DOCUMENT, SEQUENCE, MAPPING, SCALAR, POP } = EVENT_ID;

/** Parses `text`, or returns undefined when the `yaml` path must read it. */
export function parseFast(text: string): ParseOutcome | undefined {
    let events: Event[];
    try {
        events = parseEvents(text, { maxDepth: MAX_DEPTH });
    } catch (e) {
        // Too deep for either parser (the `yaml` package can exhaust memory on such input): refuse it here.
        if (e instanceof YAMLException && /maxDepth/.test(e.reason)) {
            return { error: `line ${(e.mark?.line ?? 0) + 1}: collections nested deeper than ${MAX_DEPTH} levels` };
        }
        return undefined;
    }
    const docStarts: number[] = [];
    for (let i = 0; i < events.length; i++) {
        const e = events[i];
        if (e.type !== DOCUMENT) continue;
        if (e.directives.length > 0) return undefined;
        docStarts.push(i);
    }
    let values: unknown[];
    try {
        values = constructFromEvents(events, { source: text, json: true, maxAliases: 0 });
    } catch {
        return undefined;
    }
    const lines = new LineIndex(text);
    const docs: ParsedDocument[] = values.map((value, d) => {
        const root = docStarts[d] + 1;
        let starts: number[] | undefined;
        return {
            value,
            line: lines.lineOf(startOf(events[root])),
            itemLine: (index: number) => {
                starts ??= itemStartsOf(events, root, text);
                const start = starts[index];
                return start === undefined ? undefined : lines.lineOf(start);
            },
        };
    });
    return { docs };
}

function startOf(e: Event | undefined): number {
    if (!e) return -1;
    if (e.type === MAPPING || e.type === SEQUENCE) return e.start;
    if (e.type === SCALAR) return e.valueStart;
    return -1;
}

/** Index just past the node that starts at events[i] (a scalar, an alias or a whole collection). */
function skipNode(events: Event[], i: number): number {
    const t = events[i].type;
    if (t !== MAPPING && t !== SEQUENCE) return i + 1;
    let depth = 0;
    for (let j = i; j < events.length; j++) {
        const u = events[j].type;
        if (u === MAPPING || u === SEQUENCE) depth++;
        else if (u === POP && --depth === 0) return j + 1;
    }
    return events.length;
}

/**
 * Start offsets of the items of the root mapping's first `items` sequence (the same pair the
 * `yaml` path reads its item lines from). The root node is events[root].
 */
function itemStartsOf(events: Event[], root: number, text: string): number[] {
    if (events[root]?.type !== MAPPING) return [];
    let i = root + 1;
    while (i < events.length && events[i].type !== POP) {
        const key = events[i];
        const valueAt = skipNode(events, i);
        if (key.type === SCALAR && getScalarValue(text, key as ScalarEvent) === "items") {
            const seq = events[valueAt];
            if (seq?.type !== SEQUENCE) return [];
            const starts: number[] = [];
            let j = valueAt + 1;
            while (j < events.length && events[j].type !== POP) {
                starts.push(startOf(events[j]));
                j = skipNode(events, j);
            }
            return starts;
        }
        i = skipNode(events, valueAt);
    }
    return [];
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

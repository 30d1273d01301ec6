// The fast YAML path: js-yaml's event parser and constructor (YAML 1.2 core schema, as the
// `yaml` package's default), about 5x faster than `yaml` on manifests, with line numbers taken
// from the events' source offsets. It declines (returns undefined) whatever it would not read
// exactly as the `yaml` path does, which then parses the file instead:
//  - %YAML/%TAG directives and explicit tags (`yaml` resolves some differently, e.g. !!float 1),
//  - null, collection and alias mapping keys (`yaml` turns a null key into "", js-yaml into "null")
//    and keys over 1024 characters (`yaml` refuses them),
//  - aliases that `yaml`'s alias-count guard could refuse (an alias inside an anchored node, or
//    more than MAX_ALIAS_COUNT in a document: the billion-laughs shape),
//  - any js-yaml error, so that the message is `yaml`'s.
// tests/policy-tooling/parse-paths.test.ts checks both paths agree, and that ordinary manifests
// stay on this path.
import { constructFromEvents, EVENT_ID, getScalarValue, parseEvents, SCALAR_STYLE, YAMLException } from "js-yaml";
import type { Event, ScalarEvent } from "js-yaml";
import { depthError, MAX_ALIAS_COUNT, MAX_DEPTH, MAX_KEY_LENGTH, type ParsedDocument, type ParseOutcome } from "./yaml-document";

const { DOCUMENT, SEQUENCE, MAPPING, SCALAR, ALIAS, POP } = EVENT_ID;
const NULL_KEYS = new Set(["", "~", "null", "Null", "NULL"]);

/** Parses `text`, or returns undefined when the `yaml` path must read it. */
export function parseFast(text: string): ParseOutcome | undefined {
    let events: Event[];
    try {
        // js-yaml's own limit only keeps its recursion bounded; the exact count is readableDocuments'.
        events = parseEvents(text, { maxDepth: MAX_DEPTH + 2 });
    } catch (e) {
        // Too deep: refused by both paths alike (and the `yaml` package can exhaust memory on such input).
        if (e instanceof YAMLException && /maxDepth/.test(e.reason)) return depthError();
        return undefined;
    }
    const docStarts = readableDocuments(events, text);
    if (docStarts === TOO_DEEP) return depthError();
    if (docStarts === DECLINE) return undefined;
    let values: unknown[];
    try {
        values = constructFromEvents(events, { source: text, json: true, maxAliases: -1 });
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

interface Frame {
    isMap: boolean;
    children: number;
    /** This collection or one around it has an anchor. */
    anchored: boolean;
}

const DECLINE = "decline";
const TOO_DEEP = "too deep";

/**
 * Index of each document's DOCUMENT event; DECLINE when a document holds something the `yaml`
 * path reads differently (see the header), TOO_DEEP when collections nest deeper than
 * MAX_DEPTH (a root mapping is level 1). One pass over the events.
 */
function readableDocuments(events: Event[], text: string): number[] | typeof DECLINE | typeof TOO_DEEP {
    const docStarts: number[] = [];
    const stack: Frame[] = [];
    let aliases = 0;
    for (let i = 0; i < events.length; i++) {
        const e = events[i];
        if (e.type === POP) {
            stack.pop();
            continue;
        }
        if (e.type === DOCUMENT) {
            if (e.directives.length > 0) return DECLINE;
            docStarts.push(i);
            stack.push({ isMap: false, children: 0, anchored: false });
            aliases = 0;
            continue;
        }
        const parent = stack[stack.length - 1];
        const isKey = parent.isMap && parent.children % 2 === 0;
        parent.children++;
        if (e.type === ALIAS) {
            if (isKey || parent.anchored || ++aliases > MAX_ALIAS_COUNT) return DECLINE;
            continue;
        }
        if (e.tagStart !== -1) return DECLINE;
        if (e.type === SCALAR) {
            if (isKey && (e.valueEnd - e.valueStart > MAX_KEY_LENGTH || (e.style === SCALAR_STYLE.PLAIN && isNullKey(text, e)))) return DECLINE;
            continue;
        }
        if (isKey) return DECLINE;
        // The DOCUMENT frame is the first one: this collection's level is the stack's length.
        if (stack.length > MAX_DEPTH) return TOO_DEEP;
        stack.push({ isMap: e.type === MAPPING, children: 0, anchored: parent.anchored || e.anchorStart !== -1 });
    }
    return docStarts;
}

function isNullKey(text: string, e: ScalarEvent): boolean {
    return e.valueStart === -1 || (e.valueEnd - e.valueStart <= 4 && NULL_KEYS.has(text.slice(e.valueStart, e.valueEnd)));
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

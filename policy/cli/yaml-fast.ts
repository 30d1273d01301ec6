// The fast YAML path: js-yaml's event parser (about 5x faster than the `yaml` package on
// manifests) builds the node tree of each document; k8s-yaml.ts decodes it the way Kubernetes
// does. It returns undefined only when js-yaml cannot parse a document, which the `yaml` path
// (yaml-compat.ts) then tries with the same decoding. tests/policy-tooling/parse-paths.test.ts and
// tests/yaml-oracle/ check both paths against Kubernetes' own decoder.
import { COLLECTION_STYLE, EVENT_ID, getScalarValue, parseEvents, SCALAR_STYLE, YAMLException } from "js-yaml";
import type { Event } from "js-yaml";
import { fullTag, refuseMultiLineFlowKey, refuseYaml12Escapes, type YNode, type YAlias } from "./k8s-yaml";
import { decodeStream, MAX_DEPTH, TooDeep, type ChunkParse, type ParseOutcome } from "./yaml-document";

const { DOCUMENT, SEQUENCE, MAPPING, SCALAR, ALIAS, POP } = EVENT_ID;
const QUOTED: number[] = [SCALAR_STYLE.SINGLE_QUOTED, SCALAR_STYLE.DOUBLE_QUOTED];

/** The longest implicit key libyaml reads. */
const MAX_KEY_LENGTH = 1024;

/** Something js-yaml parses that libyaml does not: the `yaml` path decides. */
class Decline extends Error {}

/** Parses `text`, or returns undefined when js-yaml cannot parse one of its documents. */
export function parseFast(text: string): ParseOutcome | undefined {
    return decodeStream(text, parseChunkFast);
}

/** The roots of a document's YAML documents (js-yaml), undefined on a js-yaml syntax error. */
export function parseChunkFast(source: string): ChunkParse | undefined {
    let events: Event[];
    let text: string;
    try {
        ({ events, text } = parseLikeLibyaml(source));
    } catch (e) {
        if (e instanceof YAMLException && /maxDepth/.test(e.reason)) throw new TooDeep();
        return undefined;
    }
    const roots: (YNode | undefined)[] = [];
    const anchors = new Map<string, YNode>();
    const aliases: YAlias[] = [];
    let i = 0;
    // Builds the node that starts at events[i] (advancing i past it), at nesting `depth`.
    const build = (depth: number): YNode => {
        const e = events[i++];
        let node: YNode;
        if (e.type === ALIAS) {
            const name = text.slice(e.anchorStart, e.anchorEnd);
            const alias: YAlias = { kind: "alias", name, target: anchors.get(name), start: -1 };
            aliases.push(alias);
            return alias;
        }
        if (e.type === SCALAR) {
            if (e.style === SCALAR_STYLE.DOUBLE_QUOTED) refuseYaml12Escapes(text.slice(e.valueStart, e.valueEnd));
            node = {
                kind: "scalar",
                value: getScalarValue(text, e),
                tag: e.tagStart === -1 ? null : fullTag(text.slice(e.tagStart, e.tagEnd)),
                plain: e.style === SCALAR_STYLE.PLAIN,
                start: e.valueStart,
            };
        } else if (e.type === MAPPING || e.type === SEQUENCE) {
            if (depth > MAX_DEPTH) throw new TooDeep();
            const children: YNode[] = [];
            node = { kind: e.type === MAPPING ? "map" : "seq", children, start: e.start };
            // Anchored before its children: an alias inside refers to it (and is refused as recursive).
            if (e.anchorStart !== -1) anchors.set(text.slice(e.anchorStart, e.anchorEnd), node);
            const isMap = e.type === MAPPING;
            const isFlowMap = isMap && e.style === COLLECTION_STYLE.FLOW;
            while (events[i].type !== POP) {
                const key = events[i];
                if (isMap && children.length % 2 === 0 && key.type === SCALAR) {
                    // libyaml (and the `yaml` package) refuse implicit keys over 1024 characters; js-yaml does not.
                    if (key.valueEnd - key.valueStart > MAX_KEY_LENGTH) throw new Decline();
                    if (isFlowMap) {
                        const quote = QUOTED.includes(key.style) ? 1 : 0;
                        refuseMultiLineFlowKey(text, key.valueStart - quote, key.valueEnd + quote);
                    }
                }
                children.push(build(depth + 1));
            }
            i++;
            return node;
        } else {
            throw new Error(`unexpected YAML event ${e.type}`);
        }
        if (e.anchorStart !== -1) anchors.set(text.slice(e.anchorStart, e.anchorEnd), node);
        return node;
    };
    let directives = false;
    try {
        while (i < events.length) {
            const e = events[i++];
            if (e.type !== DOCUMENT) throw new Error(`unexpected YAML event ${e.type}`);
            if (e.directives.length > 0) directives = true;
            anchors.clear();
            roots.push(events[i].type === POP ? undefined : build(1));
            i++; // the document's POP
        }
    } catch (e) {
        if (e instanceof Decline) return undefined;
        throw e;
    }
    return { roots, directives, aliases: aliases.length > 0, text: text === source ? undefined : text };
}

/** At most this many places of one document are mended (each costs a parse). */
const MAX_MENDS = 64;
/** Spaces put before a continuation line that js-yaml finds under-indented (added again if too few). */
const MEND_INDENT = 256;

/**
 * js-yaml's events for `text`. Where js-yaml is stricter than libyaml (Kubernetes) in ways that
 * cannot change a value, the text is mended where js-yaml stops and parsed again; the events then
 * refer to the mended text, which has the same lines:
 *  - continuation lines of quoted scalars and flow collections indented less than the spec asks:
 *    libyaml does not check them, `kubectl get -o yaml` (go-yaml) writes them, and their leading
 *    spaces are not part of any value;
 *  - the `\'` escape in a double-quoted scalar, which libyaml reads as `'`.
 */
function parseLikeLibyaml(text: string): { events: Event[]; text: string } {
    for (let mends = 0; ; mends++) {
        try {
            // js-yaml's own limit only keeps its recursion bounded; the exact count is the tree's.
            return { events: parseEvents(text, { maxDepth: MAX_DEPTH + 2 }), text };
        } catch (e) {
            const mended = mends < MAX_MENDS && e instanceof YAMLException ? mend(text, e) : undefined;
            if (mended === undefined) throw e;
            text = mended;
        }
    }
}

function mend(text: string, e: YAMLException): string | undefined {
    const at = e.mark?.position;
    if (at === undefined) return undefined;
    // js-yaml says this only of quoted scalars' and flow collections' line breaks (pinned version; the oracle checks it).
    if (e.reason === "deficient indentation") {
        const lineStart = text.lastIndexOf("\n", at - 1) + 1;
        // Spaces and tabs: both are separation, not content, on these lines for libyaml.
        if (!/^[ \t]*$/.test(text.slice(lineStart, at))) return undefined;
        // A document marker at the line's start ends the scalar for libyaml ("found unexpected document indicator").
        if (/^(---|\.\.\.)([ \t\r\n]|$)/.test(text.slice(lineStart, lineStart + 4))) return undefined;
        return text.slice(0, lineStart) + " ".repeat(MEND_INDENT) + text.slice(lineStart);
    }
    if (e.reason === "unknown escape sequence" && text[at] === "'" && text[at - 1] === "\\") return text.slice(0, at - 1) + text.slice(at);
    return undefined;
}

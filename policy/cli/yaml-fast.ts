// The fast YAML path: js-yaml's event parser (about 5x faster than the `yaml` package on
// manifests) builds the node tree of each document; k8s-yaml.ts decodes it the way Kubernetes
// does. It returns undefined only when js-yaml cannot parse a document, which the `yaml` path
// (yaml-compat.ts) then tries with the same decoding. tests/policy-tooling/parse-paths.test.ts and
// tests/yaml-oracle/ check both paths against Kubernetes' own decoder.
import { EVENT_ID, getScalarValue, parseEvents, SCALAR_STYLE, YAMLException } from "js-yaml";
import type { Event } from "js-yaml";
import { fullTag, type YNode, type YAlias } from "./k8s-yaml";
import { decodeStream, MAX_DEPTH, TooDeep, type ChunkParse, type ParseOutcome } from "./yaml-document";

const { DOCUMENT, SEQUENCE, MAPPING, SCALAR, ALIAS, POP } = EVENT_ID;

/** The longest implicit key libyaml reads. */
const MAX_KEY_LENGTH = 1024;

/** Something js-yaml parses that libyaml does not: the `yaml` path decides. */
class Decline extends Error {}

/** Parses `text`, or returns undefined when js-yaml cannot parse one of its documents. */
export function parseFast(text: string): ParseOutcome | undefined {
    return decodeStream(text, parseChunkFast);
}

/** The roots of a document's YAML documents (js-yaml), undefined on a js-yaml syntax error. */
export function parseChunkFast(text: string): ChunkParse | undefined {
    let events: Event[];
    try {
        // js-yaml's own limit only keeps its recursion bounded; the exact count is the tree's.
        events = parseEvents(text, { maxDepth: MAX_DEPTH + 2 });
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
            while (events[i].type !== POP) {
                const key = events[i];
                // libyaml (and the `yaml` package) refuse implicit keys over 1024 characters; js-yaml does not.
                if (isMap && children.length % 2 === 0 && key.type === SCALAR && key.valueEnd - key.valueStart > MAX_KEY_LENGTH) throw new Decline();
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
    return { roots, directives, aliases: aliases.length > 0 };
}

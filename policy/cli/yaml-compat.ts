// The `yaml` package path: for documents js-yaml cannot parse, the `yaml` package builds the
// node tree (failsafe schema: no scalar resolved) and k8s-yaml.ts decodes it exactly as it
// decodes the fast path's. The package is loaded on first use only (~60 ms), since most runs
// never need it.
import type { Node as YamlNode, Document } from "yaml";
import { fullTag, refuseMultiLineFlowKey, refuseYaml12Escapes, type YAlias, type YNode } from "./k8s-yaml";
import { decodeStream, MAX_DEPTH, TooDeep, YamlSyntaxError, type ChunkParse, type ParseOutcome } from "./yaml-document";

type YamlModule = typeof import("yaml");
let yamlModule: YamlModule | undefined;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the yaml package is loaded on first use (most runs never need it)
const loadYaml = (): YamlModule => (yamlModule ??= require("yaml") as YamlModule);

/** Flow nesting the `yaml` package still reports as an error (at ~5000 levels it can exhaust the process's memory). */
const YAML_SAFE_FLOW_DEPTH = 2000;

export function parseCompat(text: string): ParseOutcome {
    return decodeStream(text, parseChunkCompat) ?? { error: "unreadable YAML" };
}

export function parseChunkCompat(text: string): ChunkParse {
    // The `yaml` package can exhaust the process's memory on very deep flow collections (not just
    // throw), so those are refused before it sees them.
    if (flowDepth(text) > YAML_SAFE_FLOW_DEPTH) throw new TooDeep();
    const { parseAllDocuments, isAlias, isMap, isPair, isScalar, isSeq } = loadYaml();
    const parsed = parseAllDocuments(text, { schema: "failsafe", uniqueKeys: false, version: "1.1" });
    const docList: Document.Parsed[] = Array.isArray(parsed) ? parsed : [];
    if (docList.some((doc) => doc.errors.some((err) => err.message.includes("Maximum call stack size exceeded")))) throw new TooDeep();
    const errors = docList.flatMap((doc) => doc.errors.map((err) => `line ${err.linePos?.[0]?.line ?? "?"}: ${err.message.split("\n")[0]}`));
    if (errors.length > 0) throw new YamlSyntaxError(errors.join("; "));
    const roots: (YNode | undefined)[] = [];
    for (const doc of docList) {
        const anchors = new Map<string, YNode>();
        const build = (n: unknown, depth: number): YNode => {
            const node = n as YamlNode | null;
            const start = node?.range?.[0] ?? -1;
            if (node === null || node === undefined) return { kind: "scalar", value: "", tag: null, plain: true, start };
            if (isAlias(node)) {
                const alias: YAlias = { kind: "alias", name: node.source, target: anchors.get(node.source), start };
                return alias;
            }
            let built: YNode;
            if (isScalar(node)) {
                if (node.type === "QUOTE_DOUBLE" && node.range) refuseYaml12Escapes(text.slice(node.range[0], node.range[1]));
                built = { kind: "scalar", value: String(node.source ?? node.value ?? ""), tag: node.tag ? fullTag(writtenTag(node.tag)) : null, plain: node.type === "PLAIN", start };
            } else if (isMap(node) || isSeq(node)) {
                if (depth > MAX_DEPTH) throw new TooDeep();
                const children: YNode[] = [];
                built = { kind: isMap(node) ? "map" : "seq", children, start };
                if (node.anchor) anchors.set(node.anchor, built);
                const flowMap = isMap(node) && node.flow === true;
                for (const item of node.items as unknown[]) {
                    if (isPair(item)) {
                        const key = item.key as YamlNode | null;
                        if (flowMap && key && isScalar(key) && key.range) refuseMultiLineFlowKey(text, key.range[0], key.range[1]);
                        children.push(build(item.key, depth + 1), build(item.value, depth + 1));
                    } else {
                        children.push(build(item, depth + 1));
                    }
                }
                return built;
            } else {
                throw new Error("unexpected YAML node");
            }
            if (node.anchor) anchors.set(node.anchor, built);
            return built;
        };
        roots.push(doc.contents === null ? undefined : build(doc.contents, 1));
    }
    return { roots, directives: /^%(YAML|TAG)\b/m.test(text) };
}

// The `yaml` package gives tags resolved (`tag:yaml.org,2002:str`, `!foo`); fullTag takes them as written.
function writtenTag(tag: string): string {
    return tag.startsWith("tag:") ? `!<${tag}>` : tag;
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

// `--source-map FILE`: findings on objects rendered from a program point at the program source
// that constructed them instead of at the rendered manifest. The map (written by the repository's
// synth script, scripts/lib/source-map.ts) lists, per manifest file, the object it holds, the
// source line, and the config keys whose values its fields carry. A finding on a mapped object
// takes the object's source file and line, and its message names the config keys set on the
// field it names (or fields under it). Objects the map does not list (plain manifests) keep
// their own file and line. Findings on no object point at the map's `program`.
import * as path from "path";
import type { CheckResult, ObjectReport, ReportedViolation } from "./checker";
import { fieldOf } from "./baseline";
import { readSchemaFile } from "./schema-file";

/** The file format (scripts/lib/source-map.ts writes it). */
export interface SourceMapFile {
    version: 1;
    stack: string;
    sourceRoot: string;
    program: string;
    objects: Array<{
        manifest: string;
        kind: string;
        namespace?: string;
        name: string;
        source?: { file: string; line: number; column: number };
        config?: Array<{ path: string; key: string }>;
    }>;
}

const position = { type: "object", additionalProperties: false, required: ["file", "line", "column"], properties: { file: { type: "string" }, line: { type: "integer", minimum: 1 }, column: { type: "integer", minimum: 1 } } };
const configMatch = { type: "object", additionalProperties: false, required: ["path", "key"], properties: { path: { type: "string" }, key: { type: "string" } } };
const SCHEMA = {
    type: "object",
    additionalProperties: false,
    required: ["version", "stack", "sourceRoot", "program", "objects"],
    properties: {
        version: { const: 1 },
        stack: { type: "string" },
        sourceRoot: { type: "string" },
        program: { type: "string" },
        objects: {
            type: "array",
            items: {
                type: "object",
                additionalProperties: false,
                required: ["manifest", "kind", "name"],
                properties: { manifest: { type: "string" }, kind: { type: "string" }, namespace: { type: "string" }, name: { type: "string" }, source: position, config: { type: "array", items: configMatch } },
            },
        },
    },
};

interface Anchor {
    file: string;
    line: number;
    config: Array<{ path: string; key: string }>;
}

/** A loaded map: source paths relative to the working directory (as manifest paths are given), manifest keys absolute. */
export interface SourceMap {
    program: string;
    /** `<absolute manifest>\0<kind>\0<namespace/name>` → where the object was constructed. */
    objects: Map<string, Anchor>;
    /** Absolute manifest → absolute source file. */
    files: Map<string, string>;
}

const objectKey = (manifest: string, kind: string, name: string) => `${path.resolve(manifest)}\0${kind}\0${name}`;

/** Reads and validates a map (a bad one is a PolicyConfigError naming the file and key). */
export function loadSourceMap(file: string): SourceMap {
    const map = readSchemaFile<SourceMapFile>(file, "source map", SCHEMA);
    const dir = path.dirname(path.resolve(file));
    const root = path.resolve(dir, map.sourceRoot);
    const objects = new Map<string, Anchor>();
    const files = new Map<string, string>();
    for (const o of map.objects) {
        if (!o.source) continue;
        const manifest = path.resolve(dir, o.manifest);
        const source = path.relative(process.cwd(), path.resolve(root, o.source.file));
        objects.set(objectKey(manifest, o.kind, o.namespace ? `${o.namespace}/${o.name}` : o.name), { file: source, line: o.source.line, config: o.config ?? [] });
        files.set(manifest, source);
    }
    return { program: path.relative(process.cwd(), path.resolve(root, map.program)), objects, files };
}

/** The config keys set on the field a finding names, or under it. */
function withConfigKeys<T extends ReportedViolation>(v: T, config: Anchor["config"]): T {
    const field = fieldOf(v.message);
    if (!field) return v;
    const keys = [...new Set(config.filter((c) => c.path === field || c.path.startsWith(`${field}.`) || c.path.startsWith(`${field}[`)).map((c) => c.key))];
    return keys.length ? { ...v, message: `${v.message} (stack config: ${keys.join(", ")})` } : v;
}

function anchorReport(r: ObjectReport, map: SourceMap): ObjectReport {
    const anchor = map.objects.get(objectKey(r.file, r.kind, r.name));
    if (!anchor) return r;
    return {
        ...r,
        file: anchor.file,
        line: anchor.line,
        violations: r.violations.map((v) => withConfigKeys(v, anchor.config)),
        exempted: r.exempted.map((x) => withConfigKeys(x, anchor.config)),
    };
}

/** The result with mapped objects' findings at their program source; the first input file, where stack findings point, becomes the program. */
export function anchorResult(result: CheckResult, map: SourceMap): CheckResult {
    const fileOf = (f: string) => map.files.get(path.resolve(f)) ?? f;
    const files = result.files.map(fileOf);
    if (files.length > 0 && files[0] !== result.files[0]) files[0] = map.program;
    return {
        ...result,
        reports: result.reports.map((r) => anchorReport(r, map)),
        files,
        inputErrors: result.inputErrors.map((e) => ({ ...e, file: fileOf(e.file) })),
        warnings: result.warnings.map((w) => ({ ...w, file: fileOf(w.file) })),
    };
}

// The object → program-source map the synth writes beside its output and `k8s-policy-check
// --source-map FILE` reads (policy/cli/source-map.ts holds the format: SourceMapFile and its schema): for each
// rendered manifest, the line of program source that constructed the object (the mock runtime's
// construction site) and the stack config keys its values match (config-provenance.ts).
// Paths are relative: `manifest` to the map file's directory, `source.file` and `program` to
// `sourceRoot`, itself relative to the map file's directory, so the map survives a move of the
// checkout (CI runners check out anywhere).
import * as fs from "fs";
import * as path from "path";
import type { SourceMapFile } from "../../policy/cli/source-map";
import type { ConfigMatch } from "./config-provenance";
import type { SourcePosition } from "./mock-runtime";

export interface RenderedObject {
    /** Absolute path of the manifest the synth wrote. */
    manifest: string;
    object: Record<string, any>;
    source?: SourcePosition;
    config: ConfigMatch[];
}

const slashes = (p: string) => p.split(path.sep).join("/");

/** Writes the map to `file`; `projectDir` is the repository root the source files are named from. */
export function writeSourceMap(file: string, stack: string, projectDir: string, program: string, rendered: RenderedObject[]): SourceMapFile {
    const dir = path.dirname(path.resolve(file));
    const map: SourceMapFile = {
        version: 1,
        stack,
        sourceRoot: slashes(path.relative(dir, projectDir)) || ".",
        program: slashes(path.relative(projectDir, program)),
        objects: rendered.map(({ manifest, object, source, config }) => ({
            manifest: slashes(path.relative(dir, manifest)),
            kind: String(object.kind),
            ...(object.metadata?.namespace ? { namespace: String(object.metadata.namespace) } : {}),
            name: String(object.metadata?.name),
            ...(source ? { source: { file: slashes(path.relative(projectDir, source.file)), line: source.line, column: source.column } } : {}),
            ...(config.length ? { config } : {}),
        })),
    };
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, JSON.stringify(map, null, 2) + "\n");
    return map;
}

// Reads plain Kubernetes manifests (files or directories of .yaml/.yml/.json as `kubectl apply -f`
// does, multi-document YAML, JSON streams, `List` kinds, stdin) into objects the checker can hand
// to the policies, remembering where each one came from. Every input is decoded as Kubernetes
// decodes it (k8s-yaml.ts); YAML is parsed by the fast path (yaml-fast.ts, js-yaml) and, for what
// js-yaml cannot parse, by the `yaml` package (yaml-compat.ts): same objects, lines, warnings and
// errors either way.
import * as fs from "fs";
import * as path from "path";
import type { Worker as WorkerType } from "worker_threads";
import { parseFast } from "./yaml-fast";
import { parseCompat } from "./yaml-compat";
import type { ParseOutcome } from "./yaml-document";
import { detach } from "../lib/detach";

export interface ManifestObject {
    /** Path as given or found (relative paths stay relative, for readable reports). */
    file: string;
    /** 1-based line of the object's first key in `file`, when known. */
    line?: number;
    apiVersion: string;
    kind: string;
    /** `namespace/name` for namespaced objects, `name` otherwise: unique enough to report on. */
    name: string;
    body: Record<string, unknown>;
}

/** A path that could not be read or parsed; reported on stderr and turns the exit code to 2. */
export interface InputError {
    file: string;
    message: string;
}

export interface LoadedManifests {
    objects: ManifestObject[];
    errors: InputError[];
    /** Documents skipped because they are not Kubernetes objects (no apiVersion/kind). */
    warnings: InputError[];
    files: string[];
}

/** What `kubectl apply -f DIR` reads in a directory. */
const MANIFEST_EXTENSIONS = new Set([".yaml", ".yml", ".json"]);

/** The path `-` reads a manifest stream from stdin; its objects are located as `<stdin>:<line>`. */
export const STDIN_PATH = "-";
export const STDIN_NAME = "<stdin>";

export interface ExpandOptions {
    /** Files whose path matches one of these (see ignoreMatcher) are left out. */
    ignore?: (file: string) => boolean;
}

/** Expands directories recursively into their .yaml/.yml/.json files (sorted, for stable output); `-` stays as `<stdin>`. */
export function expandPaths(paths: string[], options: ExpandOptions = {}): { files: string[]; errors: InputError[] } {
    const files: string[] = [];
    const errors: InputError[] = [];
    const ignored = options.ignore ?? (() => false);
    const visit = (p: string, explicit: boolean): void => {
        if (ignored(p)) return;
        let stat: fs.Stats;
        try {
            stat = fs.statSync(p);
        } catch (e) {
            errors.push({ file: p, message: `cannot read: ${errorText(e)}` });
            return;
        }
        if (stat.isDirectory()) {
            let entries: string[];
            try {
                entries = fs.readdirSync(p).sort();
            } catch (e) {
                errors.push({ file: p, message: `cannot list directory: ${errorText(e)}` });
                return;
            }
            for (const entry of entries) {
                // Hidden folders and installed packages are never manifests of the project.
                if (entry.startsWith(".") || entry === "node_modules") continue;
                visit(path.join(p, entry), false);
            }
        } else if (explicit || MANIFEST_EXTENSIONS.has(path.extname(p).toLowerCase())) {
            files.push(p);
        }
    };
    for (const p of paths) {
        if (p === STDIN_PATH) {
            if (!files.includes(STDIN_NAME)) files.push(STDIN_NAME);
        } else {
            visit(p, true);
        }
    }
    return { files, errors };
}

export type FileResult = { objects: ManifestObject[]; errors: InputError[]; warnings: InputError[] };

/** Reads a file's text (`<stdin>` from the process's stdin); throws when it cannot be read. */
export type TextReader = (file: string) => string;

export const readInputText: TextReader = (file) => manifestText(fs.readFileSync(file === STDIN_NAME ? 0 : file));

/**
 * A file's bytes as kubectl reads them (cli-runtime's FileVisitor: x/text's BOMOverride over a
 * UTF-8 decoder): UTF-16 when the file starts with a UTF-16 byte order mark, else UTF-8 with
 * invalid bytes read as U+FFFD (the UTF-8 BOM is dropped later, with the stream's other rules).
 */
export function manifestText(bytes: Buffer): string {
    if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder("utf-16le").decode(bytes.subarray(2));
    if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder("utf-16be").decode(bytes.subarray(2));
    return bytes.toString("utf8");
}

/** Which YAML path parses: "auto" (fast, `yaml` for what it declines) or "yaml" only (to compare; slower). */
export const PARSERS = ["auto", "yaml"] as const;
export type ParserChoice = (typeof PARSERS)[number];

/** Parses one file; a file with any YAML error yields no objects, only the error. */
export function loadManifestFile(file: string, read: TextReader = readInputText, parser: ParserChoice = "auto"): FileResult {
    let text: string;
    try {
        text = read(file);
    } catch (e) {
        return { objects: [], errors: [{ file, message: `cannot read: ${errorText(e)}` }], warnings: [] };
    }
    return parseManifestText(text, file, parser);
}

export function parseManifestText(text: string, file: string, parser: ParserChoice = "auto"): FileResult {
    const outcome = (parser === "auto" ? parseFast(text) : undefined) ?? parseCompat(text);
    return manifestsOf(outcome, file);
}

/** Kubernetes objects of a parsed file: List items unwrapped, empty documents ignored. */
export function manifestsOf(outcome: ParseOutcome, file: string): FileResult {
    if ("error" in outcome) return { objects: [], errors: [{ file, message: `invalid YAML: ${outcome.error}` }], warnings: [] };
    const objects: ManifestObject[] = [];
    const warnings: InputError[] = [];
    const errors: InputError[] = [];
    outcome.docs.forEach((doc, docIndex) => {
        const value = doc.value;
        if (value === null || value === undefined) return; // empty document, e.g. a trailing `---`
        const where = `document ${docIndex + 1}`;
        if (typeof value !== "object" || Array.isArray(value)) {
            // A stream of manifests holds mappings; a scalar is what non-YAML text (binary data,
            // a template, prose) parses to, so it is unreadable input, not a skipped document.
            const what = Array.isArray(value) ? "a sequence" : "a scalar";
            errors.push({ file, message: `${where}${doc.line ? ` (line ${doc.line})` : ""} is ${what}, not a Kubernetes object` });
            return;
        }
        if (!isKubernetesObject(value)) {
            warnings.push({ file, message: `${where} skipped: not a Kubernetes object (needs apiVersion and kind)` });
            return;
        }
        if (value.kind === "List" || (value.kind.endsWith("List") && Array.isArray(value.items))) {
            const items = Array.isArray(value.items) ? value.items : [];
            items.forEach((item: unknown, itemIndex: number) => {
                if (!isKubernetesObject(item)) {
                    warnings.push({ file, message: `${where}, item ${itemIndex + 1} skipped: not a Kubernetes object` });
                    return;
                }
                objects.push(toManifestObject(item, file, doc.itemLine(itemIndex)));
            });
            return;
        }
        objects.push(toManifestObject(value, file, doc.line));
    });
    return { objects, errors, warnings };
}

export function loadManifests(paths: string[], expand: ExpandOptions = {}): LoadedManifests {
    const { files, errors } = expandPaths(paths, expand);
    return assemble(files, errors, files.map((f) => loadManifestFile(f)));
}

// Per-file results in file order, so the outcome never depends on which thread parsed what.
function assemble(files: string[], errors: InputError[], perFile: FileResult[]): LoadedManifests {
    const objects: ManifestObject[] = [];
    const warnings: InputError[] = [];
    for (const loaded of perFile) {
        // push(...arr) overflows the stack on very large files; a loop does not.
        for (const o of loaded.objects) objects.push(o);
        errors.push(...loaded.errors);
        warnings.push(...loaded.warnings);
    }
    return { objects, errors, warnings, files };
}

/** Parse in this many threads when the input is at least this large (a worker costs ~0.1-0.7 s to start). */
export const PARALLEL_MIN_BYTES = 1024 * 1024;

/**
 * Like loadManifests, but YAML parsing (the bulk of a large check) is spread over `jobs` threads:
 * see parseFilesParallel. The result is the same as loadManifests' (assembled in file order).
 */
export async function loadManifestsParallel(paths: string[], jobs: number, minBytes = PARALLEL_MIN_BYTES, expand: ExpandOptions = {}): Promise<LoadedManifests> {
    const { files, errors } = expandPaths(paths, expand);
    return assemble(files, errors, await parseFilesParallel(files, jobs, minBytes));
}

/**
 * Every file parsed, in file order, by this thread and jobs-1 worker threads, each taking the
 * next unparsed file. Small inputs (under PARALLEL_MIN_BYTES, unless `minBytes` says otherwise),
 * stdin and the `yaml`-only parser stay on this thread. A worker that fails leaves its files to
 * this thread.
 */
export async function parseFilesParallel(files: string[], jobs: number, minBytes = PARALLEL_MIN_BYTES, read: TextReader = readInputText, parser: ParserChoice = "auto"): Promise<FileResult[]> {
    const here = (i: number) => loadManifestFile(files[i], read, parser);
    const workers = Math.min(Math.max(Math.floor(jobs) - 1, 0), files.length - 1);
    if (workers <= 0 || parser !== "auto" || totalBytes(files) < minBytes) return files.map((_, i) => here(i));

    const results: (FileResult | undefined)[] = new Array(files.length);
    // next[0]: index of the next file nobody has taken yet.
    const next = new Int32Array(new SharedArrayBuffer(4));
    const running = Array.from({ length: workers }, () => startParseWorker(files, next, results));
    for (;;) {
        const i = Atomics.add(next, 0, 1);
        if (i >= files.length) break;
        results[i] = here(i);
    }
    await Promise.all(running);
    // Files a failed worker had taken but not returned, and stdin (workers leave it to this thread).
    return results.map((r, i) => r ?? here(i));
}

function totalBytes(files: string[]): number {
    let total = 0;
    for (const f of files) {
        try {
            total += fs.statSync(f).size;
        } catch {
            // unreadable: loadManifestFile reports it
        }
    }
    return total;
}

// The worker runs this module's loadManifestFile; under ts-node (the npm scripts) it registers
// ts-node itself, transpile-only, since a worker thread does not inherit the require hook.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("worker_threads");
const { files, next, module: modulePath, tsNode, project } = workerData;
// The yaml parser reads process.env.LOG_TOKENS once per token (millions on a large input); a
// worker's process.env is its own copy, and a plain object makes those reads ~8x cheaper.
process.env = { ...process.env };
if (tsNode) require(tsNode).register({ transpileOnly: true, project });
const { loadManifestFile } = require(modulePath);
for (;;) {
    const i = Atomics.add(next, 0, 1);
    if (i >= files.length) break;
    if (files[i] === ${JSON.stringify(STDIN_NAME)}) continue;
    parentPort.postMessage({ index: i, result: loadManifestFile(files[i]) });
}
`;

// Parsing allocates many short-lived CST nodes; a larger young generation than the default means
// fewer scavenges in the worker. (Taking results between this thread's own files instead of at
// the end was measured too: more CPU on this thread's GC, so results are taken as events.)
const YOUNG_GENERATION_MB = 48;

function startParseWorker(files: string[], next: Int32Array, results: (FileResult | undefined)[]): Promise<void> {
    const underTsNode = __filename.endsWith(".ts");
    const workerData = {
        files,
        next,
        module: __filename,
        tsNode: underTsNode ? require.resolve("ts-node", { paths: [__dirname] }) : undefined,
        project: path.join(__dirname, "..", "tsconfig.json"),
    };
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- worker_threads loaded only for parallel runs
    const { Worker } = require("worker_threads") as typeof import("worker_threads");
    return new Promise((resolve) => {
        let worker: WorkerType;
        try {
            worker = new Worker(WORKER_SOURCE, { eval: true, workerData, stdout: true, stderr: true, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
        } catch {
            resolve();
            return;
        }
        worker.on("message", (m: { index: number; result: FileResult }) => {
            results[m.index] = m.result;
        });
        // Errors are not fatal: the files the worker did not return are parsed on the main thread.
        worker.on("error", () => undefined);
        worker.on("exit", () => resolve());
    });
}

type KubernetesObject = Record<string, unknown> & { apiVersion: string; kind: string };

function isKubernetesObject(value: unknown): value is KubernetesObject {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
    const v = value as Record<string, unknown>;
    return typeof v.apiVersion === "string" && typeof v.kind === "string";
}

function toManifestObject(body: KubernetesObject, file: string, line: number | undefined): ManifestObject {
    const metadata = (body.metadata ?? {}) as Record<string, unknown>;
    const name = typeof metadata.name === "string" ? metadata.name : typeof metadata.generateName === "string" ? metadata.generateName : "(unnamed)";
    const namespace = typeof metadata.namespace === "string" ? metadata.namespace : undefined;
    // These outlive the body (reports, stack lookups): detached from the file's text.
    return {
        file,
        line,
        apiVersion: detach(body.apiVersion),
        kind: detach(body.kind),
        name: detach(namespace ? `${namespace}/${name}` : name),
        body,
    };
}

// fs errors carry a code (ENOENT, EACCES) whose message already names it.
function errorText(e: unknown): string {
    return e instanceof Error ? e.message : String(e);
}

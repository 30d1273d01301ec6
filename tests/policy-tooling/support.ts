// Shared by the policy tooling tests: run the checker CLI as a child process exactly as the
// package's k8s-policy-check bin runs (compiled dist/cli/bin.js, rebuilt first when a source is
// newer), locate fixtures, and validate SARIF against the 2.1.0 schema.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Ajv04 from "ajv-draft-04";
import addFormats from "ajv-formats";
import type { ValidateFunction } from "ajv";

export const REPO_ROOT = path.resolve(__dirname, "../..");
export const POLICY_DIR = path.join(REPO_ROOT, "policy");
export const FIXTURES = path.join(__dirname, "fixtures");

export const fixture = (...parts: string[]) => path.join(FIXTURES, ...parts);

export interface CliRun {
    code: number | null;
    stdout: string;
    stderr: string;
}

/** The compiled bin the package ships (`k8s-policy-check`). */
export const CHECKER_BIN = path.join(POLICY_DIR, "dist", "cli", "bin.js");

let built = false;
/** Rebuilds policy/dist when a source is newer than the last build (policy/scripts/build.js). */
export function ensureCheckerBuilt(): void {
    if (built) return;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the pack's CommonJS build script, by path
    (require(path.join(POLICY_DIR, "scripts", "build.js")) as { ensureBuilt(): void }).ensureBuilt();
    built = true;
}

export interface RunOptions {
    cwd?: string;
    /** Text piped to the checker's stdin (for `-`). */
    input?: string | Buffer;
}

/** `node policy/dist/cli/bin.js ARGS` (what node_modules/.bin/k8s-policy-check runs), from the repo root by default. */
export function runCheckCli(args: string[], options: RunOptions | string = {}): CliRun {
    const o = typeof options === "string" ? { cwd: options } : options;
    ensureCheckerBuilt();
    const r = spawnSync(process.execPath, [CHECKER_BIN, ...args], {
        cwd: o.cwd ?? REPO_ROOT,
        encoding: "utf8",
        input: o.input,
        maxBuffer: 256 * 1024 * 1024,
    });
    if (r.error) throw r.error;
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same CLI entry point in this process (no ts-node start-up): for the many option variants. */
export function runCheckInProcess(args: string[]): CliRun {
    // Loaded lazily so that only suites that need the pack pay for loading it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily (above)
    const { runCli } = require("../../policy/check") as typeof import("../../policy/check");
    let stdout = "";
    let stderr = "";
    const code = runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    return { code, stdout, stderr };
}

export interface JsonEntry {
    file: string;
    kind: string;
    name: string;
    violations: { policy: string; message: string; severity: string }[];
}

export function runJson(args: string[], runner: (args: string[]) => CliRun = runCheckCli): { run: CliRun; entries: JsonEntry[] } {
    const run = runner(["--format", "json", ...args]);
    let entries: JsonEntry[];
    try {
        entries = JSON.parse(run.stdout) as JsonEntry[];
    } catch {
        throw new Error(`checker printed no JSON (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
    }
    return { run, entries };
}

export const entryFor = (entries: JsonEntry[], kind: string, name: string): JsonEntry => {
    const found = entries.filter((e) => e.kind === kind && e.name === name);
    if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}: ${JSON.stringify(entries.map((e) => `${e.kind} ${e.name}`))}`);
    return found[0];
};

export const policiesOf = (entry: JsonEntry): string[] => [...new Set(entry.violations.map((v) => v.policy))].sort();

let sarifValidator: ValidateFunction | undefined;

/** The OASIS SARIF 2.1.0 schema (draft-04) as shipped by @microsoft/jest-sarif. */
export function validateSarif(log: unknown): string[] {
    if (!sarifValidator) {
        // The schema's language pattern is not valid under the `u` flag, hence unicodeRegExp: false.
        const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false });
        addFormats(ajv);
        const schema = JSON.parse(fs.readFileSync(require.resolve("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json"), "utf8"));
        sarifValidator = ajv.compile(schema);
    }
    return sarifValidator(log) ? [] : (sarifValidator.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/** 1-based line of each line that starts a YAML document's first key, computed from the raw text. */
export function documentStartLines(file: string, firstKey = "apiVersion:"): number[] {
    return fs
        .readFileSync(file, "utf8")
        .split("\n")
        .flatMap((line, i) => (line.startsWith(firstKey) ? [i + 1] : []));
}

export function tempDir(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

const XML_ENTITY = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;

/**
 * Well-formedness problems of an XML document (empty when none): elements nest and close,
 * attributes are quoted, text and attribute values hold no raw `<` or bare `&`, no characters
 * XML 1.0 forbids. Enough to catch broken escaping without an XML parser dependency.
 */
export function xmlProblems(xml: string): string[] {
    const problems: string[] = [];
    if (!xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')) problems.push("no XML declaration");
    if (/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.test(xml)) problems.push("characters XML 1.0 forbids");
    const body = xml.replace(/^<\?xml[^?]*\?>/, "");
    const tag = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>/g;
    const stack: string[] = [];
    let last = 0;
    for (let m = tag.exec(body); m; m = tag.exec(body)) {
        const text = body.slice(last, m.index);
        if (/[<>]/.test(text) || /&/.test(text.replace(XML_ENTITY, ""))) problems.push(`bad text before <${m[2]}>: ${JSON.stringify(text.slice(0, 80))}`);
        if (/&/.test(m[3].replace(XML_ENTITY, ""))) problems.push(`bare & in attributes of <${m[2]}>`);
        if (m[1]) {
            if (stack.pop() !== m[2]) problems.push(`</${m[2]}> does not close the open element`);
        } else if (!m[4]) {
            stack.push(m[2]);
        }
        last = tag.lastIndex;
    }
    if (body.slice(last).trim() !== "") problems.push(`text after the root element: ${JSON.stringify(body.slice(last, last + 80))}`);
    if (stack.length > 0) problems.push(`unclosed: ${stack.join(", ")}`);
    return problems;
}

/** A suite's temporary directory, made before its tests with `files` (relative name → text) and removed after them. */
export function suiteDir(prefix: string, files: Record<string, string> = {}): { readonly root: string; path(...parts: string[]): string } {
    let root = "";
    before(() => {
        root = tempDir(prefix);
        for (const [name, text] of Object.entries(files)) {
            fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
            fs.writeFileSync(path.join(root, name), text);
        }
    });
    after(() => fs.rmSync(root, { recursive: true, force: true }));
    return {
        get root() {
            return root;
        },
        path: (...parts: string[]) => path.join(root, ...parts),
    };
}

// Loads a stack's configuration the way the Pulumi CLI hands it to a program: Pulumi.yaml's
// declared keys and defaults, the stack file's values, objects as JSON strings, secure values
// marked secret. Offline, so `secure:` ciphertexts are replaced by a placeholder (never decrypted).
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { ConfigPathError, isPropertyPath, parsePropertyPath, pathValue, setAtPath } from "./config-path";

export interface ConfigDeclaration {
    type?: "string" | "integer" | "boolean" | "array";
    default?: unknown;
    secret?: boolean;
    description?: string;
}

export interface LoadedStackConfig {
    project: string;
    stack: string;
    stackFile: string;
    /** `<project>:<key>` -> string value, objects JSON-encoded, exactly as the engine passes them. */
    config: Record<string, string>;
    /** Fully qualified keys whose values are secret. */
    secretKeys: string[];
    declarations: Record<string, ConfigDeclaration>;
}

export class StackConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`Invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
        this.name = "StackConfigError";
    }
}

// Namespaces that belong to providers, not to this project (the CLI allows them in stack files).
const PROVIDER_NAMESPACES = new Set(["kubernetes", "docker", "random", "pulumi"]);

/** Placeholder handed to the program for a secure value that synth cannot (and must not) decrypt. */
export const SECURE_PLACEHOLDER = "synth-placeholder-not-a-real-secret";

function encode(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

function isSecure(value: unknown): boolean {
    return typeof value === "object" && value !== null && "secure" in value;
}

/** One `--set key=value`: the key may be a property path (`image.ref`), the value is the raw command-line text. */
export type ConfigOverride = readonly [key: string, value: string];

/**
 * Scalars the stack file states as something other than the string Pulumi.yaml declares, with the
 * text as written: YAML reads an unquoted 1.30 as the number 1.3, and the CLI hands the program
 * "1.3". Only the source text still has the user's "1.30".
 */
function unquotedScalars(doc: YAML.Document.Parsed): Map<string, { type: string; source: string }> {
    const found = new Map<string, { type: string; source: string }>();
    const config = doc.get("config", true);
    if (!YAML.isMap(config)) return found;
    for (const item of config.items) {
        if (!YAML.isScalar(item.key) || !YAML.isScalar(item.value)) continue;
        const value = item.value.value;
        if (typeof value === "number" || typeof value === "boolean") {
            found.set(String(item.key.value), { type: typeof value, source: item.value.source ?? String(value) });
        }
    }
    return found;
}

/** Applies the overrides like `pulumi config set [--path]`: top-level values are strings, path values typed. */
function applyOverrides(values: Record<string, unknown>, overrides: readonly ConfigOverride[], project: string, problems: string[], stack: string): void {
    const qualify = (key: string) => (key.includes(":") ? key : `${project}:${key}`);
    for (const [key, raw] of overrides) {
        if (!isPropertyPath(key)) {
            values[qualify(key)] = raw;
            continue;
        }
        try {
            const { key: top, segments } = parsePropertyPath(key);
            const fullKey = qualify(top);
            let current = values[fullKey];
            // An object set earlier as a top-level JSON string (`--set 'ingress={...}'`) is still an object.
            if (typeof current === "string") {
                try { current = JSON.parse(current); } catch { /* left as a string: setAtPath says it is not a map */ }
            }
            values[fullKey] = setAtPath(current, segments, pathValue(raw), `--set ${key}`);
        } catch (e) {
            if (!(e instanceof ConfigPathError)) throw e;
            problems.push(`${e.message} (stack ${stack})`);
        }
    }
}

export function readProject(projectDir: string): { name: string; declarations: Record<string, ConfigDeclaration> } {
    const file = path.join(projectDir, "Pulumi.yaml");
    const doc = YAML.parse(fs.readFileSync(file, "utf8"));
    if (!doc?.name) throw new StackConfigError([`${file} has no project name`]);
    return { name: doc.name, declarations: doc.config ?? {} };
}

/**
 * Reads Pulumi.<stack>.yaml (or `stackFile`), applies Pulumi.yaml defaults and `overrides` (like
 * `pulumi config set`, with `--path` semantics for keys such as `image.ref`), and refuses unknown
 * keys, plaintext values for keys declared secret, and unquoted numbers for keys declared strings.
 */
export function loadStackConfig(
    projectDir: string,
    stack: string,
    overrides: readonly ConfigOverride[] = [],
    options: { stackFile?: string; /** `key=value` set as secrets, like `pulumi config set --secret`. */ secrets?: readonly ConfigOverride[] } = {},
): LoadedStackConfig {
    const stackFile = options.stackFile;
    const { name: project, declarations } = readProject(projectDir);
    const file = stackFile ?? path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        throw new StackConfigError([`stack file ${file} not found (stack ${stack}); create it with \`pulumi stack init ${stack}\``]);
    }
    const doc = YAML.parseDocument(fs.readFileSync(file, "utf8"));
    if (doc.errors.length > 0) {
        throw new StackConfigError(doc.errors.map((e) => `${path.basename(file)} is not valid YAML: ${e.message.split("\n")[0]} (stack ${stack})`));
    }
    const raw: Record<string, unknown> = doc.toJS()?.config ?? {};
    const problems: string[] = [];
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];

    const values: Record<string, unknown> = { ...raw };
    applyOverrides(values, overrides, project, problems, stack);
    const secretOverrides = new Map<string, string>();
    for (const [key, value] of options.secrets ?? []) {
        const fullKey = key.includes(":") ? key : `${project}:${key}`;
        if (isPropertyPath(key)) problems.push(`--secret ${key}: a secret is a whole key, not a path (stack ${stack})`);
        else {
            secretOverrides.set(fullKey, value);
            values[fullKey] = { secure: "--secret" };
        }
    }
    for (const [fullKey, { type, source }] of unquotedScalars(doc)) {
        const [ns, key] = fullKey.includes(":") ? fullKey.split(/:(.*)/s, 2) : [project, fullKey];
        // Still the file's value (no --set replaced it), and a string was declared.
        if (ns === project && declarations[key]?.type === "string" && values[fullKey] === raw[fullKey]) {
            problems.push(`${fullKey} is the ${type} ${source} in ${path.basename(file)}, which YAML reads as ${String(raw[fullKey])}, but Pulumi.yaml declares a string; quote it: ${fullKey}: "${source}" (stack ${stack})`);
            delete values[fullKey];
        }
    }

    for (const [fullKey, value] of Object.entries(values)) {
        const [ns, key] = fullKey.includes(":") ? fullKey.split(/:(.*)/s, 2) : [project, fullKey];
        if (ns !== project) {
            if (!PROVIDER_NAMESPACES.has(ns)) problems.push(`${fullKey} uses an unknown namespace "${ns}" (stack ${stack})`);
            continue;
        }
        const decl = declarations[key];
        if (!decl) {
            problems.push(`${fullKey} is not declared in Pulumi.yaml (typo?); declared keys: ${Object.keys(declarations).join(", ")} (stack ${stack})`);
            continue;
        }
        if (isSecure(value)) {
            // A `secure:` ciphertext is never decrypted (a placeholder stands in); a --secret value is known.
            config[`${project}:${key}`] = secretOverrides.get(fullKey) ?? SECURE_PLACEHOLDER;
            secretKeys.push(`${project}:${key}`);
            continue;
        }
        if (decl.secret) {
            problems.push(`${fullKey} is declared secret in Pulumi.yaml but stored in plaintext; set it with \`pulumi config set --secret ${key}\` (stack ${stack})`);
            continue;
        }
        config[`${project}:${key}`] = encode(value);
    }
    for (const [key, decl] of Object.entries(declarations)) {
        const fullKey = `${project}:${key}`;
        if (!(fullKey in config) && !secretKeys.includes(fullKey) && decl.default !== undefined) {
            config[fullKey] = encode(decl.default);
        }
    }
    if (problems.length > 0) throw new StackConfigError(problems);
    return { project, stack, stackFile: file, config, secretKeys, declarations };
}

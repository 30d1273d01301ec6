// Loads a stack's configuration the way the Pulumi CLI hands it to a program: Pulumi.yaml's
// declared keys and defaults, the stack file's values, objects as JSON strings, secure values
// marked secret. Offline, so `secure:` ciphertexts are replaced by a placeholder (never decrypted).
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";

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

export function readProject(projectDir: string): { name: string; declarations: Record<string, ConfigDeclaration> } {
    const file = path.join(projectDir, "Pulumi.yaml");
    const doc = YAML.parse(fs.readFileSync(file, "utf8"));
    if (!doc?.name) throw new StackConfigError([`${file} has no project name`]);
    return { name: doc.name, declarations: doc.config ?? {} };
}

/**
 * Reads Pulumi.<stack>.yaml (or `stackFile`), applies Pulumi.yaml defaults and `overrides`
 * (`key` -> value, parsed as YAML like `pulumi config set --path` would), and refuses unknown keys
 * and plaintext values for keys declared secret.
 */
export function loadStackConfig(projectDir: string, stack: string, overrides: Record<string, unknown> = {}, stackFile?: string): LoadedStackConfig {
    const { name: project, declarations } = readProject(projectDir);
    const file = stackFile ?? path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        throw new StackConfigError([`stack file ${file} not found (stack ${stack}); create it with \`pulumi stack init ${stack}\``]);
    }
    const raw: Record<string, unknown> = YAML.parse(fs.readFileSync(file, "utf8"))?.config ?? {};
    const problems: string[] = [];
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];

    const values: Record<string, unknown> = { ...raw };
    for (const [key, value] of Object.entries(overrides)) {
        values[key.includes(":") ? key : `${project}:${key}`] = value;
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
            config[`${project}:${key}`] = SECURE_PLACEHOLDER;
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

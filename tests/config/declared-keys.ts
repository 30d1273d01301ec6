// Config keys and stack values for the config tests. The keys as each place declares them, as leaf paths ("ingress.gateway.name",
// "networkPolicy.extraEgress[].ports[].port"): Pulumi.yaml (top-level declarations, and the nested
// keys its descriptions list in braces) and config.ts's zod schema. Shared by the config-keys test
// and the engine tier's CLI check, which writes every declared nested key with the real CLI; and the
// stack files' values as the program reads them, with `--path`-style edits.
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { CONFIG_SCHEMA_SHAPE, ConfigError, KEY_KINDS, numberFieldOf, validateConfig } from "../../config";
import { parsePropertyPath, setAtPath } from "../../scripts/lib/config-path";
import { loadStackConfig } from "../../scripts/lib/stack-config";

export const ROOT = path.resolve(__dirname, "../..");

export interface Declaration {
    type?: string;
    default?: unknown;
    secret?: boolean;
    description?: string;
}

export function pulumiYamlDeclarations(root = ROOT): Record<string, Declaration> {
    return YAML.parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")).config;
}

/** Splits at commas outside braces and brackets. */
function topLevelParts(text: string): string[] {
    const parts: string[] = [];
    let depth = 0;
    let start = 0;
    for (let i = 0; i < text.length; i++) {
        const ch = text[i];
        if (ch === "{" || ch === "[") depth++;
        else if (ch === "}" || ch === "]") depth--;
        else if (ch === "," && depth === 0) {
            parts.push(text.slice(start, i));
            start = i + 1;
        }
    }
    parts.push(text.slice(start));
    return parts.map((p) => p.trim()).filter((p) => p !== "");
}

/** The balanced `{...}` or `[...]` starting at `open`. */
function balanced(text: string, open: number): string {
    let depth = 0;
    for (let i = open; i < text.length; i++) {
        if (text[i] === "{" || text[i] === "[") depth++;
        else if (text[i] === "}" || text[i] === "]") depth--;
        if (depth === 0) return text.slice(open, i + 1);
    }
    throw new Error(`unbalanced braces in ${JSON.stringify(text)}`);
}

/** Leaf paths of a brace shape: `{a, b: {c}, d: [{e}]}` -> a, b.c, d[].e; `x: a|b` is a leaf. */
export function shapeLeaves(shape: string, prefix: string): string[] {
    if (shape.startsWith("[")) return shapeLeaves(shape.slice(1, -1).trim(), `${prefix}[]`);
    if (!shape.startsWith("{")) return [prefix];
    const leaves: string[] = [];
    for (const part of topLevelParts(shape.slice(1, -1))) {
        const colon = part.indexOf(":");
        const name = (colon < 0 ? part : part.slice(0, colon)).trim();
        const rest = colon < 0 ? "" : part.slice(colon + 1).trim();
        const child = prefix === "" ? name : `${prefix}.${name}`;
        leaves.push(...(rest.startsWith("{") || rest.startsWith("[") ? shapeLeaves(rest, child) : [child]));
    }
    return leaves;
}

/** Nested keys of a structured key, from its description's first brace shape; the key itself when there is none. */
export function describedLeaves(key: string, description = ""): string[] {
    const open = description.search(/[{[]/);
    return open < 0 ? [key] : shapeLeaves(balanced(description, open), key);
}

/** Every leaf Pulumi.yaml declares: scalar keys, and the nested keys of structured ones. */
export function pulumiYamlLeaves(root = ROOT): string[] {
    return Object.entries(pulumiYamlDeclarations(root)).flatMap(([key, d]) => (d.type === undefined ? describedLeaves(key, d.description) : [key]));
}

interface ZodDef { type: string; shape?: Record<string, unknown>; element?: unknown; innerType?: unknown; in?: unknown }
const def = (schema: unknown): ZodDef => (schema as { _zod: { def: ZodDef } })._zod.def;

/** Leaf paths of a zod schema, with the schema of each leaf. */
export function schemaLeaves(schema: unknown, prefix: string): Array<[string, unknown]> {
    const d = def(schema);
    if (numberFieldOf(schema) !== undefined) return [[prefix, schema]];
    switch (d.type) {
        case "default": case "optional": case "nullable": case "prefault":
            return schemaLeaves(d.innerType, prefix);
        case "object":
            return Object.entries(d.shape!).flatMap(([k, s]) => schemaLeaves(s, prefix === "" ? k : `${prefix}.${k}`));
        case "array":
            return ["object", "default", "optional"].includes(def(d.element).type) ? schemaLeaves(d.element, `${prefix}[]`) : [[prefix, schema]];
        default:
            return [[prefix, schema]];
    }
}

/** Every leaf of config.ts's schema (secrets are declared apart, in KEY_KINDS). */
export function configSchemaLeaves(): Array<[string, unknown]> {
    return Object.entries(CONFIG_SCHEMA_SHAPE).flatMap(([key, schema]) => schemaLeaves(schema, key));
}

// ---------------------------------------------------------------- stack values as the program reads them

/** A stack file's values as config.ts reads them (scalars as the engine's strings, objects parsed), secrets left out. */
export function stackRaw(stack: string, root = ROOT): Record<string, unknown> {
    const { config } = loadStackConfig(root, stack);
    const raw: Record<string, unknown> = {};
    for (const [fullKey, value] of Object.entries(config)) {
        const key = fullKey.replace(/^websvc:/, "") as keyof typeof KEY_KINDS;
        const kind = KEY_KINDS[key];
        if (kind === "secret") continue;
        raw[key] = kind === "string" || kind === "integer" ? value : JSON.parse(value);
    }
    return raw;
}

/** `raw` with `value` set at a `--path` key (`a.b[0].c`), the way `pulumi config set --path` sets it. */
export function setPath(raw: Record<string, unknown>, propertyPath: string, value: unknown): void {
    const { key, segments } = parsePropertyPath(propertyPath);
    raw[key] = setAtPath(raw[key], segments, value, propertyPath);
}

/** `raw` without the value at a `--path` key, like `pulumi config rm --path`. */
export function removePath(raw: Record<string, unknown>, propertyPath: string): void {
    const { key, segments } = parsePropertyPath(propertyPath);
    if (segments.length === 0) {
        delete raw[key];
        return;
    }
    let cur = raw[key] as Record<string | number, unknown> | undefined;
    for (const s of segments.slice(0, -1)) cur = cur?.[s] as Record<string | number, unknown> | undefined;
    if (cur) delete cur[segments[segments.length - 1]];
}

/** The problems config.ts finds in `raw` on `stack` (none: []). */
export function configProblems(raw: Record<string, unknown>, stack: string): string[] {
    try {
        validateConfig(raw, stack, "websvc");
        return [];
    } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        return e.problems;
    }
}

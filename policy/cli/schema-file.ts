// Reads a YAML or JSON file the checker is given (config file, baseline) and validates it with
// ajv against a JSON Schema; a bad file is refused naming the file and the key.
import * as fs from "fs";
import { PolicyConfigError } from "./checker";
import { parseFast } from "./yaml-fast";
import { parseCompat } from "./yaml-compat";

type AjvInstance = import("ajv").default;
let ajv: AjvInstance | undefined;
const schemaAjv = (): AjvInstance => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- ajv loaded on the first schema file only
    const Ajv = require("ajv").default as typeof import("ajv").default;
    return (ajv ??= new Ajv({ allErrors: true, strict: true }));
};

/** The file's content (JSON, or YAML read as Kubernetes reads it) checked against `schema`. */
export function readSchemaFile<T>(file: string, what: string, schema: object): T {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new PolicyConfigError(`${file}: cannot read ${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const value = readDocument(text, file, what);
    const validate = schemaAjv().compile(schema);
    if (!validate(value)) {
        const problems = (validate.errors ?? []).map((e) => {
            const key = e.instancePath.replace(/^\//, "").replace(/\//g, ".") || "(top level)";
            const extra = e.keyword === "additionalProperties" ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"` : "";
            const allowed = e.keyword === "enum" ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.join(", ")})` : "";
            return `key ${key}: ${e.message}${extra}${allowed}`;
        });
        throw new PolicyConfigError(`${file}: invalid ${what}: ${problems.join("; ")}`);
    }
    return value as T;
}

function readDocument(text: string, file: string, what: string): unknown {
    const outcome = parseFast(text) ?? parseCompat(text);
    if ("error" in outcome) throw new PolicyConfigError(`${file}: cannot read ${what}: ${outcome.error}`);
    if (outcome.docs.length !== 1) throw new PolicyConfigError(`${file}: ${what} must hold one document, not ${outcome.docs.length}`);
    return outcome.docs[0].value;
}

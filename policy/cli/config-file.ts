// `.k8s-policy-check.yaml`: the checker's options in a file (named after the bin, as
// `.kube-linter.yaml` is), found from the working directory upwards, or given with
// `--config-file`. It holds what the flags hold; a flag given on the command line wins over the
// file. Paths in it (pack config, baseline) are relative to the file. A bad file is refused naming
// the file and the key (ajv, JSON Schema below).
import * as fs from "fs";
import * as path from "path";
import { SEVERITIES } from "./checker";
import { FORMATS } from "./formats";
import { readSchemaFile } from "./schema-file";
import { FRAMEWORK_IDS } from "../lib/frameworks";

export const CONFIG_FILE_NAME = ".k8s-policy-check.yaml";

/** The file's keys, named as the long flags are (camelCase). */
export interface ConfigFileOptions {
    format?: string;
    only?: string;
    skip?: string;
    kubernetesVersion?: string;
    config?: string;
    stackTag?: string[];
    failOn?: string;
    softFail?: boolean;
    ignorePath?: string[];
    disallowAnnotationExemptions?: boolean;
    allowEmpty?: boolean;
    baseline?: string;
    policyModule?: string[];
    framework?: string;
}

const stringList = { type: "array", items: { type: "string" } };
const SCHEMA = {
    type: "object",
    additionalProperties: false,
    properties: {
        format: { enum: [...FORMATS] },
        only: { type: "string" },
        skip: { type: "string" },
        kubernetesVersion: { type: "string", pattern: "^1\\.\\d{1,2}$" },
        config: { type: "string" },
        stackTag: stringList,
        failOn: { enum: [...SEVERITIES] },
        softFail: { type: "boolean" },
        ignorePath: stringList,
        disallowAnnotationExemptions: { type: "boolean" },
        allowEmpty: { type: "boolean" },
        baseline: { type: "string" },
        policyModule: stringList,
        framework: { enum: [...FRAMEWORK_IDS] },
    },
};

/** The nearest `.k8s-policy-check.yaml` from `dir` upwards, if any. */
export function findConfigFile(dir: string = process.cwd()): string | undefined {
    for (let d = path.resolve(dir); ; d = path.dirname(d)) {
        const candidate = path.join(d, CONFIG_FILE_NAME);
        if (fs.existsSync(candidate)) return candidate;
        if (path.dirname(d) === d) return undefined;
    }
}

/** The file's options, paths made relative to the working directory; throws PolicyConfigError naming file and key. */
export function loadConfigFile(file: string): ConfigFileOptions {
    const options = readSchemaFile<ConfigFileOptions>(file, "checker config", SCHEMA) ?? {};
    const here = (p: string) => path.relative(process.cwd(), path.resolve(path.dirname(file), p)) || ".";
    // A module path relative to the file; a package name (no ./ or /) stays as it is.
    const module = (m: string) => (m.startsWith(".") || m.includes("/") && !m.startsWith("@") ? here(m) : m);
    return {
        ...options,
        ...(options.config ? { config: here(options.config) } : {}),
        ...(options.baseline ? { baseline: here(options.baseline) } : {}),
        ...(options.policyModule ? { policyModule: options.policyModule.map(module) } : {}),
    };
}

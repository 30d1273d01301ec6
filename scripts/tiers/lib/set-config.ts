// Edits the temp copies of the program's YAML for the engine tiers (scripts/tiers/test-engine.sh,
// tests/tiers/engine/cli-config.test.ts), as a command or as functions:
//   set-config.ts config <Pulumi.stack.yaml> <project> key=<JSON value> ...
//       plain (non-secret) config values, as JSON so objects and lists keep their types
//   set-config.ts runtime-options <Pulumi.yaml> <option,option,...>
//       drops runtime options the language host does not declare as flags (it exits on unknown ones)
//   set-config.ts defaults
//       prints `key=<JSON>` per line: config.ts's defaults for the keys a stack may leave unset
//       (schemaDefaults), for a CLI that requires them (v3.171.0); instead of restating them in bash
import * as fs from "fs";
import YAML from "yaml";
import { schemaDefaults } from "../../../config";

function edit(file: string, change: (doc: YAML.Document) => void): void {
    const doc = YAML.parseDocument(fs.readFileSync(file, "utf8"));
    change(doc);
    fs.writeFileSync(file, doc.toString());
}

/** Sets plain config values (`<project>:<key>`) in a stack file, objects and lists as such. */
export function setStackConfig(file: string, project: string, values: Record<string, unknown>): void {
    edit(file, (doc) => {
        for (const [key, value] of Object.entries(values)) doc.setIn(["config", `${project}:${key}`], doc.createNode(value));
    });
}

/** Drops the runtime options of a Pulumi.yaml that are not among `known`; returns what it dropped. */
export function dropUnknownRuntimeOptions(file: string, known: ReadonlySet<string>): string[] {
    const dropped: string[] = [];
    edit(file, (doc) => {
        const options = doc.getIn(["runtime", "options"]) as YAML.YAMLMap | undefined;
        for (const item of [...(options?.items ?? [])]) {
            const key = String((item.key as YAML.Scalar).value);
            if (!known.has(key)) {
                options!.delete(key);
                dropped.push(key);
            }
        }
    });
    return dropped;
}

function main(): void {
    const [cmd, file, ...rest] = process.argv.slice(2);
    if (cmd === "config" && file && rest.length >= 2) {
        const [project, ...pairs] = rest;
        const values: Record<string, unknown> = {};
        for (const pair of pairs) {
            const eq = pair.indexOf("=");
            values[pair.slice(0, eq)] = JSON.parse(pair.slice(eq + 1));
        }
        setStackConfig(file, project, values);
    } else if (cmd === "runtime-options" && file && rest.length === 1) {
        for (const key of dropUnknownRuntimeOptions(file, new Set(rest[0].split(",")))) console.log(`dropped runtime option ${key} (unknown to this language host)`);
    } else if (cmd === "defaults" && file === undefined) {
        for (const [key, value] of Object.entries(schemaDefaults())) console.log(`${key}=${JSON.stringify(value)}`);
    } else {
        console.error("usage: set-config.ts config <Pulumi.stack.yaml> <project> key=<json> ... | runtime-options <Pulumi.yaml> <a,b,...> | defaults");
        process.exit(2);
    }
}

if (require.main === module) main();

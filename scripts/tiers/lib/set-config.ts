// Edits the temp copies of the program's YAML for scripts/tiers/test-engine.sh:
//   set-config.ts config <Pulumi.stack.yaml> <project> key=<JSON value> ...
//       plain (non-secret) config values, as JSON so objects and lists keep their types
//   set-config.ts runtime-options <Pulumi.yaml> <option,option,...>
//       drops runtime options the language host does not declare as flags (it exits on unknown ones)
import * as fs from "fs";
import YAML from "yaml";

function edit(file: string, change: (doc: YAML.Document) => void): void {
    const doc = YAML.parseDocument(fs.readFileSync(file, "utf8"));
    change(doc);
    fs.writeFileSync(file, doc.toString());
}

const [cmd, file, ...rest] = process.argv.slice(2);
if (cmd === "config" && file && rest.length >= 2) {
    const [project, ...pairs] = rest;
    edit(file, (doc) => {
        for (const pair of pairs) {
            const eq = pair.indexOf("=");
            doc.setIn(["config", `${project}:${pair.slice(0, eq)}`], doc.createNode(JSON.parse(pair.slice(eq + 1))));
        }
    });
} else if (cmd === "runtime-options" && file && rest.length === 1) {
    const known = new Set(rest[0].split(","));
    edit(file, (doc) => {
        const options = doc.getIn(["runtime", "options"]) as YAML.YAMLMap | undefined;
        for (const item of [...(options?.items ?? [])]) {
            const key = String((item.key as YAML.Scalar).value);
            if (!known.has(key)) {
                options!.delete(key);
                console.log(`dropped runtime option ${key} (unknown to this language host)`);
            }
        }
    });
} else {
    console.error("usage: set-config.ts config <Pulumi.stack.yaml> <project> key=<json> ... | runtime-options <Pulumi.yaml> <a,b,...>");
    process.exit(2);
}

// What scripts/image.sh reads from files, in TypeScript rather than inline `node -e` programs:
//   repository          the repository part of the production stack's image.ref (tag and digest dropped)
//   sbom-summary FILE   a CycloneDX SBOM's components counted by package type ("12 deb, 230 npm")
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { parseImageReference } from "../../components/lib/image-reference";

const ROOT = path.resolve(__dirname, "../..");

/** The repository of `Pulumi.<stack>.yaml`'s websvc:image.ref ("" when the stack sets no ref). */
export function stackRepository(root = ROOT, stack = "production"): string {
    const config = YAML.parse(fs.readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8"))?.config ?? {};
    const ref = (config["websvc:image"] as { ref?: string } | undefined)?.ref;
    return ref ? parseImageReference(ref).repository : "";
}

/** Component counts by package-URL type (the component's own type when it has no purl), in order of first appearance. */
export function sbomSummary(bom: { components?: Array<{ type?: string; purl?: string }> }): string {
    const counts = new Map<string, number>();
    for (const c of bom.components ?? []) {
        const type = /^pkg:([a-z]+)\//.exec(c.purl ?? "")?.[1] ?? c.type ?? "unknown";
        counts.set(type, (counts.get(type) ?? 0) + 1);
    }
    return [...counts].map(([type, n]) => `${n} ${type}`).join(", ");
}

if (require.main === module) {
    const [command, file] = process.argv.slice(2);
    if (command === "repository") console.log(stackRepository());
    else if (command === "sbom-summary" && file) console.log(sbomSummary(JSON.parse(fs.readFileSync(file, "utf8"))));
    else {
        console.error("usage: info.ts repository | sbom-summary <file>");
        process.exit(1);
    }
}

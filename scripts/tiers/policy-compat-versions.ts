// The @pulumi/policy versions scripts/tiers/policy-compat.sh tests by default: the oldest and the
// newest published version inside the pack's declared peer range.
// Usage: ts-node scripts/tiers/policy-compat-versions.ts <published versions as npm view's JSON>
import * as fs from "fs";
import * as path from "path";
import semver from "semver";

/** The range's lower bound (which must be published) and the newest published version inside it. */
export function compatVersions(range: string, published: readonly string[]): string[] {
    const oldest = semver.minVersion(range)?.version;
    if (oldest === undefined || !published.includes(oldest)) throw new Error(`range ${range}: its lower bound ${oldest} is not published`);
    const newest = semver.maxSatisfying([...published], range);
    return [...new Set([oldest, newest ?? oldest])];
}

if (require.main === module) {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "../../policy/package.json"), "utf8")) as { peerDependencies: Record<string, string> };
    console.log(compatVersions(pkg.peerDependencies["@pulumi/policy"], JSON.parse(process.argv[2] ?? "[]") as string[]).join(" "));
}

// Release readiness of policy/ as the npm package @websvc/k8s-policy-pack.
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as semver from "semver";
import { withReferenceTable } from "../../policy/scripts/reference-table";
import { ensureCheckerBuilt, POLICY_DIR } from "./support";

const pkg = JSON.parse(fs.readFileSync(path.join(POLICY_DIR, "package.json"), "utf8")) as {
    version: string;
    main: string;
    bin: Record<string, string>;
    files: string[];
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
    peerDependencies: Record<string, string>;
};

/**
 * What a consumer needs: the compiled pack and checker (JavaScript and .d.ts for every source of
 * the pack), the configs and the docs; never TypeScript sources, tests, bench or tooling scripts.
 */
function expectedPackageFiles(): string[] {
    const sourcesIn = (dir: string): string[] =>
        fs.readdirSync(path.join(POLICY_DIR, dir), { withFileTypes: true }).flatMap((e) =>
            e.isDirectory() ? sourcesIn(`${dir}/${e.name}`) : e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [`${dir}/${e.name}`] : []);
    const compiled = ["index.ts", "check.ts", "run.ts", ...sourcesIn("cli"), ...sourcesIn("lib"), ...sourcesIn("policies")]
        .flatMap((ts) => [`dist/${ts.replace(/\.ts$/, ".js")}`, `dist/${ts.replace(/\.ts$/, ".d.ts")}`]);
    const configs = fs.readdirSync(path.join(POLICY_DIR, "config")).filter((f) => f.endsWith(".json")).map((f) => `config/${f}`);
    // The README links to the docs, so they ship with it.
    const docs = fs.readdirSync(path.join(POLICY_DIR, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`);
    return ["CHANGELOG.md", "PulumiPolicy.yaml", "README.md", "package.json", ...compiled, ...configs, ...docs].sort();
}

// Versions scripts/tiers/policy-compat.sh runs the tests against (see policy/README.md, Compatibility).
const TESTED_POLICY_SDK = { oldest: "1.21.0", newest: "1.21.0" };

describe("policy pack release readiness", function () {
    this.timeout(60000);

    it("`npm pack` ships exactly the compiled pack and checker (.js and .d.ts), the configs and the docs", () => {
        ensureCheckerBuilt();
        const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: POLICY_DIR, encoding: "utf8" });
        const packed = (JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0].files.map((f) => f.path).sort();
        assert.deepEqual(packed, expectedPackageFiles());
    });

    it("runs without ts-node: main and bin are compiled JavaScript, TypeScript tooling is a dev dependency only", () => {
        assert.equal(pkg.main, "dist/index.js");
        assert.deepEqual(pkg.bin, { "k8s-policy-check": "dist/cli/bin.js" });
        for (const tool of ["ts-node", "typescript"]) {
            assert.ok(!(tool in pkg.dependencies), `${tool} must not be a runtime dependency`);
            assert.ok(tool in pkg.devDependencies, `${tool} builds the package`);
        }
        ensureCheckerBuilt();
        assert.match(fs.readFileSync(path.join(POLICY_DIR, pkg.bin["k8s-policy-check"]), "utf8"), /^#!\/usr\/bin\/env node\n/);
    });

    it("has a semantic version with a CHANGELOG entry for it", () => {
        assert.ok(semver.valid(pkg.version), pkg.version);
        const changelog = fs.readFileSync(path.join(POLICY_DIR, "CHANGELOG.md"), "utf8");
        assert.match(changelog, new RegExp(`^## \\[${pkg.version.replace(/\./g, "\\.")}\\] - \\d{4}-\\d{2}-\\d{2}$`, "m"));
    });

    it("declares the @pulumi/policy range it is tested with, and pins a version inside it", () => {
        const range = pkg.peerDependencies["@pulumi/policy"];
        assert.ok(semver.validRange(range), range);
        assert.equal(semver.minVersion(range)?.version, TESTED_POLICY_SDK.oldest);
        assert.ok(semver.satisfies(TESTED_POLICY_SDK.newest, range));
        // 1.20.0 does not export unknownCheckingProxy from its root, which lib/args.ts imports
        // (scripts/tiers/policy-compat.sh 1.20.0 fails); 1.15.0 also lacks notApplicable and stackTags.
        assert.ok(!semver.satisfies("1.20.0", range));
        assert.ok(!semver.satisfies("1.15.0", range));
        // lib/args.ts loads private modules (server, proxy, policy, deserialize): the range stops at
        // the tested minor (policy/test/runtime-internals.test.ts names what it loads).
        assert.ok(!semver.satisfies("1.22.0", range));
        assert.ok(semver.satisfies(pkg.dependencies["@pulumi/policy"], range));
    });

    it("README's policy reference table is generated from the current metadata and configs", () => {
        const readme = fs.readFileSync(path.join(POLICY_DIR, "README.md"), "utf8");
        assert.equal(readme, withReferenceTable(readme), "stale: run `npm run --prefix policy reference-table -- --write`");
    });

    it("README documents local use, publishing, enabling with a config, and the checker", () => {
        const readme = fs.readFileSync(path.join(POLICY_DIR, "README.md"), "utf8");
        for (const command of [
            "pulumi preview --policy-pack policy --policy-pack-config policy/config/production.json",
            "pulumi policy publish",
            "pulumi policy enable",
            "npm run --silent policy:check --",
        ]) {
            assert.ok(readme.includes(command), `README should show \`${command}\``);
        }
    });
});

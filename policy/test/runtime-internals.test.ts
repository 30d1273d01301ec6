// lib/args.ts builds policy args with private modules of @pulumi/policy (proxy, server, policy,
// deserialize) that its semver does not cover. The peer range is therefore the minor tested here
// and by scripts/tiers/policy-compat.sh; this suite names each internal the pack relies on, so a
// version that moves one fails here first, with the module and member named.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { peerDependencies: Record<string, string> };

/** module -> the members lib/args.ts reads from it, and their types. */
const INTERNALS: Record<string, Record<string, "function" | "string">> = {
    "@pulumi/policy/proxy": { unknownCheckingProxy: "function", UnknownValueError: "function", unknownStringValue: "string", unknownNumberValue: "string", unknownBooleanValue: "string", unknownArrayValue: "string", unknownObjectValue: "string" },
    "@pulumi/policy/server": { makeAnalyzeRpcFun: "function" },
    "@pulumi/policy/policy": { getPulumiType: "function" },
    "@pulumi/policy/deserialize": { deserializeProperties: "function" },
};

describe("@pulumi/policy internals the pack loads", () => {
    const installed = (JSON.parse(fs.readFileSync(require.resolve("@pulumi/policy/package.json"), "utf8")) as { version: string }).version.replace(/^v/, "");

    it(`the installed @pulumi/policy (${installed}) is inside the declared peer range`, () => {
        // Parsed by hand: the range is ">=A.B.C <A.(B+1).0", one tested minor (semver is not a dependency of the pack).
        const m = /^>=(\d+)\.(\d+)\.(\d+) <(\d+)\.(\d+)\.0$/.exec(pkg.peerDependencies["@pulumi/policy"]);
        assert.ok(m, `peer range ${pkg.peerDependencies["@pulumi/policy"]} is not ">=A.B.C <A.(B+1).0"`);
        const [major, minor, patch] = installed.split(".").map(Number);
        assert.deepEqual([major, minor], [Number(m[1]), Number(m[2])], `${installed} is outside ${m[0]}`);
        assert.ok(patch >= Number(m[3]), `${installed} is below ${m[0]}`);
        assert.deepEqual([Number(m[4]), Number(m[5])], [Number(m[1]), Number(m[2]) + 1], `${m[0]} spans more than the tested minor`);
    });

    for (const [module, members] of Object.entries(INTERNALS)) {
        it(`${module} has ${Object.keys(members).join(", ")}`, function () {
            this.timeout(60_000); // server loads @pulumi/pulumi and gRPC
            // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module under test, by name
            const loaded = require(module) as Record<string, unknown>;
            const wrong = Object.entries(members).filter(([name, type]) => typeof loaded[name] !== type).map(([name, type]) => `${name}: ${typeof loaded[name]}, expected ${type}`);
            assert.deepEqual(wrong, []);
        });
    }
});

// The pack is installed as a packed copy (.npmrc install-links), which `npm install` does not
// refresh when ../../policy changes. Fail loudly instead of testing a stale copy.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";

const SOURCE = path.resolve(__dirname, "../../../policy");
const INSTALLED = path.dirname(require.resolve("@websvc/k8s-policy-pack/package.json"));

function filesUnder(dir: string, rel = ""): string[] {
    return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? filesUnder(dir, path.join(rel, e.name)) : [path.join(rel, e.name)],
    );
}

describe("installed policy pack", () => {
    it("is a packed copy, not a symlink into the repository", () => {
        assert.ok(!fs.lstatSync(INSTALLED).isSymbolicLink());
    });

    it("matches ../../policy file for file (else run `npm run refresh-pack`)", () => {
        const stale = filesUnder(INSTALLED)
            .filter((f) => f !== "package.json")
            .filter((f) => !fs.existsSync(path.join(SOURCE, f)) || !fs.readFileSync(path.join(SOURCE, f)).equals(fs.readFileSync(path.join(INSTALLED, f))));
        assert.deepEqual(stale, [], "installed copy differs from ../../policy: run `npm run refresh-pack`");
    });
});

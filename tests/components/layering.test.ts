// Data flows one way: config -> components -> objects -> policy. A component that imports config.ts
// (or the program) is an arrow back up: the component would read the stack instead of its args.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");
const COMPONENTS = path.join(ROOT, "components");
const UPSTREAM = [path.join(ROOT, "config.ts"), path.join(ROOT, "index.ts")];

function sources(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
}

/** Relative module specifiers a file imports, re-exports or requires. */
function relativeImports(file: string): string[] {
    const text = fs.readFileSync(file, "utf8");
    const found = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']+)["']/gm)].map((m) => m[1]);
    return found.map((spec) => path.resolve(path.dirname(file), spec)).map((p) => (p.endsWith(".ts") ? p : `${p}.ts`));
}

describe("layering", () => {
    const files = sources(COMPONENTS);
    it("finds the component sources", () => assert.ok(files.length >= 10, String(files.length)));

    for (const file of files) {
        it(`${path.relative(ROOT, file)} imports nothing above components/ (no config.ts, no index.ts)`, () => {
            const imports = relativeImports(file);
            assert.deepEqual(imports.filter((i) => UPSTREAM.includes(i) || !i.startsWith(COMPONENTS + path.sep)).map((i) => path.relative(ROOT, i)), []);
        });
    }

    it("the check sees an arrow back up when there is one", () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "layering-"));
        const probe = path.join(tmp, "components", "lib", "probe.ts");
        fs.mkdirSync(path.dirname(probe), { recursive: true });
        fs.writeFileSync(probe, 'import { loadConfig } from "../../config";\nexport type { X } from "./x";\nconst y = require("../../index");\n');
        assert.deepEqual(relativeImports(probe), [path.join(tmp, "config.ts"), path.join(tmp, "components", "lib", "x.ts"), path.join(tmp, "index.ts")]);
    });
});

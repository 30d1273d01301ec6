// What scripts/image.sh reads from files (scripts/image/info.ts): the image's repository from a
// stack file, and the SBOM's package counts it logs.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { sbomSummary, stackRepository } from "../../scripts/image/info";

describe("image.sh's file readers (scripts/image/info.ts)", () => {
    const withStack = (yaml: string, fn: (root: string) => void) => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "image-info-"));
        try {
            fs.writeFileSync(path.join(root, "Pulumi.production.yaml"), yaml);
            fn(root);
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    };

    it("the repository of image.ref, without its tag and digest (a registry port kept)", () => {
        const digest = `sha256:${"a".repeat(64)}`;
        for (const [ref, repository] of [
            [`ghcr.io/acme/websvc@${digest}`, "ghcr.io/acme/websvc"],
            [`registry.local:5000/team/app:1.2.3@${digest}`, "registry.local:5000/team/app"],
            ["registry.local:5000/app:1.2.3", "registry.local:5000/app"],
        ]) withStack(`config:\n  websvc:image:\n    ref: ${ref}\n`, (root) => assert.equal(stackRepository(root), repository, ref));
    });

    it("no repository when the stack sets no image.ref (image.sh then asks for IMAGE_REPOSITORY)", () => {
        withStack("config:\n  websvc:image:\n    build:\n      repository: x\n", (root) => assert.equal(stackRepository(root), ""));
        withStack("config: {}\n", (root) => assert.equal(stackRepository(root), ""));
    });

    it("the production stack file names a repository", () => {
        assert.match(stackRepository(), /^[a-z0-9.-]+(:\d+)?\/[a-z0-9/._-]+$/);
    });

    it("counts SBOM components by package-URL type, falling back to the component type", () => {
        const bom = { components: [
            { purl: "pkg:deb/debian/libc6@2.36" }, { purl: "pkg:npm/express@4.21.2" }, { purl: "pkg:deb/debian/tzdata@2024a" },
            { type: "operating-system" }, { purl: "not-a-purl", type: "file" },
        ] };
        assert.equal(sbomSummary(bom), "2 deb, 1 npm, 1 operating-system, 1 file");
        assert.equal(sbomSummary({}), "");
    });
});

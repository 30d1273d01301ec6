// The image's SBOM (CycloneDX JSON written by syft, `npm run image -- sbom`), checked against the
// image itself: dpkg's database, the lockfile's production tree, the Node release of the base.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseImageReference } from "../../components/lib/image-reference";
import { APP_LOCKFILE, standinBaseRef } from "./support/base";
import { builtImageRef, describeImage, SKIP_REASON, withRootfs } from "./support/buildah";
import { lockedPackages } from "./support/nodeModules";
import { dpkgInstalled } from "./support/rootfs";

interface Component {
  type: string;
  name: string;
  version?: string;
  purl?: string;
}

interface CycloneDx {
  bomFormat: string;
  specVersion: string;
  metadata: { component?: Component };
  components: Component[];
}

const purlType = (c: Component) => /^pkg:([a-z]+)\//.exec(c.purl ?? "")?.[1];

describeImage(`built image: SBOM${SKIP_REASON}`, () => {
  let sbom: CycloneDx;
  before(() => {
    const file = process.env.WEBSVC_SBOM;
    if (!file) throw new Error("WEBSVC_SBOM is not set (scripts/image.sh writes the SBOM and sets it)");
    sbom = JSON.parse(readFileSync(file, "utf8")) as CycloneDx;
  });

  it("is a CycloneDX JSON document that names the built image by its digest", () => {
    const ref = parseImageReference(builtImageRef());
    assert.equal(sbom.bomFormat, "CycloneDX");
    assert.equal(sbom.metadata.component?.name, ref.repository);
    assert.equal(sbom.metadata.component?.version, ref.digest);
  });

  it("lists every Debian package dpkg records as installed in the image, at its version", () => {
    const installed = withRootfs(builtImageRef(), dpkgInstalled);
    const listed = new Map(sbom.components.filter((c) => purlType(c) === "deb").map((c) => [c.name, c.version]));
    assert.ok(installed.size > 50, `only ${installed.size} dpkg packages`);
    assert.deepEqual([...installed].filter(([name, version]) => listed.get(name) !== version), []);
    assert.equal(listed.size, installed.size);
  });

  it("lists the app's production dependencies at their lockfile versions and no dev dependency", () => {
    const locked = lockedPackages(APP_LOCKFILE);
    const nameOf = (rel: string) => rel.slice(rel.lastIndexOf("node_modules/") + 13);
    const listed = new Set(sbom.components.filter((c) => purlType(c) === "npm").map((c) => `${c.name}@${c.version}`));
    for (const [rel, version] of locked.required) assert.ok(listed.has(`${nameOf(rel)}@${version}`), `${nameOf(rel)}@${version} missing`);
    for (const [rel, version] of locked.dev) assert.ok(!listed.has(`${nameOf(rel)}@${version}`), `dev dependency ${nameOf(rel)} listed`);
  });

  it("lists the Node.js runtime at the base image's release", () => {
    const nodeVersion = /^node:(\d+\.\d+\.\d+)/.exec(standinBaseRef())?.[1];
    assert.ok(sbom.components.some((c) => c.name === "node" && c.version === nodeVersion), `node ${nodeVersion} not listed`);
  });
});

// The built image's runtime file system, read from its mounted root file system.
import assert from "node:assert/strict";
import { existsSync, lstatSync } from "node:fs";
import path from "node:path";
import { APP_LOCKFILE, standinBaseRef } from "./support/base";
import { builtImageRef, describeImage, inspectImage, SKIP_REASON, WorkingContainer, type ImageInfo } from "./support/buildah";
import { installedPackages, lockedPackages } from "./support/nodeModules";
import { dpkgInstalled, findExecutables, walk } from "./support/rootfs";

const PACKAGE_MANAGERS = /^(npm|npx|corepack|yarn|yarnpkg|pnpm|pnpx)$/;
// Compiler drivers, assemblers, linkers and build tools, with Debian's version and triplet spellings.
const BUILD_TOOLS = /^(x86_64-linux-gnu-)?(cc|c\+\+|c89|c99|gcc|g\+\+|cpp|clang|clang\+\+|tcc|as|ld|ld\.bfd|ld\.gold|make|gmake|cmake|ninja|go|rustc|javac|node-gyp)(-\d+(\.\d+)*)?$/;
// Debian packages of compilers and toolchains (gcc-12-base and libgcc-s1 are runtime libraries, not compilers).
const BUILD_PACKAGES = /^((gcc|g\+\+|cpp|clang|tcc)(-\d+)?|binutils(-.+)?|make|cmake|build-essential|libc6-dev)$/;
const SIZE_BUDGET_MB = Number(process.env.WEBSVC_IMAGE_SIZE_BUDGET_MB ?? 400);

describeImage(`built image: runtime layer${SKIP_REASON}`, () => {
  let image: ImageInfo;
  let built: WorkingContainer;
  let base: WorkingContainer;
  let appDir: string;
  before(() => {
    const ref = builtImageRef();
    image = inspectImage(ref);
    built = WorkingContainer.create(ref);
    base = WorkingContainer.create(standinBaseRef());
    appDir = path.join(built.rootfs, image.config.WorkingDir ?? "/app");
  });
  after(() => {
    built?.remove();
    base?.remove();
  });

  it("control: the same searches find npm, npx, corepack, yarn, yarnpkg and npm's node-gyp in the base image", () => {
    const names = new Set(findExecutables(base.rootfs, PACKAGE_MANAGERS).map((p) => path.basename(p)));
    for (const name of ["corepack", "npm", "npx", "yarn", "yarnpkg"]) assert.ok(names.has(name), `${name} not found in the base`);
    assert.ok(findExecutables(base.rootfs, BUILD_TOOLS).some((p) => p.endsWith("/node-gyp")), "node-gyp not found in the base");
  });

  it("has no npm, npx, corepack, yarn or pnpm anywhere, and no global node_modules", () => {
    assert.deepEqual(findExecutables(built.rootfs, PACKAGE_MANAGERS), []);
    assert.ok(!existsSync(path.join(built.rootfs, "usr/local/lib/node_modules")), "/usr/local/lib/node_modules is still there");
    assert.ok(existsSync(path.join(built.rootfs, "usr/local/bin/node")), "node itself must remain");
  });

  it("has no compiler, assembler, linker or build tool, as a file or as a Debian package", () => {
    assert.deepEqual(findExecutables(built.rootfs, BUILD_TOOLS), []);
    assert.deepEqual([...dpkgInstalled(built.rootfs).keys()].filter((name) => BUILD_PACKAGES.test(name)), []);
  });

  it("node_modules is exactly the lockfile's production tree: no dev dependency, nothing unlocked", () => {
    const locked = lockedPackages(APP_LOCKFILE);
    const installed = installedPackages(appDir);
    assert.ok(locked.dev.size > 0 && locked.required.size > 0, "the lockfile has both dev and production packages to compare");
    const devNames = new Set([...locked.dev.keys()].map((rel) => rel.slice(rel.lastIndexOf("node_modules/") + 13)));
    const devInstalled = [...installed.keys()].filter((rel) => locked.dev.has(rel) || devNames.has(rel.slice(rel.lastIndexOf("node_modules/") + 13)));
    assert.deepEqual(devInstalled, [], "dev dependencies in the image");
    for (const [rel, version] of locked.required) assert.equal(installed.get(rel), version, `${rel}@${version} missing or at another version`);
    const unlocked = [...installed.keys()].filter((rel) => !locked.required.has(rel) && !locked.optional.has(rel));
    assert.deepEqual(unlocked, [], "packages the lockfile does not name");
  });

  it("the entrypoint's script exists, and the app's files are root-owned and not writable by the runtime user", () => {
    const script = (image.config.Entrypoint ?? [])[1];
    assert.ok(script && existsSync(path.join(appDir, script)), `${script} missing in ${image.config.WorkingDir}`);
    const [uid, gid] = (image.config.User ?? "").split(":").map(Number);
    const files = walk(appDir);
    assert.ok(files.length > 10);
    const writable = files.filter((rel) => {
      const s = lstatSync(path.join(appDir, rel));
      if (s.isSymbolicLink()) return false;
      return s.uid === uid || (s.gid === gid && (s.mode & 0o020) !== 0) || (s.mode & 0o002) !== 0;
    });
    assert.deepEqual(writable, []);
  });

  it(`size is within the budget (< ${SIZE_BUDGET_MB} MB uncompressed, on the stand-in base)`, () => {
    const mb = image.layerBytes / 1e6;
    console.log(`      image size: ${mb.toFixed(1)} MB uncompressed in ${JSON.parse(image.manifest).layers.length} layers (budget ${SIZE_BUDGET_MB} MB)`);
    assert.ok(mb > 50, `implausibly small: ${mb} MB`);
    assert.ok(mb < SIZE_BUDGET_MB, `${mb.toFixed(1)} MB exceeds the ${SIZE_BUDGET_MB} MB budget`);
  });
});

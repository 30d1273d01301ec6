// Fast static guard on the Dockerfile's text, plus source checks. The image tier
// (`npm run image -- test`, tests/image/) builds the Dockerfile and checks the built image itself.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { APP_DIR } from "./support/appProcess";
import { argsOf, parseDockerfile, type Stage } from "./support/dockerfile";

const stages = parseDockerfile(readFileSync(path.join(APP_DIR, "Dockerfile"), "utf8"));
const finalStage: Stage = stages[stages.length - 1];
const buildStages = stages.slice(0, -1);
// An exact release tag such as 22.23.3 or 22.23.3-bookworm-slim, optionally with a real-looking digest.
const PINNED_IMAGE = /^[a-z0-9./-]+:\d+\.\d+\.\d+(-[a-z0-9.-]+)?(@sha256:[0-9a-f]{64})?$/;

describe("app Dockerfile static invariants (text only; the built image is checked by `npm run image -- test`)", () => {
  it("is multi-stage with named stages", () => {
    assert.ok(stages.length >= 2, `expected at least 2 stages, got ${stages.length}`);
    for (const stage of stages) assert.ok(stage.name, `stage FROM ${stage.image} has no AS name`);
  });

  it("pins every base image to an exact version tag, never latest", () => {
    for (const stage of stages) {
      if (stages.some((other) => other.name === stage.image)) continue; // FROM <earlier stage>
      assert.doesNotMatch(stage.image, /:latest(@|$)/);
      assert.match(stage.image, PINNED_IMAGE, `FROM ${stage.image} is not pinned to an exact version`);
    }
  });

  it("installs with npm ci from the lockfile in a build stage and prunes dev dependencies", () => {
    const build = buildStages.find((stage) => argsOf(stage, "RUN").some((run) => /\bnpm ci\b/.test(run)));
    assert.ok(build, "no build stage runs npm ci");
    const copyLockIndex = build.instructions.findIndex((i) => i.keyword === "COPY" && i.args.includes("package-lock.json"));
    const npmCiIndex = build.instructions.findIndex((i) => i.keyword === "RUN" && /\bnpm ci\b/.test(i.args));
    assert.ok(copyLockIndex >= 0 && copyLockIndex < npmCiIndex, "package-lock.json must be copied before npm ci");
    assert.ok(argsOf(build, "RUN").some((run) => /npm prune --omit=dev/.test(run)), "dev dependencies are not pruned");
  });

  it("final stage runs no package installs and removes npm", () => {
    for (const run of argsOf(finalStage, "RUN")) {
      assert.doesNotMatch(run, /\b(npm|npx|yarn|pnpm) (ci|install|add)\b|apt-get install|apk add/, `final stage installs packages: RUN ${run}`);
    }
    assert.ok(
      argsOf(finalStage, "RUN").some((run) => /rm -rf .*\/usr\/local\/bin\/npm\b/.test(run) && /\/usr\/local\/lib\/node_modules/.test(run)),
      "final stage does not remove npm",
    );
  });

  it("final stage copies only build outputs from earlier stages, not the host context", () => {
    const copies = finalStage.instructions.filter((i) => i.keyword === "COPY" || i.keyword === "ADD");
    assert.ok(copies.length > 0);
    for (const copy of copies) assert.match(copy.args, /^--from=\S+ /, `${copy.keyword} ${copy.args} copies from the host`);
  });

  it("final stage runs as a numeric non-root USER uid:gid 10001:10001", () => {
    const users = argsOf(finalStage, "USER");
    assert.deepEqual(users, ["10001:10001"]);
    // No RUN after USER: the image's last word on identity is the unprivileged one.
    const userIndex = finalStage.instructions.findIndex((i) => i.keyword === "USER");
    assert.ok(finalStage.instructions.slice(userIndex).every((i) => i.keyword !== "RUN"), "RUN after USER");
  });

  it("exposes the http (8080) and metrics (9090) ports and starts node directly in exec form", () => {
    assert.deepEqual(argsOf(finalStage, "EXPOSE").join(" ").split(" ").sort(), ["8080", "9090"]);
    const [entrypoint] = argsOf(finalStage, "ENTRYPOINT");
    assert.deepEqual(JSON.parse(entrypoint), ["node", "dist/main.js"]);
  });

  it(".dockerignore keeps host node_modules and dist out of the build context", () => {
    const patterns = readFileSync(path.join(APP_DIR, ".dockerignore"), "utf8").split("\n").map((line) => line.trim());
    assert.ok(patterns.includes("**/node_modules"));
    assert.ok(patterns.includes("dist"));
  });
});

describe("app source invariants", () => {
  const sources = readdirSync(path.join(APP_DIR, "src")).map((file) => ({
    file,
    text: readFileSync(path.join(APP_DIR, "src", file), "utf8"),
  }));

  it("never writes to the filesystem, so readOnlyRootFilesystem is safe (statically; the image tier diffs the container's file system)", () => {
    assert.ok(sources.length >= 3);
    const writeApis = /\b(writeFile|appendFile|createWriteStream|mkdir|mkdtemp|rename|unlink|rmSync|copyFile)\w*\(/;
    for (const { file, text } of sources) assert.doesNotMatch(text, writeApis, `${file} writes to the filesystem`);
  });
});

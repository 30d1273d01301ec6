// The built image's config and identity, read from buildah's storage (not from the Dockerfile text).
import assert from "node:assert/strict";
import { PRODUCTION } from "../../components/lib/environment";
import { assertPinnedForEnvironment, parseImageReference } from "../../components/lib/image-reference";
import { builtImageRef, describeImage, envOf, inspectImage, SKIP_REASON, type ImageInfo } from "./support/buildah";
import { standinBaseRef } from "./support/base";

describeImage(`built image: config and digest${SKIP_REASON}`, () => {
  let ref: string;
  let image: ImageInfo;
  before(() => {
    ref = builtImageRef();
    image = inspectImage(ref);
  });

  it("IMAGE= is digest-pinned and passes the project's production image.ref rule", () => {
    const parsed = assertPinnedForEnvironment(ref, PRODUCTION);
    assert.match(parsed.digest ?? "", /^sha256:[0-9a-f]{64}$/);
  });

  it("its digest is the sha256 of the manifest stored for the image", () => {
    assert.equal(parseImageReference(ref).digest, image.manifestDigest);
  });

  it("runs as USER 10001:10001 (numeric, so Kubernetes can verify runAsNonRoot)", () => {
    assert.equal(image.config.User, "10001:10001");
  });

  it("ENTRYPOINT execs node directly (exec form, no shell, no npm) and inherits no CMD from the base", () => {
    const entrypoint = image.config.Entrypoint ?? [];
    assert.match(entrypoint[0] ?? "", /^(\/usr\/local\/bin\/)?node$/, `entrypoint ${JSON.stringify(entrypoint)}`);
    assert.ok(!entrypoint.includes("-c"), "shell form");
    assert.deepEqual(entrypoint.slice(1), ["dist/main.js"]);
    assert.deepEqual(image.config.Cmd ?? [], [], "a CMD would be appended to node's arguments");
    // Control: the base does set an entrypoint wrapper and CMD, so the reset above is the Dockerfile's doing.
    const base = inspectImage(standinBaseRef()).config;
    assert.deepEqual(base.Entrypoint, ["docker-entrypoint.sh"]);
    assert.deepEqual(base.Cmd, ["node"]);
  });

  it("STOPSIGNAL is SIGTERM (the signal the app drains on)", () => {
    assert.equal(image.config.StopSignal, "SIGTERM");
  });

  it("exposes exactly the ports its PORT and METRICS_PORT defaults name, with NODE_ENV=production", () => {
    const env = envOf(image.config);
    assert.equal(env.get("NODE_ENV"), "production");
    assert.deepEqual(Object.keys(image.config.ExposedPorts ?? {}).sort(), [`${env.get("METRICS_PORT")}/tcp`, `${env.get("PORT")}/tcp`].sort());
    assert.equal(image.config.WorkingDir, "/app");
  });

  it("carries no build-time npm settings (the offline build config stays out of the image)", () => {
    const leaked = [...envOf(image.config).keys()].filter((name) => /^npm_/i.test(name));
    assert.deepEqual(leaked, []);
  });
});

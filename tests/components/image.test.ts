import { recorder, outputValue, UNIT_STACK, SECRET_MASK } from "../harness";
import { strict as assert } from "assert";
import { itRefusesRegisteringNothing, type Refusal } from "../harness/refusals";
import { ImageBuild, IMAGE_BUILD_TYPE, type ImageBuildArgs } from "../../components/image";
import { assertPinnedForEnvironment, isDigestPinned, parseImageReference } from "../../components/lib/image-reference";

const DOCKER_IMAGE_TYPE = "docker:index/image:Image";
const DIGEST = `sha256:${"ab".repeat(32)}`;
const REPOSITORY = "registry.example.com/team/websvc";
const PINNED_REF = `${REPOSITORY}@${DIGEST}`;
const REGISTRY_PASSWORD = "registry-password-do-not-leak";

let instance = 0;
/** Unique component names: the mock runtime is shared by every spec file in the process. */
const uniqueName = (label: string) => `img-${label}-${++instance}`;

function fullBuildArgs(overrides: Partial<NonNullable<ImageBuildArgs["build"]>> = {}): ImageBuildArgs {
    return {
        build: {
            context: "app",
            target: "runtime",
            platforms: ["linux/arm64"],
            cacheFrom: [`${REPOSITORY}:buildcache`],
            buildArgs: { NODE_ENV: "production" },
            repository: REPOSITORY,
            tag: "v1.2.3",
            ...overrides,
        },
        registry: { server: "registry.example.com", username: "ci-bot", password: REGISTRY_PASSWORD },
    };
}

describe("parseImageReference", () => {
    const valid: Array<[string, ReturnType<typeof parseImageReference>]> = [
        [PINNED_REF, { domain: "registry.example.com", repository: REPOSITORY, tag: undefined, digest: DIGEST }],
        [
            `registry.example.com:5000/team/websvc:1.2.3@${DIGEST}`,
            { domain: "registry.example.com:5000", repository: "registry.example.com:5000/team/websvc", tag: "1.2.3", digest: DIGEST },
        ],
        ["localhost/websvc:dev", { domain: "localhost", repository: "localhost/websvc", tag: "dev", digest: undefined }],
        ["team/websvc:1.0", { domain: undefined, repository: "team/websvc", tag: "1.0", digest: undefined }],
        ["nginx", { domain: undefined, repository: "nginx", tag: undefined, digest: undefined }],
        // Upper case never appears in a path: distribution/reference reads such a first component as a host.
        ["TEAM/websvc:1", { domain: "TEAM", repository: "TEAM/websvc", tag: "1", digest: undefined }],
    ];
    for (const [ref, expected] of valid) {
        it(`parses ${ref}`, () => assert.deepEqual(parseImageReference(ref), expected));
    }

    const invalid = [
        "",
        "registry.example.com/Team/websvc:1.0", // uppercase path
        "Team/Websvc:1.0", // an upper-case first component is a registry host, so the path after it must be lowercase
        "websvc:",
        "websvc@sha256:abc", // digest too short
        `websvc@sha256:${"AB".repeat(32)}`, // uppercase hex
        `websvc@sha256:${"ab".repeat(33)}`, // 66 hex characters
        "web svc:1.0",
        "websvc:-1.0", // tags cannot start with '-'
    ];
    for (const ref of invalid) {
        it(`rejects ${JSON.stringify(ref)} with a message naming it`, () => {
            assert.throws(() => parseImageReference(ref), (err: Error) => err.message.startsWith(`invalid image reference ${JSON.stringify(ref)}`));
        });
    }

    it("isDigestPinned is true only with a sha256 digest", () => {
        assert.equal(isDigestPinned(PINNED_REF), true);
        assert.equal(isDigestPinned(`${REPOSITORY}:1.0@${DIGEST}`), true);
        assert.equal(isDigestPinned(`${REPOSITORY}:1.0`), false);
    });
});

describe("assertPinnedForEnvironment", () => {
    it("accepts digest-pinned references in production, with or without a tag", () => {
        assert.equal(assertPinnedForEnvironment(PINNED_REF, "production").digest, DIGEST);
        assert.equal(assertPinnedForEnvironment(`${REPOSITORY}:1.0@${DIGEST}`, "production").tag, "1.0");
    });

    it("refuses tag-only references in production and says what to do", () => {
        assert.throws(() => assertPinnedForEnvironment(`${REPOSITORY}:1.0`, "production"), /is tag-only; production requires a digest-pinned reference \(repo@sha256:<64 hex>/);
    });

    it("accepts tag-only references outside production", () => {
        assert.equal(assertPinnedForEnvironment(`${REPOSITORY}:1.0`, "staging").tag, "1.0");
    });

    for (const environment of ["staging", "production"]) {
        it(`refuses the latest tag (explicit, next to a digest, or implied) in ${environment}`, () => {
            assert.throws(() => assertPinnedForEnvironment(`${REPOSITORY}:latest`, environment), /mutable "latest" tag/);
            assert.throws(() => assertPinnedForEnvironment(`${REPOSITORY}:latest@${DIGEST}`, environment), /mutable "latest" tag/);
            assert.throws(() => assertPinnedForEnvironment(REPOSITORY, environment), /neither a tag nor a digest/);
        });
    }

    it("reports malformed references as such, not as pinning problems", () => {
        assert.throws(() => assertPinnedForEnvironment("Not A Ref", "staging"), /^Error: invalid image reference/);
    });
});

describe("ImageBuild component", () => {
    beforeEach(() => recorder.reset());

    it("ref path: outputs the reference as is and registers no docker.Image", async () => {
        const name = uniqueName("ref");
        const image = new ImageBuild(name, { ref: PINNED_REF });
        assert.equal(await outputValue(image.imageRef), PINNED_REF);
        await recorder.settled();
        assert.equal(recorder.one(IMAGE_BUILD_TYPE, name).name, name);
        assert.deepEqual(recorder.ofType(DOCKER_IMAGE_TYPE), []);
    });

    it("ref path: a staging tag-only ref passes when the environment says staging", async () => {
        const image = new ImageBuild(uniqueName("ref-staging"), { ref: `${REPOSITORY}:1.0`, environment: "staging" });
        assert.equal(await outputValue(image.imageRef), `${REPOSITORY}:1.0`);
    });

    it("build path: registers one docker.Image child with the build, push and secret registry inputs", async () => {
        const name = uniqueName("build");
        const image = new ImageBuild(name, fullBuildArgs());
        await outputValue(image.imageRef);
        await recorder.settled();

        const component = recorder.one(IMAGE_BUILD_TYPE, name);
        const docker = recorder.one(DOCKER_IMAGE_TYPE, name);
        assert.equal(recorder.ofType(DOCKER_IMAGE_TYPE).length, 1);
        assert.equal(docker.parent, component.urn);
        assert.equal(docker.inputs.imageName, `${REPOSITORY}:v1.2.3`);
        assert.equal(docker.inputs.skipPush, false);
        assert.deepEqual(docker.inputs.build, {
            context: "app",
            dockerfile: "app/Dockerfile", // relative to the context, as the provider resolves it from the cwd
            target: "runtime",
            platform: "linux/arm64",
            cacheFrom: { images: [`${REPOSITORY}:buildcache`] },
            args: { NODE_ENV: "production" },
        });
        assert.deepEqual(docker.secretPaths, ["registry.password"]);
        assert.deepEqual(docker.masked.registry, { server: "registry.example.com", username: "ci-bot", password: SECRET_MASK });
        assert.equal(docker.inputs.registry.password, REGISTRY_PASSWORD);
    });

    it("build path: imageRef is the pushed image's repoDigest, pinned by sha256", async () => {
        const name = uniqueName("digest");
        const image = new ImageBuild(name, fullBuildArgs());
        const imageRef = await outputValue(image.imageRef);
        await recorder.settled();
        assert.equal(imageRef, recorder.one(DOCKER_IMAGE_TYPE, name).state.repoDigest);
        assert.match(imageRef, /^registry\.example\.com\/team\/websvc@sha256:[0-9a-f]{64}$/);
    });

    it("build path: defaults the tag to the stack name, the Dockerfile to <context>/Dockerfile, and omits empty cacheFrom", async () => {
        const name = uniqueName("defaults");
        new ImageBuild(name, { build: { context: "./app", repository: REPOSITORY } });
        await recorder.settled();
        const docker = recorder.one(DOCKER_IMAGE_TYPE, name);
        assert.equal(docker.inputs.imageName, `${REPOSITORY}:${UNIT_STACK}`);
        assert.equal(docker.inputs.build.dockerfile, "app/Dockerfile");
        assert.equal(docker.inputs.build.cacheFrom, undefined);
        assert.equal(docker.inputs.build.platform, undefined);
        assert.equal(docker.inputs.registry, undefined);
        assert.deepEqual(docker.secretPaths, []);
    });

    it("build path: keeps an already-secret password secret", async () => {
        const { secret } = await import("@pulumi/pulumi");
        const name = uniqueName("secret-input");
        const args = fullBuildArgs();
        args.registry!.password = secret(REGISTRY_PASSWORD);
        new ImageBuild(name, args);
        await recorder.settled();
        assert.deepEqual(recorder.one(DOCKER_IMAGE_TYPE, name).secretPaths, ["registry.password"]);
    });

    const invalidArgs: Array<Refusal<ImageBuildArgs>> = [
        ["both ref and build", { ref: PINNED_REF, ...fullBuildArgs() }, /must set exactly one of ref .* or build, got both/],
        ["neither ref nor build", {}, /must set exactly one of ref .* or build, got neither/],
        ["a tag-only ref in production (the default)", { ref: `${REPOSITORY}:1.0` }, /tag-only; production requires a digest/],
        ["registry credentials with a ref", { ref: PINNED_REF, registry: fullBuildArgs().registry }, /: registry is only used with build; a prebuilt ref is pulled with imagePullSecrets/],
        ["two platforms", fullBuildArgs({ platforms: ["linux/amd64", "linux/arm64"] }), /builds exactly one platform.*@pulumi\/docker-build/],
        ["a malformed platform", fullBuildArgs({ platforms: ["amd64"] }), /build\.platforms\[0\] must be os\/arch/],
        ["a repository with a tag", fullBuildArgs({ repository: `${REPOSITORY}:1.0` }), /must not include a tag or digest/],
        ["the latest tag", fullBuildArgs({ tag: "latest" }), /build\.tag must be a valid image tag other than "latest", got "latest"/],
        ["a Dockerfile outside the context", fullBuildArgs({ dockerfile: "../Dockerfile" }), /build\.dockerfile must be a path inside build\.context, got "\.\.\/Dockerfile"/],
        ["an invalid cacheFrom reference", fullBuildArgs({ cacheFrom: ["Not/Valid"] }), /build\.cacheFrom\[0\] is not acceptable: invalid image reference "Not\/Valid"/],
        [
            "credentials for another registry",
            { ...fullBuildArgs(), registry: { server: "other.example.com", username: "u", password: "p" } },
            /registry.server "other.example.com" is not the registry of build.repository/,
        ],
    ];
    itRefusesRegisteringNothing("ImageBuild", "img-refused", invalidArgs, (name, args) => new ImageBuild(name, args));
});

// The container image the workload runs, as a digest-pinned reference.
//
// Two mutually exclusive paths:
//   - `ref`: a prebuilt reference (CI built and pushed it). No docker resource at all, so previews,
//     PR checks and engine tests work without a Docker daemon. @pulumi/docker does not build during
//     preview anyway (pulumi-docker #540), so a broken Dockerfile would pass a preview unnoticed.
//   - `build`: docker.Image (@pulumi/docker 5.x) builds, pushes and reports `repoDigest`
//     (`repo@sha256:...`), which is what the Deployment gets: it changes only when content changes,
//     never when a tag is moved.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";

export const IMAGE_BUILD_TYPE = "websvc:image:ImageBuild";

// Grammar of github.com/distribution/reference (reference.go), restricted to what we accept.
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const REFERENCE = new RegExp(
    `^((?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`,
);
const TAG_ONLY = new RegExp(`^${TAG}$`);
const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;
const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(\/v[0-9]+)?$/;
const MAX_REPOSITORY_LENGTH = 255;
const MUTABLE_TAG = "latest";
/** The environment whose images must be digest-pinned. */
export const PRODUCTION = "production";

export interface ImageReference {
    /** Registry host[:port] when the reference names one (first component with '.', ':' or "localhost"). */
    domain?: string;
    /** Name without tag or digest, e.g. registry.example.com/team/websvc. */
    repository: string;
    tag?: string;
    /** e.g. sha256:<64 hex>. */
    digest?: string;
}

/** Parses `[domain/]path[:tag][@digest]`; throws a descriptive Error for anything else. */
export function parseImageReference(ref: string): ImageReference {
    const match = REFERENCE.exec(ref);
    if (!match) {
        throw new Error(
            `invalid image reference ${JSON.stringify(ref)}: expected [registry/]repository[:tag][@sha256:<64 hex>] with a lowercase repository`,
        );
    }
    const [, repository, tag, digest] = match;
    if (repository.length > MAX_REPOSITORY_LENGTH) {
        throw new Error(`invalid image reference ${JSON.stringify(ref)}: repository is longer than ${MAX_REPOSITORY_LENGTH} characters`);
    }
    if (digest !== undefined && digest.startsWith("sha256:") && !SHA256_DIGEST.test(digest)) {
        throw new Error(`invalid image reference ${JSON.stringify(ref)}: a sha256 digest is exactly 64 lowercase hex characters`);
    }
    const slash = repository.indexOf("/");
    const first = slash < 0 ? undefined : repository.slice(0, slash);
    // Docker's rule: the first component is a registry only if it looks like a host.
    const domain = first !== undefined && (/[.:]/.test(first) || first === "localhost") ? first : undefined;
    return { domain, repository, tag, digest };
}

/** True for references pinned by a sha256 digest, with or without a tag. */
export function isDigestPinned(ref: string): boolean {
    const { digest } = parseImageReference(ref);
    return digest !== undefined && SHA256_DIGEST.test(digest);
}

/**
 * The image pinning rule, shared with config validation:
 *   - every environment: no `latest` tag, and no bare repository (which means `latest`);
 *   - production: a sha256 digest is required; a tag alone can be moved under a running Deployment.
 * Returns the parsed reference; throws an Error that names the reference and the fix.
 */
export function assertPinnedForEnvironment(ref: string, environment: string): ImageReference {
    const parsed = parseImageReference(ref);
    if (parsed.tag === MUTABLE_TAG) {
        throw new Error(`image reference ${JSON.stringify(ref)} uses the mutable "${MUTABLE_TAG}" tag; use a version tag and, in production, a digest (repo@sha256:<64 hex>)`);
    }
    if (parsed.tag === undefined && parsed.digest === undefined) {
        throw new Error(`image reference ${JSON.stringify(ref)} has neither a tag nor a digest (it would mean "${MUTABLE_TAG}"); pin it as repo@sha256:<64 hex>`);
    }
    if (environment === PRODUCTION && !(parsed.digest !== undefined && SHA256_DIGEST.test(parsed.digest))) {
        throw new Error(`image reference ${JSON.stringify(ref)} is tag-only; ${PRODUCTION} requires a digest-pinned reference (repo@sha256:<64 hex> or repo:tag@sha256:<64 hex>)`);
    }
    return parsed;
}

export interface ImageBuildSpec {
    /** Build context directory, relative to the Pulumi program's working directory (e.g. "app"). */
    context: string;
    /** Dockerfile path relative to `context`. Default "Dockerfile". */
    dockerfile?: string;
    /** Multi-stage target to build. Default: the last stage. */
    target?: string;
    /**
     * Target platform, e.g. ["linux/amd64"]. docker.Image builds exactly one platform, so at most one
     * entry is accepted; a multi-platform manifest list needs @pulumi/docker-build's Image instead.
     * Default: the Docker daemon's platform.
     */
    platforms?: string[];
    /** Images to use as build cache (they need a cache manifest, e.g. BUILDKIT_INLINE_CACHE=1). */
    cacheFrom?: string[];
    /** Build-time variables. They end up in the image's history: never pass secrets here. */
    buildArgs?: Record<string, string>;
    /** Repository to push to, without tag or digest, e.g. registry.example.com/team/websvc. */
    repository: string;
    /** Tag to push. Default: the stack name. The Deployment uses the digest, so the tag is only a label. */
    tag?: string;
}

export interface RegistryCredentials {
    /** Registry host, e.g. registry.example.com; must be the registry of `build.repository`. */
    server: string;
    username: string;
    /** Kept secret end to end (wrapped in pulumi.secret whatever the caller passes). */
    password: pulumi.Input<string>;
}

export interface ImageBuildArgs {
    /** Prebuilt reference; see assertPinnedForEnvironment for what is accepted. Excludes `build`. */
    ref?: string;
    /** Build and push with docker.Image. Excludes `ref`. */
    build?: ImageBuildSpec;
    /** Credentials for pushing (and pulling cacheFrom). Default: the host's docker login. Only with `build`. */
    registry?: RegistryCredentials;
    /** Environment whose pinning rule `ref` must satisfy. Default "production" (digest required). */
    environment?: string;
}

function hostOf(server: string): string {
    return server.replace(/^[a-z]+:\/\//, "").replace(/\/.*$/, "");
}

function validateBuild(build: ImageBuildSpec, registry: RegistryCredentials | undefined): void {
    const repo = parseImageReference(build.repository);
    if (repo.tag !== undefined || repo.digest !== undefined) {
        throw new Error(`build.repository ${JSON.stringify(build.repository)} must not include a tag or digest; set build.tag instead`);
    }
    if (build.tag !== undefined && (!TAG_ONLY.test(build.tag) || build.tag === MUTABLE_TAG)) {
        throw new Error(`build.tag ${JSON.stringify(build.tag)} must be a valid image tag other than "${MUTABLE_TAG}"`);
    }
    const platforms = build.platforms ?? [];
    if (platforms.length > 1) {
        throw new Error(
            `build.platforms has ${platforms.length} entries (${platforms.join(", ")}), but docker.Image from @pulumi/docker builds exactly one platform; ` +
                "build one ImageBuild per platform, or use @pulumi/docker-build's Image for a multi-platform manifest list",
        );
    }
    for (const platform of platforms) {
        if (!PLATFORM.test(platform)) throw new Error(`build.platforms entry ${JSON.stringify(platform)} must be os/arch[/variant], e.g. linux/amd64`);
    }
    for (const cache of build.cacheFrom ?? []) parseImageReference(cache);
    if (path.isAbsolute(build.dockerfile ?? "") || (build.dockerfile ?? "").split(/[\\/]/).includes("..")) {
        throw new Error(`build.dockerfile ${JSON.stringify(build.dockerfile)} must be a path inside build.context`);
    }
    if (registry !== undefined && repo.domain !== undefined && hostOf(registry.server) !== repo.domain) {
        throw new Error(
            `registry.server ${JSON.stringify(registry.server)} is not the registry of build.repository ${JSON.stringify(build.repository)} (${repo.domain}); the credentials would be sent to the wrong registry`,
        );
    }
}

/** Checks what docker.Image reports after the push: a digest reference into the repository we pushed to. */
function checkRepoDigest(repoDigest: string, repository: string): string {
    const parsed = parseImageReference(repoDigest);
    if (parsed.digest === undefined || !SHA256_DIGEST.test(parsed.digest)) {
        throw new Error(`docker.Image returned ${JSON.stringify(repoDigest)} instead of a repo@sha256 digest; was the image pushed?`);
    }
    if (parsed.repository !== repository) {
        throw new Error(`docker.Image returned a digest for ${parsed.repository}, not for the pushed repository ${repository}`);
    }
    return repoDigest;
}

function validateArgs(name: string, args: ImageBuildArgs): void {
    if ((args.ref === undefined) === (args.build === undefined)) {
        throw new Error(
            `ImageBuild ${name}: set exactly one of ref (a prebuilt, digest-pinned reference) or build (got ${args.ref === undefined ? "neither" : "both"})`,
        );
    }
    if (args.ref !== undefined) {
        if (args.registry !== undefined) {
            throw new Error(`ImageBuild ${name}: registry credentials are only used with build; a prebuilt ref is pulled with imagePullSecrets`);
        }
        assertPinnedForEnvironment(args.ref, args.environment ?? PRODUCTION);
    } else {
        validateBuild(args.build!, args.registry);
    }
}

export class ImageBuild extends pulumi.ComponentResource {
    /** Digest-pinned image reference for the workload (tag-only only for a non-production `ref`). */
    readonly imageRef: pulumi.Output<string>;

    constructor(name: string, args: ImageBuildArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate before registering, so a bad config leaves no half-built component behind.
        validateArgs(name, args);
        super(IMAGE_BUILD_TYPE, name, {}, opts);

        if (args.ref !== undefined) {
            this.imageRef = pulumi.output(args.ref);
        } else {
            const build = args.build!;
            const tag = build.tag ?? pulumi.getStack();
            const image = new docker.Image(
                name,
                {
                    imageName: `${build.repository}:${tag}`,
                    build: {
                        context: build.context,
                        // The provider resolves `dockerfile` against the working directory, not the context.
                        dockerfile: path.join(build.context, build.dockerfile ?? "Dockerfile"),
                        target: build.target,
                        platform: build.platforms?.[0],
                        args: build.buildArgs,
                        cacheFrom: build.cacheFrom?.length ? { images: build.cacheFrom } : undefined,
                    },
                    registry: args.registry && {
                        server: args.registry.server,
                        username: args.registry.username,
                        password: pulumi.secret(args.registry.password),
                    },
                    // Pushing is what produces repoDigest, the only reference we hand out.
                    skipPush: false,
                },
                { parent: this },
            );
            this.imageRef = image.repoDigest.apply((digest) => checkRepoDigest(digest, build.repository));
        }

        this.registerOutputs({ imageRef: this.imageRef });
    }
}

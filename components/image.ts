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
import { PRODUCTION } from "./lib/environment";
import { MUTABLE_TAG, SHA256_DIGEST, TAG_ONLY, imagePinningProblems, parseImageReference } from "./lib/image-reference";
import { refuseInvalidArgs, shown, type ArgProblem } from "./lib/problems";

export const IMAGE_BUILD_TYPE = "websvc:image:ImageBuild";

const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(\/v[0-9]+)?$/;

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

/** A reference that must parse, as problems at `path`. */
function referenceProblems(ref: string, path: string): ArgProblem[] {
    try {
        parseImageReference(ref);
        return [];
    } catch (e) {
        return [{ path, message: `is not acceptable: ${(e as Error).message}` }];
    }
}

function buildProblems(build: ImageBuildSpec, registry: RegistryCredentials | undefined): ArgProblem[] {
    const problems: ArgProblem[] = [];
    let repoDomain: string | undefined;
    try {
        const repo = parseImageReference(build.repository);
        repoDomain = repo.domain;
        if (repo.tag !== undefined || repo.digest !== undefined) {
            problems.push({ path: "build.repository", message: `must not include a tag or digest, got ${shown(build.repository)}; set build.tag instead` });
        }
    } catch (e) {
        problems.push({ path: "build.repository", message: `is not acceptable: ${(e as Error).message}` });
    }
    if (build.tag !== undefined && (!TAG_ONLY.test(build.tag) || build.tag === MUTABLE_TAG)) {
        problems.push({ path: "build.tag", message: `must be a valid image tag other than "${MUTABLE_TAG}", got ${shown(build.tag)}` });
    }
    const platforms = build.platforms ?? [];
    if (platforms.length > 1) {
        problems.push({
            path: "build.platforms",
            message: `has ${platforms.length} entries (${platforms.join(", ")}), but docker.Image from @pulumi/docker builds exactly one platform; ` +
                "build one ImageBuild per platform, or use @pulumi/docker-build's Image for a multi-platform manifest list",
        });
    }
    platforms.forEach((platform, i) => {
        if (!PLATFORM.test(platform)) problems.push({ path: `build.platforms[${i}]`, message: `must be os/arch[/variant], e.g. linux/amd64, got ${shown(platform)}` });
    });
    (build.cacheFrom ?? []).forEach((cache, i) => problems.push(...referenceProblems(cache, `build.cacheFrom[${i}]`)));
    if (path.isAbsolute(build.dockerfile ?? "") || (build.dockerfile ?? "").split(/[\\/]/).includes("..")) {
        problems.push({ path: "build.dockerfile", message: `must be a path inside build.context, got ${shown(build.dockerfile)}` });
    }
    if (registry !== undefined && repoDomain !== undefined && hostOf(registry.server) !== repoDomain) {
        problems.push({
            path: "registry.server",
            message: `${shown(registry.server)} is not the registry of build.repository ${shown(build.repository)} (${repoDomain}); the credentials would be sent to the wrong registry`,
        });
    }
    return problems;
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

/** Every rule ImageBuild's args must meet, as problems with paths into the args. */
export function imageBuildArgsProblems(args: ImageBuildArgs): ArgProblem[] {
    if ((args.ref === undefined) === (args.build === undefined)) {
        return [{ path: "", message: `must set exactly one of ref (a prebuilt, digest-pinned reference) or build, got ${args.ref === undefined ? "neither" : "both"}` }];
    }
    if (args.ref !== undefined) {
        const problems = imagePinningProblems(args.ref, args.environment ?? PRODUCTION, "ref");
        if (args.registry !== undefined) {
            problems.push({ path: "registry", message: "is only used with build; a prebuilt ref is pulled with imagePullSecrets" });
        }
        return problems;
    }
    return buildProblems(args.build!, args.registry);
}

export class ImageBuild extends pulumi.ComponentResource {
    /** Digest-pinned image reference for the workload (tag-only only for a non-production `ref`). */
    readonly imageRef: pulumi.Output<string>;

    constructor(name: string, args: ImageBuildArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate before registering, so a bad config leaves no half-built component behind.
        refuseInvalidArgs("ImageBuild", name, imageBuildArgsProblems(args));
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

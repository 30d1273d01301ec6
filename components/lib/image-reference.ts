// Container image references and the pinning rule every image the app runs must meet. Used by
// ImageBuild (prebuilt refs), by the Workload (whatever image it is handed) and by config.ts;
// tests/agreement pins the parse and the verdicts against the policy pack's hygiene-image-tag.
import { PRODUCTION } from "./environment";
import type { ArgProblem } from "./problems";

// Grammar of github.com/distribution/reference (reference.go), restricted to what we accept.
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const REFERENCE = new RegExp(
    `^((?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`,
);
/** A tag on its own (build.tag). */
export const TAG_ONLY = new RegExp(`^${TAG}$`);
export const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;
const MAX_REPOSITORY_LENGTH = 255;
export const MUTABLE_TAG = "latest";

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
    const match = typeof ref === "string" ? REFERENCE.exec(ref) : null;
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
    // Docker's rule (distribution/reference splitDockerDomain): the first component is a registry
    // when it looks like a host: a "." or ":", "localhost", or upper case (a path never has it).
    const domain = first !== undefined && (/[.:]/.test(first) || first === "localhost" || first !== first.toLowerCase()) ? first : undefined;
    return { domain, repository, tag, digest };
}

/** True for references pinned by a sha256 digest, with or without a tag. */
export function isDigestPinned(ref: string): boolean {
    const { digest } = parseImageReference(ref);
    return digest !== undefined && SHA256_DIGEST.test(digest);
}

/**
 * The image pinning rule:
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

/** The pinning rule as problems at `path`. */
export function imagePinningProblems(ref: unknown, environment: string, path: string): ArgProblem[] {
    try {
        assertPinnedForEnvironment(ref as string, environment);
        return [];
    } catch (e) {
        return [{ path, message: `is not acceptable: ${(e as Error).message}` }];
    }
}

// Container image reference parsing (registry/repository:tag@digest), Docker Hub defaults included.
export interface ImageRef {
    registry: string;
    /** Repository path without registry, e.g. "library/nginx". */
    repository: string;
    tag?: string;
    digest?: string;
    /** registry/repository, e.g. "docker.io/library/nginx". */
    name: string;
}

export function parseImage(image: string): ImageRef {
    let rest = image.trim();
    let digest: string | undefined;
    const at = rest.indexOf("@");
    if (at >= 0) {
        digest = rest.slice(at + 1);
        rest = rest.slice(0, at);
    }
    let tag: string | undefined;
    const lastSlash = rest.lastIndexOf("/");
    const colon = rest.lastIndexOf(":");
    if (colon > lastSlash) {
        tag = rest.slice(colon + 1);
        rest = rest.slice(0, colon);
    }
    const firstSlash = rest.indexOf("/");
    const first = firstSlash >= 0 ? rest.slice(0, firstSlash) : "";
    // The first component is a registry only if it looks like a host (docker's rule).
    const hasRegistry = firstSlash >= 0 && (first.includes(".") || first.includes(":") || first === "localhost");
    const registry = hasRegistry ? first : "docker.io";
    let repository = hasRegistry ? rest.slice(firstSlash + 1) : rest;
    if (registry === "docker.io" && !repository.includes("/")) {
        repository = `library/${repository}`;
    }
    return { registry, repository, tag, digest, name: `${registry}/${repository}` };
}

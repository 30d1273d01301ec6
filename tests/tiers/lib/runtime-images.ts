// Helper images for the runtime tier: built by scripts/runtime-images.sh (FROM scratch OCI archives of
// Go binaries from the module proxy), published with `cluster push` to the registry the nodes'
// containerd mirrors, and referenced by the digest the registry holds.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { clusterCommand, type RuntimeEnv } from "./runtime-env";
import { ROOT } from "./tier";

export interface HelperImage {
    name: string;
    /** The image's usual reference, e.g. quay.io/prometheus/prometheus:v3.16.0. */
    usual: string;
    archive?: string;
    /** Why it cannot be built here, when it cannot. */
    unavailable?: string;
}

export function helperImages(): Map<string, HelperImage> {
    const out = execFileSync("bash", [path.join(ROOT, "scripts/runtime-images.sh"), "list"], { encoding: "utf8" });
    const images = new Map<string, HelperImage>();
    for (const line of out.trim().split("\n")) {
        const [name, usual, archive, ...why] = line.split(" ");
        images.set(name, { name, usual, archive: archive !== "-" ? archive : undefined, unavailable: why.length ? why.join(" ") : undefined });
    }
    return images;
}

/** Registry hosts the nodes' containerd resolves through the cluster's registry (certs.d/<host>). */
function mirroredHosts(env: RuntimeEnv): Set<string> {
    const hosts = new Set<string>();
    const walk = (dir: string, depth: number) => {
        if (depth > 4 || !fs.existsSync(dir)) return;
        for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
            if (!d.isDirectory()) continue;
            if (d.name === "certs.d") for (const h of fs.readdirSync(path.join(dir, d.name))) hosts.add(h);
            else walk(path.join(dir, d.name), depth + 1);
        }
    };
    walk(env.clusterDir, 0);
    return hosts;
}

/**
 * Pushes the image's archive as <repository path>:<tag> and returns the reference to deploy:
 * <usual host>/<path>@<digest> when the nodes mirror that host, else through a mirrored host (the
 * registry serves a path whatever host name the node asked for; the digest pins the content).
 */
export function publish(env: RuntimeEnv, image: HelperImage): { ref: string; note?: string } {
    if (!image.archive) throw new Error(`helper image ${image.name} is not built (bash scripts/runtime-images.sh build ${image.name})`);
    const m = /^([^/]+)\/(.+):([^:/]+)$/.exec(image.usual);
    if (!m) throw new Error(`unexpected image reference ${image.usual}`);
    const [, host, repo, tag] = m;
    const out = clusterCommand(env, ["push", image.archive, `${repo}:${tag}`], { timeoutMs: 300_000 });
    const digest = /sha256:[0-9a-f]{64}/.exec(out)?.[0];
    if (!digest) throw new Error(`cluster push printed no digest: ${out.trim()}`);
    const hosts = mirroredHosts(env);
    if (hosts.has(host) || hosts.size === 0) return { ref: `${host}/${repo}@${digest}` };
    const via = hosts.has("ghcr.io") ? "ghcr.io" : [...hosts][0];
    return { ref: `${via}/${repo}@${digest}`, note: `the nodes mirror ${[...hosts].join(", ")} but not ${host}: ${image.usual} is pulled as ${via}/${repo}` };
}

/** The static binary of a helper image (kube-router runs as a process in each node's namespace), or undefined. */
export function helperBinary(name: string): string | undefined {
    const r = spawnSync("bash", [path.join(ROOT, "scripts/runtime-images.sh"), "binary", name], { encoding: "utf8" });
    return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}

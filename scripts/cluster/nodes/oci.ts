// OCI images without a container tool: the pause image assembled here from the binary built in the cache,
// and a registry push of an OCI layout (an oci-archive) that keeps every blob and the manifest byte for
// byte, so the digest pushed is the archive's own.
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { run } from "./sh";

const sha256 = (b: Buffer) => "sha256:" + crypto.createHash("sha256").update(b).digest("hex");

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

function writeBlob(layout: string, data: Buffer, mediaType: string): Descriptor {
  const digest = sha256(data);
  const dir = path.join(layout, "blobs", "sha256");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, digest.slice(7)), data);
  return { mediaType, digest, size: data.length };
}

/** An OCI archive of a one-file image running `/<name>` as 65535, from `binary`; deterministic. */
export function buildSingleBinaryImage(binary: string, tag: string, archive: string): void {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "websvc-oci-"));
  try {
    const rootfs = path.join(work, "rootfs");
    fs.mkdirSync(rootfs);
    const name = path.basename(binary);
    fs.copyFileSync(binary, path.join(rootfs, name));
    fs.chmodSync(path.join(rootfs, name), 0o755);
    const layerTar = path.join(work, "layer.tar");
    run("tar", ["-C", rootfs, "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0", "--sort=name", "-cf", layerTar, name]);
    const layoutDir = path.join(work, "layout");
    const layer = writeBlob(layoutDir, fs.readFileSync(layerTar), "application/vnd.oci.image.layer.v1.tar");
    const config = writeBlob(
      layoutDir,
      Buffer.from(JSON.stringify({
        architecture: "amd64",
        os: "linux",
        config: { Entrypoint: [`/${name}`], User: "65535:65535" },
        rootfs: { type: "layers", diff_ids: [layer.digest] },
      })),
      "application/vnd.oci.image.config.v1+json",
    );
    const manifest = writeBlob(
      layoutDir,
      Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config, layers: [layer] })),
      "application/vnd.oci.image.manifest.v1+json",
    );
    manifest.annotations = { "org.opencontainers.image.ref.name": tag };
    fs.writeFileSync(path.join(layoutDir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
    fs.writeFileSync(path.join(layoutDir, "index.json"), JSON.stringify({ schemaVersion: 2, manifests: [manifest] }));
    const tmp = `${archive}.${process.pid}.tmp`;
    run("tar", ["-C", layoutDir, "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0", "--sort=name", "-cf", tmp, "."]);
    fs.renameSync(tmp, archive);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function ok(res: Response, what: string): Promise<Response> {
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
  return res;
}

/** Pushes the single image of an OCI archive to `registry` (http://host:port) as repo:tag; returns the
 * manifest digest the registry holds. Blobs already present are not sent again. */
export async function pushOciArchive(archive: string, registry: string, repo: string, tag: string): Promise<string> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "websvc-push-"));
  try {
    run("tar", ["-C", work, "-xf", archive], { timeoutMs: 300_000 });
    const blob = (d: string) => fs.readFileSync(path.join(work, "blobs", ...d.split(":")));
    const index = JSON.parse(fs.readFileSync(path.join(work, "index.json"), "utf8")) as { manifests: Descriptor[] };
    if (index.manifests.length !== 1) throw new Error(`${archive}: ${index.manifests.length} images in index.json; expected 1`);
    const top = index.manifests[0];
    const manifests: Descriptor[] = [top];
    if (/index|manifest\.list/.test(top.mediaType)) {
      const inner = JSON.parse(blob(top.digest).toString()) as { manifests: Descriptor[] };
      manifests.unshift(...inner.manifests);
    }
    for (const m of manifests.filter((d) => !/index|manifest\.list/.test(d.mediaType))) {
      const doc = JSON.parse(blob(m.digest).toString()) as { config: Descriptor; layers: Descriptor[] };
      for (const b of [doc.config, ...doc.layers]) {
        const head = await fetch(`${registry}/v2/${repo}/blobs/${b.digest}`, { method: "HEAD" });
        if (head.ok) continue;
        const start = await ok(await fetch(`${registry}/v2/${repo}/blobs/uploads/`, { method: "POST" }), `upload of ${b.digest}`);
        const loc = new URL(start.headers.get("location") ?? "", registry);
        loc.searchParams.set("digest", b.digest);
        await ok(await fetch(loc, { method: "PUT", body: blob(b.digest), headers: { "content-type": "application/octet-stream" } }), `blob ${b.digest}`);
      }
    }
    for (const m of manifests) {
      const ref = m === top ? tag : m.digest;
      await ok(await fetch(`${registry}/v2/${repo}/manifests/${ref}`, { method: "PUT", body: blob(m.digest), headers: { "content-type": m.mediaType } }), `manifest ${m.digest}`);
    }
    const got = (await ok(await fetch(`${registry}/v2/${repo}/manifests/${tag}`, { method: "HEAD", headers: { accept: top.mediaType } }), "manifest check")).headers.get("docker-content-digest");
    if (got !== top.digest) throw new Error(`the registry holds ${got} for ${repo}:${tag}, the archive ${top.digest}`);
    return top.digest;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

// buildah from the tests: image metadata, working containers (mounted root file systems, processes
// run with chroot isolation), for the image tier (`npm run image -- test`). Nothing here runs unless
// the tier is enabled: buildah needs root and a built image.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export const IMAGE_TIER_ENABLED = process.env.WEBSVC_IMAGE_TIER === "1";
/** Appended to describe() titles so a skipped suite says why. */
export const SKIP_REASON = IMAGE_TIER_ENABLED ? "" : " (skipped: run by `npm run image -- test`; needs root, buildah and a built image)";
export const describeImage: Mocha.SuiteFunction | Mocha.PendingSuiteFunction = IMAGE_TIER_ENABLED ? describe : describe.skip;

const IMAGE_REF_FILE = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "websvc", "image", "IMAGE");

/** The reference `npm run image -- build` printed (WEBSVC_IMAGE, else its cache file). */
export function builtImageRef(): string {
  const ref = process.env.WEBSVC_IMAGE ?? (existsSync(IMAGE_REF_FILE) ? readFileSync(IMAGE_REF_FILE, "utf8").trim() : "");
  if (!ref) throw new Error(`no built image: run \`npm run image -- build\` first (reads WEBSVC_IMAGE or ${IMAGE_REF_FILE})`);
  return ref;
}

export function buildah(args: string[]): string {
  return execFileSync("buildah", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
}

/** The OCI image config fields the checks read (image-spec config.json "config"). */
export interface OciConfig {
  User?: string;
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  StopSignal?: string;
  ExposedPorts?: Record<string, object>;
  Labels?: Record<string, string>;
}

export interface ImageInfo {
  config: OciConfig;
  /** The manifest exactly as stored; its sha256 is the image's manifest digest. */
  manifest: string;
  /** sha256:<hex> of `manifest`, computed here. */
  manifestDigest: string;
  /** Sum of the manifest's layer sizes (uncompressed tar as buildah stores them), in bytes. */
  layerBytes: number;
}

export function inspectImage(ref: string): ImageInfo {
  const raw = JSON.parse(buildah(["inspect", "--type", "image", ref])) as { Manifest: string; OCIv1: { config?: OciConfig } };
  const manifest = raw.Manifest;
  const layers = (JSON.parse(manifest) as { layers: { size: number }[] }).layers;
  return {
    config: raw.OCIv1.config ?? {},
    manifest,
    manifestDigest: `sha256:${createHash("sha256").update(manifest).digest("hex")}`,
    layerBytes: layers.reduce((sum, layer) => sum + layer.size, 0),
  };
}

/** Env entries of an image config as a map (NAME=value, first '=' splits). */
export function envOf(config: OciConfig): Map<string, string> {
  return new Map((config.Env ?? []).map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]));
}

/** A buildah working container of an image; `rootfs` is its mounted, merged file system. */
export class WorkingContainer {
  readonly rootfs: string;

  private constructor(readonly id: string) {
    this.rootfs = buildah(["mount", id]).trim();
  }

  static create(ref: string): WorkingContainer {
    return new WorkingContainer(buildah(["from", "--pull=never", "--quiet", ref]).trim());
  }

  /** Runs argv in the container (chroot isolation, host network) as `user`; the caller owns the process. */
  spawn(argv: string[], user: string, env: Record<string, string> = {}): ChildProcess {
    const envArgs = Object.entries(env).flatMap(([name, value]) => ["--env", `${name}=${value}`]);
    return spawn("buildah", ["run", "--isolation", "chroot", "--user", user, ...envArgs, this.id, "--", ...argv], {
      stdio: ["ignore", "pipe", "pipe"],
    });
  }

  /** Runs argv to completion; resolves with its exit code and output. */
  run(argv: string[], user: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = this.spawn(argv, user, env);
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    return new Promise((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (code) => resolve({ code, stdout, stderr }));
    });
  }

  remove(): void {
    buildah(["rm", this.id]);
  }
}

/** Runs `use` on the mounted root file system of a fresh working container of `ref`, then removes it. */
export function withRootfs<T>(ref: string, use: (rootfs: string) => T): T {
  const container = WorkingContainer.create(ref);
  try {
    return use(container.rootfs);
  } finally {
    container.remove();
  }
}

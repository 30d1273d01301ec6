// The app's dependency tree: what package-lock.json says and what a node_modules tree holds.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** "node_modules/a/node_modules/@s/b" -> version, for every package installed under dir. */
export function installedPackages(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  const visit = (modulesRel: string): void => {
    const modulesDir = path.join(dir, modulesRel);
    if (!existsSync(modulesDir)) return;
    for (const entry of readdirSync(modulesDir)) {
      if (entry.startsWith(".")) continue; // .bin, .package-lock.json
      const names = entry.startsWith("@") ? readdirSync(path.join(modulesDir, entry)).map((n) => `${entry}/${n}`) : [entry];
      for (const name of names) {
        const rel = `${modulesRel}/${name}`;
        const manifest = path.join(dir, rel, "package.json");
        if (!existsSync(manifest)) continue;
        found.set(rel, (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version);
        visit(`${rel}/node_modules`);
      }
    }
  };
  visit("node_modules");
  return found;
}

export interface LockedPackages {
  /** Packages a production install must contain (not dev, not optional). */
  required: Map<string, string>;
  /** Optional non-dev packages: allowed, not required (platform-specific ones may be skipped). */
  optional: Map<string, string>;
  /** Dev-only packages: must be absent after `npm prune --omit=dev`. */
  dev: Map<string, string>;
}

interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  link?: boolean;
}

export function lockedPackages(lockfile: string): LockedPackages {
  const { packages } = JSON.parse(readFileSync(lockfile, "utf8")) as { packages: Record<string, LockEntry> };
  const result: LockedPackages = { required: new Map(), optional: new Map(), dev: new Map() };
  for (const [rel, entry] of Object.entries(packages)) {
    if (rel === "" || entry.link || !rel.startsWith("node_modules/")) continue;
    const bucket = entry.dev ? result.dev : entry.optional ? result.optional : result.required;
    bucket.set(rel, entry.version ?? "");
  }
  return result;
}

// Reading a mounted container root file system from the host: walking it, finding executables by
// name, and snapshotting it so that writes made by a container process show up as a diff.
import { lstatSync, readdirSync, readFileSync, type Dirent } from "node:fs";
import path from "node:path";

/** Relative paths (no leading '/') of every entry under root, depth first; `skip` prunes a subtree. */
export function walk(root: string, skip: (rel: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const visit = (rel: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      return; // unreadable or vanished: nothing below it to list
    }
    for (const entry of entries) {
      const child = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (skip(child)) continue;
      out.push(child);
      if (entry.isDirectory()) visit(child);
    }
  };
  visit("");
  return out;
}

/** Kernel file systems that a running container gets mounted; their mount points hold nothing in the image. */
const RUNTIME_MOUNTS = new Set(["proc", "sys", "dev"]);

/** Executables or links anywhere in the image whose file name matches, e.g. /usr/local/bin/npm. */
export function findExecutables(root: string, name: RegExp): string[] {
  return walk(root, (rel) => RUNTIME_MOUNTS.has(rel.split("/")[0]))
    .filter((rel) => name.test(path.basename(rel)))
    .filter((rel) => {
      const stat = lstatSync(path.join(root, rel));
      return stat.isSymbolicLink() || (stat.isFile() && (stat.mode & 0o111) !== 0);
    })
    .map((rel) => `/${rel}`);
}

/** path -> type, mode, owner, size and mtime (ns): any create, delete, write, chmod or chown changes it. */
export type Snapshot = Map<string, string>;

export function snapshot(root: string, skip: (rel: string) => boolean): Snapshot {
  const snap: Snapshot = new Map();
  for (const rel of walk(root, skip)) {
    const s = lstatSync(path.join(root, rel), { bigint: true });
    const kind = s.isDirectory() ? "d" : s.isSymbolicLink() ? "l" : s.isFile() ? "f" : "o";
    snap.set(`/${rel}`, `${kind} ${s.mode.toString(8)} ${s.uid}:${s.gid} ${s.size} ${s.mtimeNs}`);
  }
  return snap;
}

/** Every path added, removed or changed between two snapshots, sorted, as "+ /p", "- /p", "~ /p". */
export function diff(before: Snapshot, after: Snapshot): string[] {
  const changes: string[] = [];
  for (const [p, sig] of after) {
    if (!before.has(p)) changes.push(`+ ${p}`);
    else if (before.get(p) !== sig) changes.push(`~ ${p}`);
  }
  for (const p of before.keys()) if (!after.has(p)) changes.push(`- ${p}`);
  return changes.sort((a, b) => a.slice(2).localeCompare(b.slice(2)));
}

/** Names and versions of the Debian packages dpkg records as installed in the image. */
export function dpkgInstalled(root: string): Map<string, string> {
  const installed = new Map<string, string>();
  for (const stanza of readFileSync(path.join(root, "var/lib/dpkg/status"), "utf8").split(/\n\n+/)) {
    const field = (name: string) => new RegExp(`^${name}: (.*)$`, "m").exec(stanza)?.[1];
    if (field("Status") === "install ok installed") installed.set(field("Package")!, field("Version")!);
  }
  return installed;
}

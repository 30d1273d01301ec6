// cgroups (v1 on this host, plus the empty unified hierarchy): every process that `up` starts, and every
// container the kubelets create, lives under one parent cgroup per cluster. `down` kills what is left in
// it (frozen first, so nothing forks meanwhile) and removes it from every hierarchy: no cgroup stays.
import * as fs from "fs";
import * as path from "path";
import { sleep } from "./sh";

const ROOT = "/sys/fs/cgroup";

/** Mounted cgroup hierarchies (v1 controllers, name=systemd, unified). */
export function hierarchies(): string[] {
  return fs
    .readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter((l) => / - cgroup2? /.test(l))
    .map((l) => l.split(" ")[4])
    .filter((p) => p.startsWith(ROOT));
}

/** Creates `rel` in every hierarchy; cpuset levels get their parent's cpus and mems (or tasks cannot join). */
export function createCgroup(rel: string): void {
  for (const h of hierarchies()) {
    let cur = h;
    for (const part of rel.split("/")) {
      const parent = cur;
      cur = path.join(cur, part);
      if (fs.existsSync(cur)) continue;
      fs.mkdirSync(cur);
      if (path.basename(h) === "cpuset") {
        for (const f of ["cpuset.cpus", "cpuset.mems"]) fs.writeFileSync(path.join(cur, f), fs.readFileSync(path.join(parent, f)));
      }
    }
  }
}

/** `sh -c` prefix that moves the shell into `rel` in every hierarchy before it execs the command. */
export function joinScript(rel: string): string {
  return hierarchies()
    .map((h) => `echo $$ > ${path.join(h, rel, "cgroup.procs")}`)
    .join(" && ");
}

function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const subs = fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory());
  return [...subs.flatMap((d) => walk(path.join(dir, d.name))), dir]; // children first
}

export function pidsIn(rel: string): number[] {
  const pids = new Set<number>();
  for (const h of hierarchies()) {
    for (const d of walk(path.join(h, rel))) {
      for (const l of fs.readFileSync(path.join(d, "cgroup.procs"), "utf8").split("\n")) if (l) pids.add(Number(l));
    }
  }
  return [...pids];
}

/** Cgroup directories of `rel` that still exist, over every hierarchy. */
export function leftovers(rel: string): string[] {
  return hierarchies().flatMap((h) => walk(path.join(h, rel)));
}

/** Kills every process under `rel` (freezer-frozen so none forks meanwhile), then removes the cgroups. */
export async function destroyCgroup(rel: string): Promise<string[]> {
  const freezer = path.join(ROOT, "freezer", rel, "freezer.state");
  const hasFreezer = fs.existsSync(freezer);
  for (let round = 0; round < 50 && pidsIn(rel).length > 0; round++) {
    if (hasFreezer) fs.writeFileSync(freezer, "FROZEN");
    for (const pid of pidsIn(rel)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
    if (hasFreezer) fs.writeFileSync(freezer, "THAWED");
    await sleep(100);
  }
  for (let round = 0; round < 30; round++) {
    for (const d of leftovers(rel)) {
      try {
        fs.rmdirSync(d);
      } catch {
        /* busy a moment longer (exiting tasks) */
      }
    }
    if (leftovers(rel).length === 0) break;
    await sleep(100);
  }
  return leftovers(rel);
}

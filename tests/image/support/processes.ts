// Processes started by `buildah run --isolation chroot`: chroot isolation makes no PID namespace,
// so the container's processes are ordinary host processes below the `buildah run` process.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid ...": comm may contain spaces and parentheses, so split after the last ')'.
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined; // exited while we looked
  }
}

function argvOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").slice(0, -1);
  } catch {
    return [];
  }
}

/** The descendant of rootPid whose argv is `argv` (argv[0] compared by file name: a runtime resolves it on PATH). */
export function findDescendant(rootPid: number, argv: string[]): number | undefined {
  const pids = readdirSync("/proc").filter((entry) => /^\d+$/.test(entry)).map(Number);
  const children = new Map<number, number[]>();
  for (const pid of pids) {
    const parent = parentOf(pid);
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  const queue = [...(children.get(rootPid) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    const candidate = argvOf(pid);
    if (candidate.length === argv.length && path.basename(candidate[0]) === path.basename(argv[0])
        && candidate.slice(1).every((arg, i) => arg === argv[i + 1])) return pid;
    queue.push(...(children.get(pid) ?? []));
  }
  return undefined;
}

/** Real user and group ids of a process, from /proc/<pid>/status. */
export function idsOf(pid: number): { uid: number; gid: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const first = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(status)![1]);
  return { uid: first("Uid"), gid: first("Gid") };
}

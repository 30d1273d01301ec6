// Processes started by `buildah run --isolation chroot`: chroot isolation makes no PID namespace,
// so the container's processes are ordinary host processes below the `buildah run` process.
import { readFileSync } from "node:fs";
import path from "node:path";
import { descendantsOf } from "../../support/processes";

function argvOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").slice(0, -1);
  } catch {
    return [];
  }
}

/** The descendant of rootPid whose argv is `argv` (argv[0] compared by file name: a runtime resolves it on PATH). */
export function findDescendant(rootPid: number, argv: string[]): number | undefined {
  return descendantsOf(rootPid).find((pid) => {
    const candidate = argvOf(pid);
    return candidate.length === argv.length && path.basename(candidate[0]) === path.basename(argv[0])
      && candidate.slice(1).every((arg, i) => arg === argv[i + 1]);
  });
}

/** Real user and group ids of a process, from /proc/<pid>/status. */
export function idsOf(pid: number): { uid: number; gid: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const first = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(status)![1]);
  return { uid: first("Uid"), gid: first("Gid") };
}

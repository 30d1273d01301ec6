// The host's process tree, from /proc: shared by the image tests (a container's process under
// `buildah run`) and the deploy-safety tier (a killed CLI's plugins).
import { readdirSync } from "node:fs";
import { procStatFields } from "../../scripts/cluster/nodes/sh";

/** Field 4 of /proc/<pid>/stat; undefined when the process exited while we looked. */
function parentOf(pid: number): number | undefined {
  const fields = procStatFields(pid);
  return fields === undefined ? undefined : Number(fields[1]);
}

/** Every process below `rootPid` (children, then their children, ...), nearest first. */
export function descendantsOf(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of readdirSync("/proc").filter((entry) => /^\d+$/.test(entry)).map(Number)) {
    const parent = parentOf(pid);
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  const out: number[] = [];
  for (const queue = [rootPid]; queue.length > 0; ) {
    const next = children.get(queue.shift()!) ?? [];
    out.push(...next);
    queue.push(...next);
  }
  return out;
}

// What `up` started for the real nodes, in <run>/nodes/state.json: every process (pid + start time),
// the registry's port and the image pushed for the image tier.
import * as fs from "fs";
import * as path from "path";
import { Proc } from "./sh";

export interface NodesState {
  registryPort: number;
  procs: Proc[];
  image?: string; // ghcr.io/example-org/websvc@sha256:...
}

const file = (run: string) => path.join(run, "nodes", "state.json");

export function loadState(run: string): NodesState | undefined {
  try {
    return JSON.parse(fs.readFileSync(file(run), "utf8")) as NodesState;
  } catch {
    return undefined;
  }
}

export function saveState(run: string, s: NodesState): void {
  const tmp = `${file(run)}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(s, null, 2));
  fs.renameSync(tmp, file(run));
}

/** Reads a KEY=value line of cluster.sh's state.env. */
export function clusterState(run: string, key: string): string | undefined {
  try {
    const lines = fs.readFileSync(path.join(run, "state.env"), "utf8").split("\n").filter((x) => x.startsWith(`${key}=`));
    return lines.length ? lines[lines.length - 1].slice(key.length + 1) : undefined;
  } catch {
    return undefined;
  }
}

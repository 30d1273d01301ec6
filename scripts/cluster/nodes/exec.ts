// `exec`: a command in a real node's network namespace (pod and ClusterIP addresses reachable), as
// argv for nsenter. Shared by `cluster.sh exec` and the runtime tier, which calls it directly: going
// through cluster.sh costs a Node start and a ts-node compile (seconds on a busy machine) per call.
import { loadLayout } from "./layout";
import { CommandError, alive } from "./sh";
import { loadState } from "./state";

/** `nsenter --net=<node's namespace> -- cmd...`; args are `[--node NAME] [--] CMD...` as `exec` takes them. */
export function nodeExecArgv(run: string, args: string[]): string[] {
  const l = loadLayout(run);
  if (!l) throw new CommandError(`no real nodes in ${run} (start them with \`npm run cluster -- up --real-nodes N\`)`);
  const s = loadState(run);
  if (!s) throw new CommandError(`no real-node state in ${run}/nodes`);
  let node = l.nodes[0];
  if (args[0] === "--node") {
    const n = l.nodes.find((x) => x.name === args[1]);
    if (!n) throw new CommandError(`exec --node: no real node ${args[1]} (have ${l.nodes.map((x) => x.name).join(", ")})`);
    node = n;
    args = args.slice(2);
  }
  if (args[0] === "--") args = args.slice(1);
  if (!args.length) throw new CommandError("exec: no command (usage: exec [--node NAME] -- CMD...)");
  const holder = s.procs.find((p) => p.name === `${node.name}/holder`);
  if (!holder || !alive(holder)) throw new CommandError(`exec: ${node.name}'s namespace holder is not running`);
  return ["nsenter", `--net=/proc/${holder.pid}/ns/net`, "--", ...args];
}

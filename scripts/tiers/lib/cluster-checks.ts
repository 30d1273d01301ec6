// Live-cluster checks for scripts/tiers/test-cluster.sh that need more than a jsonpath:
//   checks.ts spread <namespace> <selector>
//       zone of every pod matching the selector (through its node); exit 1 when the skew across the
//       cluster's zones is above 1, or when a pod is unscheduled
//   checks.ts watch-ready <namespace> <selector> <desired>
//       watches the pods until SIGTERM, then prints the lowest number of Ready, non-terminating
//       pods seen after the first full list and exits 1 if it fell below <desired>
// kubectl comes from PATH with KUBECONFIG set (the tier evals `cluster.sh env`).
import { execFileSync, spawn } from "child_process";
import * as readline from "readline";

const ZONE_LABEL = "topology.kubernetes.io/zone";

function kubectlJson(args: string[]): any {
    return JSON.parse(execFileSync("kubectl", [...args, "-o", "json"], { encoding: "utf8", maxBuffer: 64 << 20 }));
}

function spread(namespace: string, selector: string): number {
    const zoneOfNode = new Map<string, string>();
    for (const node of kubectlJson(["get", "nodes"]).items) {
        zoneOfNode.set(node.metadata.name, node.metadata.labels?.[ZONE_LABEL] ?? "(none)");
    }
    const counts = new Map<string, number>([...new Set(zoneOfNode.values())].map((z) => [z, 0]));
    const pods = kubectlJson(["-n", namespace, "get", "pods", "-l", selector]).items
        .filter((p: any) => !p.metadata.deletionTimestamp);
    const unscheduled = pods.filter((p: any) => !p.spec.nodeName).map((p: any) => p.metadata.name);
    for (const pod of pods) {
        if (pod.spec.nodeName) {
            const zone = zoneOfNode.get(pod.spec.nodeName) ?? "(unknown node)";
            counts.set(zone, (counts.get(zone) ?? 0) + 1);
        }
    }
    const values = [...counts.values()];
    const skew = Math.max(...values) - Math.min(...values);
    const layout = [...counts.entries()].sort().map(([z, n]) => `${z}=${n}`).join(" ");
    console.log(`${pods.length} pods: ${layout}; skew ${skew}${unscheduled.length ? `; unscheduled: ${unscheduled.join(", ")}` : ""}`);
    return skew <= 1 && unscheduled.length === 0 && pods.length > 0 ? 0 : 1;
}

function watchReady(namespace: string, selector: string, desired: number): void {
    // One line per watch event; the first lines are the initial list (ADDED events).
    const template = '{.type} {.object.metadata.name} {.object.metadata.deletionTimestamp} {.object.status.conditions[?(@.type=="Ready")].status}{"\\n"}';
    const watch = spawn("kubectl", ["-n", namespace, "get", "pods", "-l", selector, "--watch", "--output-watch-events", "-o", `jsonpath=${template}`],
        { stdio: ["ignore", "pipe", "inherit"] });
    const ready = new Map<string, boolean>();
    let lowest = Number.POSITIVE_INFINITY;
    let listed = false;
    let events = 0;
    const initialCount = Number(execFileSync("kubectl", ["-n", namespace, "get", "pods", "-l", selector, "--no-headers"], { encoding: "utf8" })
        .split("\n").filter((l) => l.trim() !== "").length);
    const readyCount = () => [...ready.values()].filter(Boolean).length;
    readline.createInterface({ input: watch.stdout }).on("line", (line) => {
        const parts = line.trim().split(/\s+/);
        if (parts.length < 2) return;
        const [type, name] = parts;
        // With no deletionTimestamp the field is empty, so a 3-field line is "type name status".
        const terminating = parts.length >= 4;
        const isReady = parts[parts.length - 1] === "True" && !terminating;
        events++;
        if (type === "DELETED") ready.delete(name); else ready.set(name, isReady);
        if (!listed && ready.size >= initialCount) listed = true;
        if (listed) lowest = Math.min(lowest, readyCount());
    });
    const finish = () => {
        watch.kill("SIGTERM");
        const low = Number.isFinite(lowest) ? lowest : readyCount();
        console.log(`lowest Ready (non-terminating) pods during the watch: ${low} (desired ${desired}, ${events} events)`);
        process.exit(low >= desired ? 0 : 1);
    };
    process.on("SIGTERM", finish);
    process.on("SIGINT", finish);
}

const [cmd, ...args] = process.argv.slice(2);
if (cmd === "spread" && args.length === 2) {
    process.exit(spread(args[0], args[1]));
} else if (cmd === "watch-ready" && args.length === 3) {
    watchReady(args[0], args[1], Number(args[2]));
} else {
    console.error("usage: checks.ts spread <namespace> <selector> | watch-ready <namespace> <selector> <desired>");
    process.exit(2);
}

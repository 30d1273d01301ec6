// The runtime tier's contract, on top of the engine and cluster tiers' (a `pulumi` CLI on PATH, a
// cluster from KUBECONFIG; tier.ts, engine.ts, kube.ts): the cluster must be one of
// `npm run cluster -- up --real-nodes N` (WEBSVC_CLUSTER_DIR picks its run directory;
// RUNTIME_CLUSTER_SCRIPT another copy of scripts/cluster.sh) with at least 3 Ready real nodes, because
// the tier also uses its `exec` (a command inside the nodes' network, where pod and ClusterIP addresses
// are reachable), `push` (an image into the registry the nodes pull from) and `status` (the image tier's
// build as the nodes pull it: IMAGE=<ref>@sha256:<digest>).
// Two conveniences, nothing provisioned: the toolchain's bin directory goes on PATH when it is built and
// no `pulumi` is on PATH, and the cluster's export lines are applied when KUBECONFIG is unset.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { engineMissing } from "./engine";
import { clusterMissing, kubectlJson } from "./kube";
import { onPath, ROOT, type Missing } from "./tier";
import { nodeExecArgv } from "../../../scripts/cluster/nodes/exec";

export interface RuntimeEnv {
    clusterScript: string;
    clusterDir: string;
    /** The app image as the nodes pull it: <repository>@sha256:<digest>. */
    image: string;
    /** Names of the Ready nodes that run containers (containerd), as opposed to kwok's. */
    realNodes: string[];
}

const PROVIDE_NODES = "`WEBSVC_CLUSTER_DIR=<dir> npm run cluster -- up --real-nodes 3` with the same WEBSVC_CLUSTER_DIR here";
const PROVIDE_IMAGE = "`npm run image -- build`, then `npm run cluster -- push-image` (or a new `up`)";

function clusterRun(script: string, dir: string, args: string[]): { code: number; out: string; err: string } {
    const r = spawnSync("bash", [script, ...args], { env: { ...process.env, WEBSVC_CLUSTER_DIR: dir }, encoding: "utf8", timeout: 120_000 });
    return { code: r.status ?? -1, out: r.stdout ?? "", err: r.stderr ?? "" };
}

/** `export NAME=value` lines (as `cluster up`/`env` print them) into a map, with $VARS expanded as a shell would. */
export function parseExports(text: string): Record<string, string> {
    const vars: Record<string, string> = {};
    for (const line of text.split("\n")) {
        const m = /^export ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
        if (m) vars[m[1]] = m[2].replace(/^(['"])(.*)\1$/, "$2").replace(/\$\{?([A-Z_][A-Z0-9_]*)\}?/g, (_, v) => process.env[v] ?? "");
    }
    return vars;
}

/** KEY=value lines (as `cluster status` prints them) into a map. */
export function parseKeyValues(text: string): Record<string, string> {
    const vars: Record<string, string> = {};
    for (const line of text.split("\n")) {
        const m = /^([A-Z_][A-Z0-9_]*)=(\S+)$/.exec(line.trim());
        if (m) vars[m[1]] = m[2];
    }
    return vars;
}

/** The environment, or what is missing (each item with the command that provides it). */
export function detectRuntimeEnv(): { env?: RuntimeEnv; missing: Missing[] } {
    if (!onPath("pulumi")) {
        const r = spawnSync("bash", [path.join(ROOT, "scripts/pulumi-toolchain.sh"), "--print-bin-dir"], { encoding: "utf8" });
        if (r.status === 0) process.env.PATH = `${r.stdout.trim()}${path.delimiter}${process.env.PATH}`;
    }
    const clusterScript = process.env.RUNTIME_CLUSTER_SCRIPT ?? path.join(ROOT, "scripts/cluster.sh");
    const clusterDir = process.env.WEBSVC_CLUSTER_DIR ?? path.join(process.env.XDG_RUNTIME_DIR ?? "/tmp", "websvc-cluster");
    if (!process.env.KUBECONFIG) {
        const e = clusterRun(clusterScript, clusterDir, ["env"]);
        if (e.code === 0) Object.assign(process.env, parseExports(e.out));
    }
    const missing = [...engineMissing(), ...clusterMissing()];
    if (missing.length > 0) return { missing };

    const status = clusterRun(clusterScript, clusterDir, ["status"]);
    if (status.code !== 0) return { missing: [{ what: `\`cluster status\` of ${clusterDir} failed: ${(status.err || status.out).trim().split("\n").pop()}`, provide: PROVIDE_NODES }] };
    const image = parseKeyValues(status.out).IMAGE ?? "";
    if (!/@sha256:[0-9a-f]{64}$/.test(image)) missing.push({ what: `\`cluster status\` names no pushed app image (IMAGE=<ref>@sha256:<digest>), got ${JSON.stringify(image)}`, provide: PROVIDE_IMAGE });
    const realNodes = kubectlJson(["get", "nodes"]).items
        .filter((n: any) => String(n.status?.nodeInfo?.containerRuntimeVersion ?? "").startsWith("containerd://"))
        .filter((n: any) => (n.status?.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True"))
        .map((n: any) => n.metadata.name as string);
    if (realNodes.length < 3) missing.push({ what: `${realNodes.length} Ready real node(s); production's hard zone spread and a drain need 3`, provide: PROVIDE_NODES });
    return missing.length > 0 ? { missing } : { missing, env: { clusterScript, clusterDir, image, realNodes } };
}

/** Runs `cluster.sh <args>` (exec, push) and returns stdout; throws with stderr on failure. */
export function clusterCommand(env: RuntimeEnv, args: string[], opts: { timeoutMs?: number } = {}): string {
    const [cmd, ...argv] = args[0] === "exec" ? nodeExecArgv(env.clusterDir, args.slice(1)) : ["bash", env.clusterScript, ...args];
    try {
        return execFileSync(cmd, argv, {
            env: { ...process.env, WEBSVC_CLUSTER_DIR: env.clusterDir },
            encoding: "utf8", timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 << 20, stdio: ["ignore", "pipe", "pipe"],
        });
    } catch (e: any) {
        throw new Error(`cluster ${args.join(" ")}: ${(e.stderr || e.message || "").toString().trim()}`, { cause: e });
    }
}

/**
 * argv of `cluster exec [--node NAME] -- CMD...` run directly (nsenter into the node's network
 * namespace), without a Node start per call; its PID is the command's own.
 */
export function nodeExec(env: RuntimeEnv, args: string[]): string[] {
    return nodeExecArgv(env.clusterDir, args);
}

/** The environment the cluster script's `exec` needs (the run dir), for spawning it directly. */
export function clusterProcessEnv(env: RuntimeEnv): NodeJS.ProcessEnv {
    return { ...process.env, WEBSVC_CLUSTER_DIR: env.clusterDir };
}

/**
 * `ctr containers list [filter]` of every real node's containerd (k8s.io namespace): one line per
 * container (pod sandboxes included), with its image. A filter such as
 * `labels."io.kubernetes.pod.namespace"==websvc-production` selects by the CRI's labels.
 */
export function containersOnNodes(env: RuntimeEnv, filter?: string): { sockets: number; lines: string[] } {
    const nodesDir = path.join(env.clusterDir, "nodes");
    const sockets = fs.existsSync(nodesDir)
        ? fs.readdirSync(nodesDir).map((d) => path.join(nodesDir, d, "containerd.sock")).filter((s) => fs.existsSync(s))
        : [];
    const lines = sockets.flatMap((s) => execFileSync("ctr", ["--address", s, "-n", "k8s.io", "containers", "list", ...(filter ? [filter] : [])], { encoding: "utf8", timeout: 30_000 })
        .split("\n").slice(1).filter((l) => l.trim() !== "").map((l) => `${path.basename(path.dirname(s))}: ${l.trim()}`));
    return { sockets: sockets.length, lines };
}

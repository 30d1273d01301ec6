// The runtime tier's contract with its environment, checked once before any check runs:
//   - a `pulumi` CLI (the toolchain that scripts/pulumi-toolchain.sh builds, or PULUMI_BIN_DIR);
//   - a cluster with real nodes from `npm run cluster -- up --real-nodes N` (WEBSVC_CLUSTER_DIR picks
//     its run directory; RUNTIME_CLUSTER_SCRIPT another copy of scripts/cluster.sh), which gives the
//     KUBECONFIG, runs commands inside the nodes' network (`exec`), publishes images (`push`) and
//     names the image tier's build as the nodes pull it (`status`: IMAGE=<ref>@sha256:<digest>).
// Provisioning (toolchain, cluster, image) is not done here: what is missing is named, and the tier
// skips with that reason.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "../../..");

export interface RuntimeEnv {
    /** Directory holding pulumi, pulumi-language-nodejs and the resource plugins. */
    pulumiBin: string;
    clusterScript: string;
    clusterDir: string;
    /** Environment for kubectl and the Pulumi program: KUBECONFIG and the cluster's PATH. */
    clusterEnv: Record<string, string>;
    /** The app image as the nodes pull it: <repository>@sha256:<digest>. */
    image: string;
    /** Names of the nodes that run containers (containerd), as opposed to kwok's. */
    realNodes: string[];
    /** Scratch directory of this run (program copies, state, logs). */
    work: string;
    hasRandomProvider: boolean;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): { code: number; out: string; err: string } {
    const r = spawnSync(cmd, args, { env, encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 << 20 });
    return { code: r.status ?? -1, out: r.stdout ?? "", err: (r.stderr ?? "") + (r.error ? String(r.error) : "") };
}

/** `export NAME=value` lines (as `cluster up`/`env` print them) into a map. */
export function parseExports(text: string): Record<string, string> {
    const vars: Record<string, string> = {};
    for (const line of text.split("\n")) {
        const m = /^export ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
        // `export PATH=<bin>:$PATH` is meant for a shell: expand the variables it refers to.
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

/** The environment, or the list of what is missing (each item says how to provide it). */
export function detectRuntimeEnv(): { env?: RuntimeEnv; missing: string[] } {
    const missing: string[] = [];
    const base = { ...process.env };

    let pulumiBin = process.env.PULUMI_BIN_DIR ?? "";
    if (!pulumiBin) {
        const r = run("bash", [path.join(ROOT, "scripts/pulumi-toolchain.sh"), "--print-bin-dir"], base);
        pulumiBin = r.out.trim();
        if (r.code !== 0) missing.push(`the Pulumi toolchain is not built in ${pulumiBin} (npm run toolchain; about 50 min cold on 2 cores)`);
    } else if (!fs.existsSync(path.join(pulumiBin, "pulumi"))) {
        missing.push(`PULUMI_BIN_DIR=${pulumiBin} holds no pulumi binary`);
    }

    const clusterScript = process.env.RUNTIME_CLUSTER_SCRIPT ?? path.join(ROOT, "scripts/cluster.sh");
    const clusterDir = process.env.WEBSVC_CLUSTER_DIR ?? path.join(process.env.XDG_RUNTIME_DIR ?? "/tmp", "websvc-cluster");
    const clusterBase = { ...base, WEBSVC_CLUSTER_DIR: clusterDir };
    const envOut = run("bash", [clusterScript, "env"], clusterBase);
    const clusterEnv = parseExports(envOut.out);
    let image = "";
    let realNodes: string[] = [];
    if (envOut.code !== 0 || !clusterEnv.KUBECONFIG) {
        missing.push(`no running cluster in ${clusterDir} (npm run cluster -- up --real-nodes 3 with WEBSVC_CLUSTER_DIR=${clusterDir}): ${(envOut.err || envOut.out).trim().split("\n").pop()}`);
    } else {
        const status = parseKeyValues(run("bash", [clusterScript, "status"], clusterBase).out);
        image = status.IMAGE ?? "";
        if (!/@sha256:[0-9a-f]{64}$/.test(image)) {
            missing.push(`\`cluster status\` names no pushed app image (IMAGE=<ref>@sha256:<digest>; build it with npm run image -- build, then cluster up pushes it), got ${JSON.stringify(image)}`);
        }
        const kenv = { ...clusterBase, ...clusterEnv };
        const nodes = run("kubectl", ["get", "nodes", "-o", "json"], kenv);
        if (nodes.code !== 0) missing.push(`kubectl get nodes failed: ${nodes.err.trim()}`);
        else {
            realNodes = JSON.parse(nodes.out).items
                .filter((n: any) => String(n.status?.nodeInfo?.containerRuntimeVersion ?? "").startsWith("containerd://"))
                .filter((n: any) => (n.status?.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True"))
                .map((n: any) => n.metadata.name as string);
            if (realNodes.length < 3) {
                missing.push(`${realNodes.length} Ready real node(s) (containerd); production's hard zone spread and a drain need 3 (cluster up --real-nodes 3)`);
            }
        }
    }
    if (missing.length > 0) return { missing };

    const work = fs.mkdtempSync(path.join(os.tmpdir(), "websvc-runtime."));
    return {
        missing,
        env: {
            pulumiBin,
            clusterScript,
            clusterDir,
            clusterEnv: { WEBSVC_CLUSTER_DIR: clusterDir, ...clusterEnv },
            image,
            realNodes,
            work,
            hasRandomProvider: fs.existsSync(path.join(pulumiBin, "pulumi-resource-random")),
        },
    };
}

/** Runs `cluster.sh <args>` (exec, push, status) and returns stdout; throws with stderr on failure. */
export function clusterCommand(env: RuntimeEnv, args: string[], opts: { timeoutMs?: number; input?: string } = {}): string {
    return execFileSync("bash", [env.clusterScript, ...args], {
        env: { ...process.env, ...env.clusterEnv },
        encoding: "utf8",
        timeout: opts.timeoutMs ?? 60_000,
        input: opts.input,
        maxBuffer: 64 << 20,
        stdio: ["pipe", "pipe", "pipe"],
    });
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

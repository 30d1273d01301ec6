// NetworkPolicy for real: kube-router's firewall (built here from the Go module proxy) enforces the
// stack's policies on the real nodes, and probe pods check who reaches what. Every probe is a TCP
// connect with a deadline, run from inside a pod (`kubectl exec … node -e`), so it takes the pod's own
// network path.
// kube-network-policies v0.8.0 was the first choice; it cannot enforce on this kernel: its rules use
// the nftables `queue` expression, which the kernel lacks (`nft add rule … queue num 98 bypass` →
// "Could not process rule: No such file or directory"; the enforcer logs "netlink receive: no such file
// or directory" at every sync). kube-router filters with iptables and ipset, which this kernel has.
import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import YAML from "yaml";
import { clusterProcessEnv, nodeExec, type RuntimeEnv } from "./runtime-env";
import { podExec } from "./runtime-kube";

/**
 * kube-router with only its firewall (no routing, no service proxy, no CNI), one process per real node
 * inside that node's network namespace (`cluster exec --node`): it calls the iptables and ipset
 * commands, so it runs beside kube-proxy with the host's binaries rather than in a FROM-scratch image.
 * It reaches the apiserver as the nodes do, through the forwarder on the host end of the hub link.
 */
export class KubeRouterFirewall {
    private readonly procs: { node: string; proc: ChildProcess }[] = [];
    readonly logDir = fs.mkdtempSync(path.join(os.tmpdir(), "websvc-runtime-kube-router-"));
    private readonly kubeconfig = path.join(this.logDir, "kubeconfig");

    constructor(private readonly env: RuntimeEnv, private readonly binary: string) {}

    start(): void {
        const layout = JSON.parse(fs.readFileSync(path.join(this.env.clusterDir, "nodes", "layout.json"), "utf8"));
        const kc = YAML.parse(fs.readFileSync(process.env.KUBECONFIG!, "utf8"));
        for (const c of kc.clusters) {
            c.cluster.server = `https://${layout.hostAddr}:${layout.apiserverProxyPort}`;
            c.cluster["tls-server-name"] = "kubernetes";
        }
        fs.writeFileSync(this.kubeconfig, YAML.stringify(kc), { mode: 0o600 });
        for (const node of this.env.realNodes) {
            const log = fs.openSync(path.join(this.logDir, `${node}.log`), "w");
            const [cmd, ...argv] = nodeExec(this.env, ["--node", node, "--", this.binary,
                "--run-firewall=true", "--run-router=false", "--run-service-proxy=false", "--enable-cni=false",
                `--kubeconfig=${this.kubeconfig}`, `--hostname-override=${node}`, `--service-cluster-ip-range=${layout.serviceCidr}`,
                "--health-port=0", "--metrics-port=0", "--iptables-sync-period=1m", "-v=1"]);
            const proc = spawn(cmd, argv, { env: clusterProcessEnv(this.env), stdio: ["ignore", log, log], detached: true });
            this.procs.push({ node, proc });
        }
    }

    /** Processes that exited already (a crash), with the end of their log. */
    exited(): string[] {
        return this.procs.filter((p) => p.proc.exitCode !== null || p.proc.signalCode !== null)
            .map((p) => `${p.node}: exited ${p.proc.exitCode ?? p.proc.signalCode}: ${fs.readFileSync(path.join(this.logDir, `${p.node}.log`), "utf8").trim().split("\n").slice(-3).join(" | ")}`);
    }

    /**
     * Stops every process (its whole process group), waits for them to exit, and removes kube-router's
     * iptables rules and ipsets from each node. kube-router v2.1.0's own `--cleanup-config` panics here
     * (cmd/kube-router/kube-router.go:21), and rules left behind keep filtering with frozen ipsets: a pod
     * started later (Prometheus, in the observability checks) would be refused by a policy that allows
     * it. So the rules are removed here, and the result is checked: what is left is returned.
     */
    stop(): string[] {
        for (const { proc } of this.procs) {
            try { process.kill(-proc.pid!, "SIGTERM"); } catch { /* already gone */ }
        }
        const deadline = Date.now() + 15_000;
        while (this.procs.some((p) => p.proc.exitCode === null && p.proc.signalCode === null) && Date.now() < deadline) spawnSync("sleep", ["0.2"]);
        for (const { proc } of this.procs) {
            try { process.kill(-proc.pid!, "SIGKILL"); } catch { /* exited */ }
        }
        const left: string[] = [];
        const inNode = (node: string, args: string[], input?: string) => {
            const [cmd, ...argv] = nodeExec(this.env, ["--node", node, "--", ...args]);
            const r = spawnSync(cmd, argv, { env: clusterProcessEnv(this.env), encoding: "utf8", timeout: 60_000, input });
            if (r.status !== 0) throw new Error(`${node}: ${args.join(" ")} exited ${r.status}: ${(r.stderr || r.stdout).trim().split("\n").pop()}`);
            return r.stdout;
        };
        for (const node of this.env.realNodes) {
            try {
                const saved = inNode(node, ["iptables-save", "-t", "filter"]);
                inNode(node, ["iptables-restore", "-w", "5"], withoutKubeRouter(saved));
                for (const set of inNode(node, ["ipset", "list", "-n"]).split("\n").filter((n) => KUBE_ROUTER_IPSET.test(n))) inNode(node, ["ipset", "destroy", set]);
                const rules = inNode(node, ["iptables-save", "-t", "filter"]).split("\n").filter((l) => KUBE_ROUTER_CHAIN.test(l)).length;
                const sets = inNode(node, ["ipset", "list", "-n"]).split("\n").filter((n) => KUBE_ROUTER_IPSET.test(n)).length;
                if (rules || sets) left.push(`${node}: ${rules} kube-router rule line(s) and ${sets} ipset(s) left`);
            } catch (e) {
                left.push((e as Error).message);
            }
        }
        return left;
    }
}

/** kube-router's firewall chains (its hooks in INPUT/FORWARD/OUTPUT jump to the first three). */
const KUBE_ROUTER_CHAIN = /\b(KUBE-ROUTER-(INPUT|FORWARD|OUTPUT)|KUBE-NWPLCY-[A-Z0-9]+|KUBE-POD-FW-[A-Z0-9]+)\b/;
const KUBE_ROUTER_IPSET = /^(KUBE-(SRC|DST)-[A-Z0-9]+|kube-router-.*)$/;

/** An `iptables-save -t filter` dump without kube-router's chains and the rules that use them (kube-proxy's stay). */
export function withoutKubeRouter(saved: string): string {
    return saved.split("\n").filter((l) => !KUBE_ROUTER_CHAIN.test(l)).join("\n");
}

const CONNECT_TIMEOUT_MS = 3000;

export interface ProbeTarget {
    label: string;
    host: string;
    port: number;
}

/** Connects to every target at once from inside the pod; "open", or why not ("timeout" is a dropped SYN). */
export function probeFrom(namespace: string, pod: string, targets: ProbeTarget[]): Map<string, string> {
    const script = `const net = require("net"); const targets = ${JSON.stringify(targets)};
Promise.all(targets.map((t) => new Promise((resolve) => {
  const s = net.connect({ host: t.host, port: t.port });
  const done = (r) => { s.destroy(); resolve([t.label, r]); };
  s.setTimeout(${CONNECT_TIMEOUT_MS}, () => done("timeout"));
  s.on("connect", () => done("open"));
  s.on("error", (e) => done(e.code || e.message));
}))).then((r) => console.log(JSON.stringify(r)));`;
    const out = podExec(namespace, pod, ["node", "-e", script], 30_000);
    return new Map(JSON.parse(out.trim().split("\n").pop() ?? "[]"));
}

/** A pod running the app image (it listens on 8080 and 9090), in a namespace of its own choosing. */
export function probePod(namespace: string, name: string, image: string, labels: Record<string, string> = {}): object[] {
    return [
        { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace, labels: { "websvc-runtime-tier": "probe" } } },
        podManifest(namespace, name, image, labels, undefined),
    ];
}

/**
 * A stand-in for cluster DNS: the app's egress policy allows TCP/UDP 53 to pods labelled
 * k8s-app=kube-dns in kube-system, and no CoreDNS runs here. It accepts TCP on 53 (as root, for the
 * low port) and on 8080, so the matrix can show that only the DNS port is open to the app.
 */
export function dnsStandIn(image: string): object {
    const listen = 'const net = require("net"); for (const p of [53, 8080]) net.createServer((s) => s.end()).listen(p);';
    return podManifest("kube-system", "websvc-runtime-dns-standin", image, { "k8s-app": "kube-dns" }, ["node", "-e", listen], 0);
}

function podManifest(namespace: string, name: string, image: string, labels: Record<string, string>, command: string[] | undefined, runAsUser = 10001): object {
    return {
        apiVersion: "v1", kind: "Pod",
        metadata: { name, namespace, labels: { "websvc-runtime-tier": "probe", ...labels } },
        spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: 1,
            containers: [{
                name: "probe", image, imagePullPolicy: "IfNotPresent",
                ...(command ? { command } : {}),
                securityContext: { runAsUser, runAsGroup: runAsUser, runAsNonRoot: runAsUser !== 0, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: runAsUser === 0 ? { drop: ["ALL"], add: ["NET_BIND_SERVICE"] } : { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } },
                resources: { requests: { cpu: "10m", memory: "48Mi" }, limits: { memory: "128Mi" } },
                volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
            }],
            volumes: [{ name: "tmp", emptyDir: {} }],
        },
    };
}

export interface MatrixRow {
    from: string;
    to: string;
    expected: "open" | "blocked";
    seen: string;
}

export const rowOk = (r: MatrixRow, enforced: boolean): boolean =>
    enforced ? (r.expected === "open" ? r.seen === "open" : r.seen !== "open") : r.seen === "open";

export function formatMatrix(rows: MatrixRow[], enforced: boolean): string {
    const w = Math.max(...rows.map((r) => `${r.from} -> ${r.to}`.length));
    return rows.map((r) => {
        const want = enforced ? r.expected : "open";
        return `    ${`${r.from} -> ${r.to}`.padEnd(w)}  expected ${want.padEnd(7)}  seen ${r.seen.padEnd(8)} ${rowOk(r, enforced) ? "ok" : "WRONG"}`;
    }).join("\n");
}

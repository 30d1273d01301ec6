// The live cluster for the deploy-safety specs: kubectl as admin (KUBECONFIG) or as one of the CI
// identities of deploy/rbac (ServiceAccount tokens written into their own kubeconfigs), the objects a
// stack left live compared with its state, and a restart of the local API server of scripts/cluster.sh.
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { ROOT } from "./safety-engine";
import { procStart } from "../../../scripts/cluster/nodes/sh";

export const RBAC_DIR = path.join(ROOT, "deploy/rbac");
export const CI_NAMESPACE = "websvc-ci";

export interface Kubectl {
    (args: readonly string[], input?: string): string;
    /** Exit status and combined output, for commands expected to fail. */
    attempt(args: readonly string[], input?: string): { ok: boolean; output: string };
}

export function kubectlAs(kubeconfig?: string): Kubectl {
    const env = kubeconfig ? { ...process.env, KUBECONFIG: kubeconfig } : process.env;
    const k = ((args: readonly string[], input?: string) =>
        execFileSync("kubectl", args, { encoding: "utf8", input, env, maxBuffer: 64 << 20, stdio: ["pipe", "pipe", "pipe"], timeout: 60_000 })) as Kubectl;
    k.attempt = (args, input) => {
        try {
            return { ok: true, output: k(args, input) };
        } catch (e) {
            const x = e as { stdout?: string; stderr?: string };
            return { ok: false, output: `${x.stdout ?? ""}${x.stderr ?? String(e)}` };
        }
    };
    return k;
}

/** Why the cluster cannot be used, or undefined. */
export function clusterProblem(): string | undefined {
    if (!process.env.KUBECONFIG || !fs.existsSync(process.env.KUBECONFIG)) return "KUBECONFIG is not set to an existing file (start a cluster: `eval \"$(npm run --silent cluster -- up)\"`)";
    const r = kubectlAs().attempt(["get", "--raw", "/readyz"]);
    return r.ok ? undefined : `the cluster of KUBECONFIG does not answer /readyz: ${r.output.trim().split("\n").pop()}`;
}

/** A kubeconfig for ServiceAccount websvc-ci/<sa>: the admin kubeconfig's server and CA, a 2 h token. */
export function identityKubeconfig(admin: Kubectl, sa: string, dir: string): string {
    const view = YAML.parse(admin(["config", "view", "--raw", "--minify", "-o", "yaml"]));
    const cluster = view.clusters[0].cluster;
    const token = admin(["-n", CI_NAMESPACE, "create", "token", sa, "--duration", "2h"]).trim();
    const file = path.join(dir, `${sa}.kubeconfig`);
    const config = {
        apiVersion: "v1", kind: "Config", "current-context": sa,
        clusters: [{ name: "local", cluster: { server: cluster.server, "certificate-authority-data": cluster["certificate-authority-data"] ?? Buffer.from(fs.readFileSync(cluster["certificate-authority"])).toString("base64") } }],
        users: [{ name: sa, user: { token } }],
        contexts: [{ name: sa, context: { cluster: "local", user: sa } }],
    };
    fs.writeFileSync(file, YAML.stringify(config), { mode: 0o600 });
    return file;
}

/** kinds a stack manages in its namespace, as `kubectl get` names them. */
const STACK_KINDS = [
    "configmaps", "secrets", "services", "serviceaccounts", "persistentvolumeclaims", "deployments.apps",
    "horizontalpodautoscalers.autoscaling", "poddisruptionbudgets.policy", "networkpolicies.networking.k8s.io",
    "ingresses.networking.k8s.io", "roles.rbac.authorization.k8s.io", "rolebindings.rbac.authorization.k8s.io",
    "servicemonitors.monitoring.coreos.com", "prometheusrules.monitoring.coreos.com", "alertmanagerconfigs.monitoring.coreos.com",
];
/**
 * Objects that are not the stack's: what Kubernetes itself puts in every namespace, and the drift
 * identity's Secret RoleBinding (deploy/rbac/drift-identity.yaml), which an admin applies in the app
 * namespaces once they exist.
 */
const BUILT_IN = new Set(["ConfigMap/kube-root-ca.crt", "ServiceAccount/default", "RoleBinding/websvc-drift-secrets"]);

/** Every object of the stack's kinds live in a namespace, as "Kind/name". */
export function liveObjects(admin: Kubectl, namespace: string): string[] {
    const list = JSON.parse(admin(["-n", namespace, "get", STACK_KINDS.join(","), "-o", "json"]));
    return list.items.map((o: any) => `${o.kind}/${o.metadata.name}`).filter((x: string) => !BUILT_IN.has(x)).sort();
}

/** The Kubernetes objects of a state (`stack export`) in a namespace, as "Kind/name". */
export function stateObjects(deployment: any, namespace: string): string[] {
    return (deployment.resources ?? [])
        .filter((r: any) => r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:") && r.outputs?.metadata?.namespace === namespace)
        .map((r: any) => `${r.outputs.kind}/${r.outputs.metadata.name}`).sort();
}

/** Orphans (live, not in state) and ghosts (in state, not live); duplicates show as orphans. */
export function compareLiveWithState(live: string[], inState: string[]): { orphans: string[]; ghosts: string[] } {
    return { orphans: live.filter((x) => !inState.includes(x)), ghosts: inState.filter((x) => !live.includes(x)) };
}

// ---------------------------------------------------------------- API server restart
/**
 * Restarts the kube-apiserver that `scripts/cluster.sh up` started in WEBSVC_CLUSTER_DIR: SIGTERM to
 * its pid (read from the cluster's state file), then the same command line again, recorded in that
 * state file the way cluster.sh records it, so `cluster.sh down` stops the new process.
 */
export async function restartApiServer(admin: Kubectl, downSeconds: number): Promise<{ downFor: number; readyAfter: number }> {
    const run = process.env.WEBSVC_CLUSTER_DIR;
    if (!run) throw new Error("WEBSVC_CLUSTER_DIR is not set: only a cluster of scripts/cluster.sh can be restarted here");
    const stateFile = path.join(run, "state.env");
    const state = (key: string) => fs.readFileSync(stateFile, "utf8").split("\n").filter((l) => l.startsWith(`${key}=`)).pop()?.slice(key.length + 1);
    const pid = Number(state("PID_kube-apiserver"));
    const startedAt = state("START_kube-apiserver");
    if (!pid || procStart(pid) !== startedAt) throw new Error(`kube-apiserver pid ${pid} in ${stateFile} is not running`);
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    const t0 = Date.now();
    process.kill(pid, "SIGTERM");
    // Gone, or a zombie (cluster.sh's shell, its parent, has not reaped it): either way it no longer serves.
    while (procStart(pid) === startedAt && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, downSeconds * 1000));
    const logFile = path.join(run, "logs", "kube-apiserver.log");
    const log = fs.openSync(logFile, "a");
    const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ["ignore", log, log] });
    child.unref();
    const started = child.pid === undefined ? undefined : procStart(child.pid);
    if (started === undefined) throw new Error(`kube-apiserver did not start again (${argv[0]}); see ${logFile}`);
    fs.appendFileSync(stateFile, `PID_kube-apiserver=${child.pid}\nSTART_kube-apiserver=${started}\n`);
    const restarted = Date.now();
    for (;;) {
        if (admin.attempt(["get", "--raw", "/readyz"]).ok) break;
        if (Date.now() - restarted > 60_000) throw new Error("kube-apiserver not ready 60 s after the restart");
        await new Promise((r) => setTimeout(r, 200));
    }
    return { downFor: (restarted - t0) / 1000, readyAfter: (Date.now() - restarted) / 1000 };
}

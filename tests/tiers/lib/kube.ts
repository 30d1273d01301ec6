// A live cluster for the tiers, through kubectl from PATH and the cluster KUBECONFIG points at:
// what is missing, reads and writes of live objects, and the checks that need more than a jsonpath
// (zone spread, lowest Ready count during a rollout, PDB evictions, SubjectAccessReviews).
import { ChildProcess, execFileSync, spawn } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as readline from "readline";
import { Missing, onPath, waitFor } from "./tier";

const ZONE_LABEL = "topology.kubernetes.io/zone";
const PROVIDE_CLUSTER = "start one with `eval \"$(npm run --silent cluster -- up)\"` (sets KUBECONFIG and PATH), or point KUBECONFIG at kind, k3d or any cluster";

/** What the cluster tier needs: kubectl on PATH and a KUBECONFIG whose cluster answers /readyz. */
export function clusterMissing(): Missing[] {
    const kubeconfig = process.env.KUBECONFIG;
    if (!onPath("kubectl")) return [{ what: "no kubectl on PATH", provide: PROVIDE_CLUSTER }];
    if (!kubeconfig) return [{ what: "KUBECONFIG is not set", provide: PROVIDE_CLUSTER }];
    if (!fs.existsSync(kubeconfig)) return [{ what: `KUBECONFIG ${kubeconfig} does not exist`, provide: PROVIDE_CLUSTER }];
    try {
        execFileSync("kubectl", ["get", "--raw", "/readyz"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 15_000 });
    } catch (e) {
        const err = ((e as { stderr?: string }).stderr ?? String(e)).trim().split("\n").pop();
        return [{ what: `the cluster of KUBECONFIG ${kubeconfig} does not answer /readyz: ${err}`, provide: PROVIDE_CLUSTER }];
    }
    return [];
}

/** kubectl's stdout; throws with its stderr. */
export function kubectl(args: readonly string[], input?: string): string {
    return execFileSync("kubectl", args, { encoding: "utf8", input, maxBuffer: 64 << 20, stdio: ["pipe", "pipe", "pipe"] });
}

/** kubectl's exit code and combined output, for commands expected to fail sometimes. */
export function kubectlTry(args: readonly string[], input?: string): { ok: boolean; output: string } {
    try {
        return { ok: true, output: kubectl(args, input) };
    } catch (e) {
        const x = e as { stdout?: string; stderr?: string };
        return { ok: false, output: `${x.stdout ?? ""}${x.stderr ?? String(e)}` };
    }
}

export function kubectlJson<T = any>(args: readonly string[]): T {
    return JSON.parse(kubectl([...args, "-o", "json"]));
}

export function jsonpath(args: readonly string[], path: string): string {
    return kubectl([...args, "-o", `jsonpath=${path}`]);
}

/** The app's pods, Deployment, HPA and PDB carry these labels (set by the Workload component). */
export function appSelector(instance: string): string {
    return `app.kubernetes.io/name=websvc,app.kubernetes.io/instance=${instance}`;
}

/** The single object of a kind matching a selector. */
export function onlyName(namespace: string, kind: string, selector: string): string {
    const names = jsonpath(["-n", namespace, "get", kind, "-l", selector], "{.items[*].metadata.name}").split(/\s+/).filter(Boolean);
    if (names.length !== 1) throw new Error(`want one ${kind} with ${selector} in ${namespace}, found ${names.length}: ${names.join(" ")}`);
    return names[0];
}

/**
 * Waits until the Deployment has the HPA's minReplicas, all Ready, available and updated (the HPA
 * scales up from the API default of 1, since spec.replicas is omitted under an HPA). Returns that count.
 */
export async function waitScaled(namespace: string, selector: string, seconds = 120): Promise<number> {
    const min = Number(jsonpath(["-n", namespace, "get", "hpa", "-l", selector], "{.items[0].spec.minReplicas}"));
    const dep = onlyName(namespace, "deployment", selector);
    let status = "";
    await waitFor(seconds, () => {
        status = jsonpath(["-n", namespace, "get", "deployment", dep], "{.spec.replicas} {.status.readyReplicas} {.status.availableReplicas} {.status.updatedReplicas}");
        return status === `${min} ${min} ${min} ${min}` ? true : undefined;
    }, () => `spec/ready/available/updated = ${status}, HPA minReplicas ${min}`);
    return min;
}

/** Zone spread of the pods matching a selector, through their nodes. `ok` when the skew across the cluster's zones is at most 1 and every pod is scheduled. */
export function zoneSpread(namespace: string, selector: string): { ok: boolean; summary: string } {
    const zoneOfNode = new Map<string, string>();
    for (const node of kubectlJson(["get", "nodes"]).items) zoneOfNode.set(node.metadata.name, node.metadata.labels?.[ZONE_LABEL] ?? "(none)");
    const counts = new Map<string, number>([...new Set(zoneOfNode.values())].map((z) => [z, 0]));
    const pods = kubectlJson(["-n", namespace, "get", "pods", "-l", selector]).items.filter((p: any) => !p.metadata.deletionTimestamp);
    const unscheduled = pods.filter((p: any) => !p.spec.nodeName).map((p: any) => p.metadata.name);
    for (const pod of pods) {
        if (!pod.spec.nodeName) continue;
        const zone = zoneOfNode.get(pod.spec.nodeName) ?? "(unknown node)";
        counts.set(zone, (counts.get(zone) ?? 0) + 1);
    }
    const values = [...counts.values()];
    const skew = Math.max(...values) - Math.min(...values);
    const layout = [...counts.entries()].sort().map(([z, n]) => `${z}=${n}`).join(" ");
    const summary = `${pods.length} pods: ${layout}; skew ${skew}${unscheduled.length ? `; unscheduled: ${unscheduled.join(", ")}` : ""}`;
    return { ok: skew <= 1 && unscheduled.length === 0 && pods.length > 0, summary };
}

/**
 * Watches the pods of a selector (kubectl --watch) and keeps the lowest number of Ready,
 * non-terminating pods seen after the initial list. `stop()` ends the watch and returns it.
 */
export class ReadyWatch {
    private readonly watch: ChildProcess;
    private readonly ready = new Map<string, boolean>();
    private lowest = Number.POSITIVE_INFINITY;
    private events = 0;
    private listed = false;

    constructor(namespace: string, selector: string) {
        const initialCount = kubectl(["-n", namespace, "get", "pods", "-l", selector, "--no-headers"]).split("\n").filter((l) => l.trim()).length;
        // One line per watch event; the first ones are the initial list (ADDED events).
        const template = '{.type} {.object.metadata.name} {.object.metadata.deletionTimestamp} {.object.status.conditions[?(@.type=="Ready")].status}{"\\n"}';
        this.watch = spawn("kubectl", ["-n", namespace, "get", "pods", "-l", selector, "--watch", "--output-watch-events", "-o", `jsonpath=${template}`],
            { stdio: ["ignore", "pipe", "inherit"] });
        readline.createInterface({ input: this.watch.stdout! }).on("line", (line) => {
            const parts = line.trim().split(/\s+/);
            if (parts.length < 2) return;
            const [type, name] = parts;
            // With no deletionTimestamp the field is empty, so a 3-field line is "type name status".
            const terminating = parts.length >= 4;
            this.events++;
            if (type === "DELETED") this.ready.delete(name);
            else this.ready.set(name, parts[parts.length - 1] === "True" && !terminating);
            if (!this.listed && this.ready.size >= initialCount) this.listed = true;
            if (this.listed) this.lowest = Math.min(this.lowest, this.readyCount());
        });
    }

    private readyCount(): number {
        return [...this.ready.values()].filter(Boolean).length;
    }

    /** Resolves once the initial list has arrived (or after `seconds`). */
    async started(seconds = 10): Promise<void> {
        await waitFor(seconds, () => (this.listed ? true : undefined), () => "the watch's initial list did not arrive", 100).catch(() => undefined);
    }

    stop(): { lowest: number; events: number } {
        this.watch.kill("SIGTERM");
        return { lowest: Number.isFinite(this.lowest) ? this.lowest : this.readyCount(), events: this.events };
    }
}

/** The API server's SubjectAccessReview verdict for a service account user in its namespace. */
export function sarAllowed(user: string, namespace: string, verb: string, resource: string, group = ""): boolean {
    const review = {
        apiVersion: "authorization.k8s.io/v1", kind: "SubjectAccessReview",
        spec: {
            user, groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"],
            resourceAttributes: { namespace, verb, resource, group },
        },
    };
    return kubectl(["create", "-o", "jsonpath={.status.allowed}", "-f", "-"], JSON.stringify(review)).trim() === "true";
}

/** Asks the API to evict a pod; returns whether it was accepted and the API's answer (429 when the PDB refuses). */
export function evict(namespace: string, pod: string): { ok: boolean; output: string } {
    const eviction = { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: pod, namespace } };
    return kubectlTry(["create", "--raw", `/api/v1/namespaces/${namespace}/pods/${pod}/eviction`, "-f", "-"], JSON.stringify(eviction));
}

/** Sets what kwok reports for a running pod's readiness (kwok leaves a patched status as it is). */
export function setPodReady(namespace: string, pod: string, ready: boolean): void {
    const status = ready ? "True" : "False";
    kubectl(["-n", namespace, "patch", "pod", pod, "--subresource", "status", "--type", "strategic",
        "-p", JSON.stringify({ status: { conditions: [{ type: "Ready", status }, { type: "ContainersReady", status }] } })]);
}

export function pdbDisruptionsAllowed(namespace: string, selector: string): number {
    return Number(jsonpath(["-n", namespace, "get", "pdb", "-l", selector], "{.items[0].status.disruptionsAllowed}"));
}

export async function waitPdbAllowed(namespace: string, selector: string, want: number, seconds = 30): Promise<void> {
    await waitFor(seconds, () => (pdbDisruptionsAllowed(namespace, selector) === want ? true : undefined),
        () => `disruptionsAllowed is ${pdbDisruptionsAllowed(namespace, selector)}, want ${want}`, 300);
}

/** Whether an object exists (kubectl get succeeds). */
export function exists(args: readonly string[]): boolean {
    return kubectlTry(["get", ...args, "-o", "name"]).ok;
}

/**
 * The image the cluster tier deploys: the digest the image tier built (`npm run image -- build`), else
 * a placeholder digest. kwok runs no containers, so either way nothing is pulled; the live pod spec
 * must carry it.
 */
export function deployedImage(placeholderSeed: string): { ref: string; source: string } {
    const file = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "websvc", "image", "IMAGE");
    const built = fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim() : "";
    if (/@sha256:[0-9a-f]{64}$/.test(built)) return { ref: built, source: `the image tier's build (${file})` };
    const ref = `registry.example.com/websvc/app@sha256:${createHash("sha256").update(placeholderSeed).digest("hex")}`;
    return { ref, source: `a placeholder: no image built by the image tier (${file})` };
}

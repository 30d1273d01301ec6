// kubectl for the runtime tier: JSON reads, waits with deadlines, exec into pods, and a watcher
// that records the fewest Ready pods seen while something disrupts them.
import { execFileSync, spawn, type ChildProcess } from "child_process";
import * as readline from "readline";
import type { RuntimeEnv } from "./runtime-env";

export const ZONE_LABEL = "topology.kubernetes.io/zone";

export class Kube {
    constructor(private readonly env: RuntimeEnv) {}

    private get procEnv(): NodeJS.ProcessEnv {
        return { ...process.env, ...this.env.clusterEnv };
    }

    /** kubectl <args>; throws with kubectl's stderr. */
    run(args: string[], opts: { input?: string; timeoutMs?: number } = {}): string {
        try {
            return execFileSync("kubectl", args, {
                env: this.procEnv, encoding: "utf8", input: opts.input, timeout: opts.timeoutMs ?? 60_000,
                maxBuffer: 64 << 20, stdio: ["pipe", "pipe", "pipe"],
            });
        } catch (e: any) {
            throw new Error(`kubectl ${args.join(" ")}: ${(e.stderr || e.message || "").toString().trim()}`);
        }
    }

    json(args: string[]): any {
        return JSON.parse(this.run([...args, "-o", "json"]));
    }

    apply(manifest: object[]): string {
        return this.run(["apply", "--server-side", "--force-conflicts", "--field-manager=websvc-runtime-tier", "-f", "-"],
            { input: manifest.map((m) => JSON.stringify(m)).join("\n") });
    }

    /** Pods of a selector that are not being deleted. */
    livePods(namespace: string, selector: string): any[] {
        return this.json(["-n", namespace, "get", "pods", "-l", selector]).items.filter((p: any) => !p.metadata.deletionTimestamp);
    }

    exec(namespace: string, pod: string, command: string[], timeoutMs = 30_000): string {
        return this.run(["-n", namespace, "exec", pod, "-c", containerOf(this, namespace, pod), "--", ...command], { timeoutMs });
    }

    nodeZones(): Map<string, string> {
        return new Map(this.json(["get", "nodes"]).items.map((n: any) => [n.metadata.name, n.metadata.labels?.[ZONE_LABEL] ?? "(none)"]));
    }
}

function containerOf(kube: Kube, namespace: string, pod: string): string {
    return kube.run(["-n", namespace, "get", "pod", pod, "-o", "jsonpath={.spec.containers[0].name}"]).trim();
}

export const isReady = (pod: any): boolean =>
    (pod.status?.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True");

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value (not undefined) or the deadline passes; the error names `what` and the last state. */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined, intervalMs = 1000, lastState?: () => string): Promise<T> {
    const until = Date.now() + timeoutMs;
    let lastError = "";
    for (;;) {
        try {
            const v = probe();
            if (v !== undefined) return v;
        } catch (e) {
            lastError = String(e);
        }
        if (Date.now() > until) {
            throw new Error(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}${lastState ? `; last state: ${lastState()}` : ""}${lastError ? `; last error: ${lastError}` : ""}`);
        }
        await sleep(intervalMs);
    }
}

/**
 * Watches the pods of a selector (kubectl --watch) and records the fewest Ready, non-terminating
 * pods seen at any event.
 */
export class ReadyWatcher {
    private proc?: ChildProcess;
    private readonly ready = new Map<string, boolean>();
    lowest = Number.POSITIVE_INFINITY;
    events = 0;

    constructor(private readonly env: RuntimeEnv, private readonly namespace: string, private readonly selector: string) {}

    start(kube: Kube): this {
        // Seeded from a list, so the count is right from the first watch event on.
        for (const pod of kube.livePods(this.namespace, this.selector)) this.ready.set(pod.metadata.name, isReady(pod));
        this.lowest = [...this.ready.values()].filter(Boolean).length;
        const tpl = '{.type} {.object.metadata.name} {.object.metadata.deletionTimestamp} {.object.status.conditions[?(@.type=="Ready")].status}{"\\n"}';
        this.proc = spawn("kubectl", ["-n", this.namespace, "get", "pods", "-l", this.selector, "--watch", "--output-watch-events", "-o", `jsonpath=${tpl}`],
            { env: { ...process.env, ...this.env.clusterEnv }, stdio: ["ignore", "pipe", "ignore"] });
        readline.createInterface({ input: this.proc.stdout! }).on("line", (line) => {
            const [type, name, ...rest] = line.trim().split(/\s+/);
            if (!name) return;
            const terminating = rest.some((r) => /^\d{4}-\d\d-\d\dT/.test(r));
            const readyNow = rest.includes("True") && !terminating && type !== "DELETED";
            this.ready.set(name, readyNow);
            this.events++;
            const count = [...this.ready.values()].filter(Boolean).length;
            this.lowest = Math.min(this.lowest, count);
        });
        return this;
    }

    stop(): { lowest: number; events: number } {
        this.proc?.kill("SIGTERM");
        return { lowest: this.lowest, events: this.events };
    }
}

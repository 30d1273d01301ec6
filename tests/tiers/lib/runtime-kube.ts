// kubectl for the runtime tier, on top of the tiers' shared kube.ts (KUBECONFIG from the environment):
// server-side apply of generated manifests, the live pods of a selector, exec into a pod, zones.
import { execFileSync } from "child_process";
import { kubectl, kubectlJson } from "./kube";
import { waitFor } from "./tier";

export const ZONE_LABEL = "topology.kubernetes.io/zone";

export function applyManifests(manifests: object[]): string {
    return kubectl(["apply", "--server-side", "--force-conflicts", "--field-manager=websvc-runtime-tier", "-f", "-"], manifests.map((m) => JSON.stringify(m)).join("\n"));
}

/** Pods of a selector that are not being deleted. */
export function livePods(namespace: string, selector: string): any[] {
    return kubectlJson(["-n", namespace, "get", "pods", "-l", selector]).items.filter((p: any) => !p.metadata.deletionTimestamp);
}

/** A command in the pod's first container; throws with kubectl's stderr. */
export function podExec(namespace: string, pod: string, command: string[], timeoutMs = 30_000): string {
    try {
        return execFileSync("kubectl", ["-n", namespace, "exec", pod, "--", ...command], { encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 << 20, stdio: ["ignore", "pipe", "pipe"] });
    } catch (e: any) {
        throw new Error(`kubectl exec ${namespace}/${pod}: ${(e.stderr || e.message || "").toString().trim()}`, { cause: e });
    }
}

export function nodeZones(): Map<string, string> {
    return new Map(kubectlJson(["get", "nodes"]).items.map((n: any) => [n.metadata.name, n.metadata.labels?.[ZONE_LABEL] ?? "(none)"]));
}

export const isReady = (pod: any): boolean =>
    (pod.status?.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True");

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * tier.ts's waitFor for live objects: a probe that throws (an object not there yet) counts as not
 * ready, and the timeout message names what was awaited, the last state seen and the last error.
 */
export function waitUntil<T>(what: string, timeoutMs: number, probe: () => T | undefined, intervalMs = 1000, lastState?: () => string): Promise<T> {
    let lastError = "";
    const attempt = () => {
        try {
            return probe();
        } catch (e) {
            lastError = String(e);
            return undefined;
        }
    };
    const describe = () => {
        let state: string;
        try { state = lastState ? `; last state: ${lastState()}` : ""; } catch (e) { state = `; last state unreadable: ${e}`; }
        return `${what}${state}${lastError ? `; last error: ${lastError}` : ""}`;
    };
    return waitFor(timeoutMs / 1000, attempt, describe, intervalMs);
}

// Autoscaling on real metrics (issue 17): metrics-server v0.8.0 (runtime-metrics-server.ts) reads the
// real kubelets' resource metrics, the production stack's own HPA (CPU and memory utilization,
// components/workload.ts; behaviour components/lib/rollout.ts HPA_BEHAVIOR) reads them through
// metrics.k8s.io, and a bounded HTTP load through the ClusterIP (GET /metrics, the app's costliest endpoint) raises it above minReplicas; the new
// pods must turn Ready on real nodes. After the load the HPA must recommend fewer pods; the actual
// scale-down is awaited only when the HPA's scale-down stabilization window is short (production's
// is 300 s, then at most 2 pods a minute: the check asserts the recommendation and says so).
// Registered by runtime.test.ts with autoscalingCheck(...), on the deployed production stack.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import { kubectlJson } from "./kube";
import type { RuntimeEnv } from "./runtime-env";
import { helperImages, publish } from "./runtime-images";
import { isReady, livePods, sleep, waitUntil } from "./runtime-kube";
import { Load, describeLoad } from "./runtime-load";
import { METRICS_SERVER_VERSION, metricsServerState, podCpuMillis, startMetricsServer, stopMetricsServer } from "./runtime-metrics-server";
import type { RuntimeStack } from "./runtime-stack";
import { skipBecause } from "../../support/skip";
import { REAL_NODE_LABEL } from "../../../scripts/cluster/nodes/layout";

/**
 * The load: open-loop GETs of /metrics on the Service's metrics port (runtime-load-client.ts, inside
 * the nodes' network), from AUTOSCALING_CLIENTS clients at AUTOSCALING_RPS each. /metrics is the app's
 * costliest endpoint (it serializes the metrics registry): about 1 ms of CPU a request against 0.5 ms
 * for `/` (measured here from the pods' cgroups and metrics-server, docs/runtime.md "Autoscaling").
 * Production's HPA wants more than its 3 pods above 3 x 250m x 65% x 1.1 (its tolerance) = 0.54 CPU:
 * about 1,000 requests/s of `/`, beyond this 2-core machine, or 550/s of /metrics. 400/s from one client
 * gave the pods 56% (measured), so two clients: 800/s, about 110%.
 */
export const AUTOSCALING_RPS = 400;
export const AUTOSCALING_CLIENTS = 2;
export const AUTOSCALING_PATH = "/metrics";
const AUTOSCALING_PORT = "metrics";
const LOAD_MAX_SECONDS = 420;
/** The scale-down itself is awaited only when the window is at most this long. */
const SCALE_DOWN_WAIT_MAX_SECONDS = 120;
/** How long the load is held after the first scale-up settles (3 HPA sync periods of 15 s). */
const HOLD_SECONDS = 45;
/** The HPA's default tolerance: no scaling while |utilization / target - 1| <= 0.1. */
const TOLERANCE = 0.1;

interface Ctx {
    env?: RuntimeEnv;
    stack?: RuntimeStack;
}

interface HpaView {
    min: number;
    max: number;
    current: number;
    desired: number;
    /** resource name -> [current averageUtilization, target] */
    utilization: Map<string, [number | undefined, number]>;
    conditions: Map<string, { status: string; reason: string; message: string }>;
    scaleDownWindow: number;
}

function hpaView(st: RuntimeStack): HpaView {
    const h = kubectlJson(["-n", st.namespace, "get", "hpa", "-l", st.selector]).items[0];
    if (!h) throw new Error(`${st.namespace}: no HPA with labels ${st.selector}`);
    const utilization = new Map<string, [number | undefined, number]>();
    for (const m of h.spec.metrics ?? []) {
        if (m.type !== "Resource") continue;
        const cur = (h.status?.currentMetrics ?? []).find((c: any) => c.type === "Resource" && c.resource?.name === m.resource.name);
        utilization.set(m.resource.name, [cur?.resource?.current?.averageUtilization, m.resource.target.averageUtilization]);
    }
    return {
        min: h.spec.minReplicas, max: h.spec.maxReplicas,
        current: h.status?.currentReplicas ?? 0, desired: h.status?.desiredReplicas ?? 0, utilization,
        conditions: new Map((h.status?.conditions ?? []).map((c: any) => [c.type, { status: c.status, reason: c.reason, message: c.message }])),
        scaleDownWindow: h.spec.behavior?.scaleDown?.stabilizationWindowSeconds ?? 300,
    };
}

const describeHpa = (h: HpaView) => `replicas ${h.current} desired ${h.desired}; ` +
    [...h.utilization].map(([r, [cur, t]]) => `${r} ${cur ?? "?"}%/${t}%`).join(", ") +
    `; ${[...h.conditions].map(([t, c]) => `${t}=${c.status}(${c.reason})`).join(" ")}`;

/** What the HPA's algorithm wants from the current utilizations (the highest over its metrics), before behaviour limits. */
export function recommendation(h: HpaView): number | undefined {
    let want = 0;
    for (const [cur, target] of h.utilization.values()) {
        if (cur === undefined) return undefined;
        const ratio = cur / target;
        want = Math.max(want, Math.abs(ratio - 1) <= TOLERANCE ? h.current : Math.ceil(h.current * ratio));
    }
    return Math.min(h.max, Math.max(h.min, want));
}

/** Samples a number every 3 s and keeps its changes, with the time since start. */
class Timeline {
    private changes: [number, number][] = [];
    private timer?: NodeJS.Timeout;

    start(t0: number, sample: () => number): void {
        const take = () => {
            try {
                const v = sample();
                if (this.changes.at(-1)?.[1] !== v) this.changes.push([(Date.now() - t0) / 1000, v]);
            } catch { /* a failed read is retried at the next tick */ }
        };
        take();
        this.timer = setInterval(take, 3000);
    }

    stop(): void {
        if (this.timer) clearInterval(this.timer);
    }

    describe(): string {
        this.stop();
        return this.changes.map(([t, v]) => `${v} at ${t.toFixed(0)}s`).join(" -> ");
    }
}

export function autoscalingCheck(ctx: () => Ctx): void {
    it(`autoscaling on real metrics (metrics-server ${METRICS_SERVER_VERSION}): CPU load raises the HPA above minReplicas, the new pods turn Ready, and after the load it scales back (or, in a long stabilization window, recommends it)`, async function () {
        this.timeout(16 * 60_000);
        const skip = (why: string): never => skipBecause(this, why, "      ");
        const { env, stack: st } = ctx();
        if (!env) skip("no runtime environment");
        if (!st) skip("production was not deployed (see its rollout check)");
        const image = helperImages().get("metrics-server");
        if (!image?.archive) skip(`autoscaling: metrics-server is not built (bash scripts/runtime-images.sh build metrics-server)${image?.unavailable ? `: ${image.unavailable}` : ""}`);
        const { ref, note } = publish(env!, image!);
        if (note) console.log(`      note: ${note}`);

        const t0 = Date.now();
        const since = (t: number) => ((Date.now() - t) / 1000).toFixed(1);
        const lines: string[] = [];
        let loads: Load[] = [];
        const timeline = new Timeline();
        try {
            await startMetricsServer(ref, REAL_NODE_LABEL, 240_000); // metrics-server scrapes only the real nodes
            lines.push(`metrics-server Ready and APIService Available ${since(t0)}s after apply`);
            const pods0 = livePods(st!.namespace, st!.selector);
            await waitUntil("PodMetrics for every app pod", 180_000, () => {
                const m = podCpuMillis(st!.namespace, st!.selector);
                return pods0.every((p: any) => m.has(p.metadata.name)) ? m : undefined;
            }, 3000, metricsServerState);
            lines.push(`metrics.k8s.io served PodMetrics for all ${pods0.length} app pods ${since(t0)}s after apply`);
            const idle = await waitUntil("the HPA reading CPU and memory (ScalingActive=True, ValidMetricFound)", 180_000, () => {
                const h = hpaView(st!);
                return h.conditions.get("ScalingActive")?.status === "True" && [...h.utilization.values()].every(([c]) => c !== undefined) ? h : undefined;
            }, 3000, () => describeHpa(hpaView(st!)));
            lines.push(`HPA has metrics ${since(t0)}s after apply: ${describeHpa(idle)}`);
            assert.equal(idle.desired, idle.min, `idle, the HPA should want its floor: ${describeHpa(idle)}`);
            const cpuTarget = idle.utilization.get("cpu")?.[1];
            assert.ok(cpuTarget, "the HPA has no CPU utilization target");

            // ---- load: scale-up decided, then the new pods Ready on real nodes
            const svc = kubectlJson(["-n", st!.namespace, "get", "service", "-l", st!.selector]).items[0];
            const url = `http://${svc.spec.clusterIP}:${svc.spec.ports.find((p: any) => p.name === AUTOSCALING_PORT).port}${AUTOSCALING_PATH}`;
            loads = Array.from({ length: AUTOSCALING_CLIENTS }, (_, i) => new Load(env!, `autoscaling-${i + 1}`, { url, rps: AUTOSCALING_RPS, maxSeconds: LOAD_MAX_SECONDS }));
            await Promise.all(loads.map((l) => l.ready()));
            const offered = `${AUTOSCALING_CLIENTS} x ${AUTOSCALING_RPS} requests/s of ${AUTOSCALING_PATH}`;
            const tLoad = Date.now();
            timeline.start(tLoad, () => hpaView(st!).desired);
            const up = await waitUntil(`the HPA to want more than minReplicas under ${offered}`, 240_000, () => {
                const h = hpaView(st!);
                return h.desired > h.min ? h : undefined;
            }, 3000, () => `${describeHpa(hpaView(st!))}; CPU by pod (m): ${[...podCpuMillis(st!.namespace, st!.selector).values()].map(Math.round).join(", ")}; ` +
                `load average ${fs.readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")} on ${os.cpus().length} CPUs (the nodes' pods share one cgroup's CPU weight with every other process of the machine)`);
            lines.push(`under ${offered}: HPA desired ${up.desired} > min ${up.min} after ${since(tLoad)}s (${describeHpa(up)})`);
            // Behaviour allows +max(100%, 2 pods) a minute: every pod asked for must turn Ready on a real node,
            // both after the first step and after holding the load HOLD_SECONDS more (the HPA may step again).
            const settle = async (what: string) => {
                const r = await waitUntil(`every pod the HPA asked for Ready on a real node (${what})`, 300_000, () => {
                    const h = hpaView(st!);
                    const pods = livePods(st!.namespace, st!.selector);
                    return h.desired > h.min && pods.length === h.desired && pods.every(isReady) ? { h, pods } : undefined;
                }, 3000, () => describeHpa(hpaView(st!)));
                const offReal = r.pods.filter((p: any) => !env!.realNodes.includes(p.spec.nodeName)).map((p: any) => `${p.metadata.name}@${p.spec.nodeName}`);
                assert.deepEqual(offReal, [], "pods outside the real nodes");
                const perNode = new Map<string, number>();
                for (const p of r.pods) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
                lines.push(`${what}: ${r.pods.length} pods Ready ${since(tLoad)}s after the load started (${[...perNode].map(([n, c]) => `${n}: ${c}`).join(", ")})`);
                return r.h;
            };
            await settle("first step");
            await sleep(HOLD_SECONDS * 1000);
            const peak = await settle(`after ${HOLD_SECONDS}s more under load`);
            const stopping = loads;
            loads = [];
            for (const summary of await Promise.all(stopping.map((l) => l.stop()))) lines.push(`load: ${describeLoad(summary)}`);
            lines.push(`replicas under load (HPA desired, from the load's start): ${timeline.describe()}; reached ${peak.desired} (min ${peak.min}, max ${peak.max})`);

            // ---- after the load: the HPA recommends fewer pods (and scales down when its window is short)
            const tStop = Date.now();
            const before = peak.current;
            const down = await waitUntil("the HPA to recommend fewer pods after the load", 180_000, () => {
                const h = hpaView(st!);
                const r = recommendation(h);
                const held = h.conditions.get("AbleToScale");
                return r !== undefined && r < h.current && (h.desired < h.current || held?.reason === "ScaleDownStabilized") ? { h, r } : undefined;
            }, 3000, () => describeHpa(hpaView(st!)));
            lines.push(`after the load: recommendation ${down.r} < ${down.h.current} replicas ${since(tStop)}s after it stopped (${describeHpa(down.h)})`);
            if (down.h.scaleDownWindow <= SCALE_DOWN_WAIT_MAX_SECONDS) {
                const back = await waitUntil("the HPA back at minReplicas", (down.h.scaleDownWindow + 240) * 1000, () => {
                    const h = hpaView(st!);
                    return h.current === h.min ? h : undefined;
                }, 5000, () => describeHpa(hpaView(st!)));
                lines.push(`scaled back to ${back.current} ${since(tStop)}s after the load stopped`);
            } else {
                assert.equal(down.h.conditions.get("AbleToScale")?.reason, "ScaleDownStabilized", `the HPA should hold ${before} replicas in its ${down.h.scaleDownWindow}s window: ${describeHpa(down.h)}`);
                lines.push(`scale-down not awaited: the stack's scale-down stabilization window is ${down.h.scaleDownWindow}s (then at most 2 pods a minute); the HPA holds ${down.h.current} replicas meanwhile (ScaleDownStabilized)`);
            }
        } finally {
            timeline.stop();
            for (const l of loads) {
                const s = await l.stop().catch((e) => e as Error);
                lines.push(s instanceof Error ? `load: ${s.message}` : `load (stopped early): ${describeLoad(s)}`);
            }
            stopMetricsServer();
            for (const l of lines) console.log(`      ${l}`);
        }
    });
}

// How the app's pods come and go: replica floors, the shutdown sequence, the disruption budget,
// the spread across zones and nodes, the rolling update and the autoscaler's behaviour.
import type * as k8s from "@pulumi/kubernetes";
import { PRODUCTION, type Environment } from "./environment";
import { kubernetesMinor } from "./kubernetes-version";
import type { ArgProblem } from "./problems";

export interface AutoscalingArgs {
    enabled: boolean;
    minReplicas: number;
    maxReplicas: number;
    /** Average CPU utilization, percent of requests. */
    targetCpuUtilization: number;
    /** Average memory utilization, percent of requests. */
    targetMemoryUtilization: number;
}

/** A single replica cannot survive a node drain: production never runs fewer than this. */
export const PRODUCTION_MIN_REPLICAS = 2;
export const DEFAULT_PRESTOP_SLEEP_SECONDS = 5;
/** Slack between the app's own deadline and the kubelet's SIGKILL, so the app always exits on its own terms. */
export const TERMINATION_GRACE_MARGIN_SECONDS = 5;
/** The preStop `sleep` action is on by default from 1.30 (beta; alpha in 1.29, GA in 1.34). */
export const SLEEP_ACTION_MIN_MINOR = 30;

/**
 * How long a rollout may go without progress before the Deployment reports ProgressDeadlineExceeded
 * (kubectl rollout status, dashboards and alerts read it). Progress is counted per pod: with
 * maxSurge 1 each new pod must be pulled, pass its startup probe (up to 60s, app-contract's
 * appProbes) and stay Ready for minReadySeconds (5s) inside this window; 180s leaves about two
 * minutes for the image pull. Kubernetes' default (600s) kept a rollout whose pods can never become
 * Ready (a missing image, a crashing app) "progressing" for ten minutes.
 */
export const PROGRESS_DEADLINE_SECONDS = 180;

/**
 * Pulumi's own bound on the Deployment's create/update (customTimeouts). The kubernetes provider does
 * not stop at ProgressDeadlineExceeded: its await logic records the condition as a warning and keeps
 * waiting until its timeout (10 minutes by default). 300s covers a whole healthy rollout of up to
 * about 12 pods at ~20s each (pull from a nearby registry, start, minReadySeconds); a slower one makes
 * `pulumi up` report a timeout while Kubernetes completes it (the next `up` is then a no-op), which is
 * cheaper than a broken rollout holding the pipeline for ten minutes. The runtime tier measures it.
 */
export const ROLLOUT_TIMEOUT_SECONDS = 300;

/** The Deployment's customTimeouts. */
export function rolloutCustomTimeouts(): { create: string; update: string } {
    return { create: `${ROLLOUT_TIMEOUT_SECONDS}s`, update: `${ROLLOUT_TIMEOUT_SECONDS}s` };
}

/** Surge one new pod, never take an old one away before its replacement is Ready. */
export const ROLLING_UPDATE = { maxSurge: 1, maxUnavailable: 0 } as const;

/**
 * HPA behaviour: scale up fast (a load spike must not wait), scale down slowly (5-minute window,
 * then at most the smaller of 50% or 2 pods a minute) so a brief lull does not strip capacity.
 */
export const HPA_BEHAVIOR = {
    scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: "Max",
        policies: [
            { type: "Percent", value: 100, periodSeconds: 60 },
            { type: "Pods", value: 2, periodSeconds: 60 },
        ],
    },
    scaleDown: {
        stabilizationWindowSeconds: 300,
        selectPolicy: "Min",
        policies: [
            { type: "Percent", value: 50, periodSeconds: 60 },
            { type: "Pods", value: 2, periodSeconds: 60 },
        ],
    },
} as const;

const isCount = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 1;

/** The fewest pods the workload ever runs: the HPA's floor, or the fixed count. */
export function minimumReplicas(replicas: number, autoscaling: AutoscalingArgs): number {
    return autoscaling.enabled ? autoscaling.minReplicas : replicas;
}

/** Replica counts: positive integers (the fixed count too, even while the HPA owns it), max >= min, never fewer than two in production. */
export function replicaProblems(environment: Environment, replicas: number, autoscaling: AutoscalingArgs): ArgProblem[] {
    const problems: ArgProblem[] = [];
    if (!isCount(replicas)) problems.push({ path: "replicas", message: `must be an integer >= 1, got ${JSON.stringify(replicas)}` });
    if (!isCount(autoscaling.minReplicas)) problems.push({ path: "autoscaling.minReplicas", message: `must be an integer >= 1, got ${JSON.stringify(autoscaling.minReplicas)}` });
    if (!isCount(autoscaling.maxReplicas)) problems.push({ path: "autoscaling.maxReplicas", message: `must be an integer >= 1, got ${JSON.stringify(autoscaling.maxReplicas)}` });
    else if (autoscaling.maxReplicas < autoscaling.minReplicas) {
        problems.push({ path: "autoscaling.maxReplicas", message: `must be >= autoscaling.minReplicas (${autoscaling.minReplicas}), got ${autoscaling.maxReplicas}` });
    }
    const minimum = minimumReplicas(replicas, autoscaling);
    if (problems.length === 0 && environment === PRODUCTION && minimum < PRODUCTION_MIN_REPLICAS) {
        problems.push({
            path: autoscaling.enabled ? "autoscaling.minReplicas" : "replicas",
            message: `must be >= ${PRODUCTION_MIN_REPLICAS} in production (a single replica cannot survive a node drain), got ${minimum}`,
        });
    }
    return problems;
}

/**
 * After SIGTERM (preStop is over, the endpoints no longer list the pod) the app keeps serving this long
 * with `Connection: close` on every response before it closes its listener. A client holding a
 * keep-alive connection to the pod is told to reconnect (to another pod) on its next response, instead
 * of having the idle connection closed under a request it is sending at that moment: measured on real
 * nodes, a rollout under 50 requests/s lost 1 of 1794 requests (ECONNRESET) without this delay.
 */
export const KEEPALIVE_DRAIN_SECONDS = 2;

export interface ShutdownPlan {
    /** preStop sleep seconds, when the cluster supports the sleep action. */
    preStopSleepSeconds?: number;
    /** SHUTDOWN_DELAY_SECONDS for the app: instead of preStop on older clusters, the keep-alive drain after it on newer ones. */
    appShutdownDelaySeconds?: number;
    shutdownTimeoutSeconds: number;
    terminationGracePeriodSeconds: number;
}

/** The shutdown timings' problems (paths are WorkloadArgs fields). */
export function shutdownProblems(kubernetesVersion: string, preStopSleepSeconds: number, shutdownTimeoutSeconds: number): ArgProblem[] {
    const problems: ArgProblem[] = [];
    if (!isCount(preStopSleepSeconds)) problems.push({ path: "preStopSleepSeconds", message: `must be an integer >= 1, got ${preStopSleepSeconds}` });
    if (!isCount(shutdownTimeoutSeconds)) problems.push({ path: "shutdownTimeoutSeconds", message: `must be an integer >= 1, got ${shutdownTimeoutSeconds}` });
    if (problems.length === 0 && kubernetesMinor(kubernetesVersion) < SLEEP_ACTION_MIN_MINOR && preStopSleepSeconds >= shutdownTimeoutSeconds) {
        // The app refuses SHUTDOWN_DELAY_SECONDS >= SHUTDOWN_TIMEOUT_SECONDS and would crash-loop.
        problems.push({
            path: "preStopSleepSeconds",
            message: `(${preStopSleepSeconds}) must be less than shutdownTimeoutSeconds (${shutdownTimeoutSeconds}) before Kubernetes 1.${SLEEP_ACTION_MIN_MINOR}, where the app does the delay itself`,
        });
    }
    return problems;
}

/**
 * The termination sequence. The grace period runs from the start of preStop, so it must cover
 * preStop + the app's own drain deadline, plus a margin so the app, not SIGKILL, ends the process.
 * Before 1.30 there is no sleep action, and an exec preStop would depend on a shell and a `sleep`
 * binary in the image (a distroless image has neither, and ours should not need them). There the
 * app does the waiting itself: SHUTDOWN_DELAY_SECONDS keeps it serving (with /readyz failing)
 * inside its shutdown deadline, so the grace period needs no extra preStop term.
 */
export function shutdownPlan(kubernetesVersion: string, preStopSleepSeconds: number, shutdownTimeoutSeconds: number): ShutdownPlan {
    const problems = shutdownProblems(kubernetesVersion, preStopSleepSeconds, shutdownTimeoutSeconds);
    if (problems.length > 0) throw new Error(problems.map((p) => `${p.path} ${p.message}`).join("; "));
    if (kubernetesMinor(kubernetesVersion) >= SLEEP_ACTION_MIN_MINOR) {
        const keepAliveDrain = Math.min(KEEPALIVE_DRAIN_SECONDS, shutdownTimeoutSeconds - 1);
        return {
            preStopSleepSeconds,
            // Inside the app's own deadline (its timer starts at SIGTERM), so the grace period is unchanged.
            ...(keepAliveDrain >= 1 ? { appShutdownDelaySeconds: keepAliveDrain } : {}),
            shutdownTimeoutSeconds,
            terminationGracePeriodSeconds: preStopSleepSeconds + shutdownTimeoutSeconds + TERMINATION_GRACE_MARGIN_SECONDS,
        };
    }
    return {
        appShutdownDelaySeconds: preStopSleepSeconds,
        shutdownTimeoutSeconds,
        terminationGracePeriodSeconds: shutdownTimeoutSeconds + TERMINATION_GRACE_MARGIN_SECONDS,
    };
}

/**
 * PodDisruptionBudget spec for a workload that never runs fewer than `minReplicas` pods, or
 * undefined when a budget cannot help (one replica: any budget either blocks node drains forever
 * or allows the only pod to go).
 *
 * We use maxUnavailable: 1 rather than a fixed minAvailable. With N running pods (N >= minReplicas
 * >= 2) evictions may take exactly one pod at a time, so a drain leaves N - 1 >= minReplicas - 1 >= 1
 * pods serving, and always allows one disruption, so drains are never blocked. A fixed
 * minAvailable = minReplicas - 1 gives the same at N = minReplicas, but once the HPA has scaled to
 * N pods it would allow N - minReplicas + 1 simultaneous evictions, stripping the capacity the HPA
 * just added. Rollouts do not count against the budget (it only gates evictions); they are kept at
 * full capacity by maxUnavailable 0 / maxSurge 1 in the Deployment strategy.
 */
export function disruptionBudgetFor(minReplicas: number, kubernetesVersion: string): { maxUnavailable: number; unhealthyPodEvictionPolicy?: string } | undefined {
    if (minReplicas < 2) return undefined;
    return {
        maxUnavailable: 1,
        // A crash-looping pod is not "disrupted" by eviction; without this it blocks drains (beta and on by default from 1.27).
        ...(kubernetesMinor(kubernetesVersion) >= 27 ? { unhealthyPodEvictionPolicy: "AlwaysAllow" } : {}),
    };
}

/**
 * Spread across zones and nodes. maxSkew 1 keeps replicas balanced.
 * - Zones: a hard rule (DoNotSchedule) in production, so losing a zone never takes every replica;
 *   with 2+ zones this also puts the first replicas on different nodes. ScheduleAnyway in staging,
 *   whose clusters are often single-zone or small and where Pending pods would only cost time.
 * - Nodes: soft everywhere. A hard per-node rule leaves pods Pending whenever one node of a small
 *   pool is full or cordoned, which hurts availability more than two replicas sharing a node.
 * nodeTaintsPolicy Honor (1.26+) keeps tainted (e.g. unreachable) nodes out of the skew count so a
 * dead zone cannot block scheduling elsewhere; matchLabelKeys pod-template-hash (1.27+) balances each
 * rollout's ReplicaSet on its own instead of counting the old pods that are about to go.
 */
export function topologySpreadConstraints(environment: Environment, selector: Record<string, string>, kubernetesVersion: string): k8s.types.input.core.v1.TopologySpreadConstraint[] {
    const minor = kubernetesMinor(kubernetesVersion);
    const common = {
        maxSkew: 1,
        labelSelector: { matchLabels: selector },
        ...(minor >= 26 ? { nodeTaintsPolicy: "Honor" } : {}),
        ...(minor >= 27 ? { matchLabelKeys: ["pod-template-hash"] } : {}),
    };
    return [
        { ...common, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: environment === PRODUCTION ? "DoNotSchedule" : "ScheduleAnyway" },
        { ...common, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway" },
    ];
}

/** The HPA's behaviour block: mutable copies of the `as const` table, as the Kubernetes input types expect. */
export function hpaBehavior() {
    return {
        scaleUp: { ...HPA_BEHAVIOR.scaleUp, policies: [...HPA_BEHAVIOR.scaleUp.policies] },
        scaleDown: { ...HPA_BEHAVIOR.scaleDown, policies: [...HPA_BEHAVIOR.scaleDown.policies] },
    };
}

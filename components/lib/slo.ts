// Multi-window, multi-burn-rate SLO alerting (Google SRE workbook, "Alerting on SLOs", table 5-8
// extended with its 3x/1d ticket row). A burn rate of N spends the error budget N times faster than
// the SLO period allows; an alert fires when BOTH the long and the short window burn above N, so it
// starts fast and resets fast. Threshold on the error ratio = N * (1 - objective).
import type { ArgProblem } from "./problems";
import { promNumber } from "./promql";

/** The SLO period the burn rates are calibrated for (the workbook's 30 days). */
export const SLO_PERIOD = "30d";

export type AlertAction = "page" | "ticket";

export interface BurnRateWindow {
    burnRate: number;
    longWindow: string;
    shortWindow: string;
    action: AlertAction;
    /**
     * `for:` of the alert. The table's detection time (long window x threshold / burn) already holds
     * the debounce: the long window says the burn was sustained, the short one that it is still going
     * on. A `for` only adds delay on top, so it stays a small share of the long window (at most ~3%):
     * enough to ride out a single odd evaluation, never enough to change which row catches an
     * incident. (It was 2m/15m/1h/3h, pyrra's values; 3h on the 3d row delayed the ticket by 3 hours
     * and the 15m on the 6h page made a 6x burn page 15 minutes later than the table says.)
     */
    for: string;
    /** Share of the 30d budget spent when the long window burns at exactly `burnRate`. */
    budgetSpentPercent: number;
}

export const SRE_WORKBOOK_BURN_RATE_WINDOWS: readonly BurnRateWindow[] = [
    { burnRate: 14.4, longWindow: "1h", shortWindow: "5m", action: "page", for: "2m", budgetSpentPercent: 2 },
    { burnRate: 6, longWindow: "6h", shortWindow: "30m", action: "page", for: "5m", budgetSpentPercent: 5 },
    { burnRate: 3, longWindow: "1d", shortWindow: "2h", action: "ticket", for: "15m", budgetSpentPercent: 10 },
    { burnRate: 1, longWindow: "3d", shortWindow: "6h", action: "ticket", for: "30m", budgetSpentPercent: 10 },
];

/** Every window a recording rule is needed for, shortest first. */
export function recordedWindows(windows: readonly BurnRateWindow[] = SRE_WORKBOOK_BURN_RATE_WINDOWS): string[] {
    const all = new Set(windows.flatMap((w) => [w.longWindow, w.shortWindow]));
    return [...all].sort((a, b) => durationSeconds(a) - durationSeconds(b));
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** Seconds in a single-unit Prometheus duration such as "5m" or "3d". */
export function durationSeconds(duration: string): number {
    const m = /^(\d+)([smhdw])$/.exec(duration);
    if (!m) throw new Error(`not a single-unit Prometheus duration: ${JSON.stringify(duration)}`);
    return Number(m[1]) * UNIT_SECONDS[m[2]];
}

/** An objective is a percentage strictly between 0 and 100. */
export function objectiveProblems(objectivePercent: unknown, path: string): ArgProblem[] {
    return typeof objectivePercent === "number" && objectivePercent > 0 && objectivePercent < 100
        ? []
        : [{ path, message: `must be an SLO objective: a percentage between 0 and 100 (exclusive), got ${JSON.stringify(objectivePercent)}` }];
}

/** Objective as a percentage (99.9) -> allowed bad-event ratio (0.001). */
export function errorBudgetRatio(objectivePercent: number): number {
    if (objectiveProblems(objectivePercent, "").length > 0) {
        throw new Error(`an SLO objective must be a percentage between 0 and 100 (exclusive), got ${objectivePercent}`);
    }
    return Number((1 - objectivePercent / 100).toPrecision(12));
}

/** Error-ratio threshold for a burn rate, as a PromQL literal. */
export function burnRateThreshold(burnRate: number, objectivePercent: number): string {
    return promNumber(burnRate * errorBudgetRatio(objectivePercent));
}

/**
 * The latency threshold must be one of the histogram's bucket bounds: the "fast enough" count is
 * read straight from that bucket, and an in-between value would need interpolation that silently
 * moves the SLO.
 */
export function thresholdBucketProblems(thresholdSeconds: number, bucketsSeconds: readonly number[], metric: string, path: string): ArgProblem[] {
    if (bucketsSeconds.some((b) => Math.abs(b - thresholdSeconds) < 1e-12)) return [];
    return [{
        path,
        message: `${thresholdSeconds} is not a bucket boundary of ${metric} (buckets: ${bucketsSeconds.join(", ")}); pick one of them or add the bucket to the app`,
    }];
}

/** Throws unless the threshold is a bucket bound (see thresholdBucketProblems). */
export function assertThresholdIsBucket(thresholdSeconds: number, bucketsSeconds: readonly number[], metric: string): void {
    const [problem] = thresholdBucketProblems(thresholdSeconds, bucketsSeconds, metric, "latencyThresholdSeconds");
    if (problem) throw new Error(`${problem.path} ${problem.message}`);
}

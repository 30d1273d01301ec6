// Small, typed PromQL builders. Rules and dashboards compose expressions from these so label
// values are always quoted/escaped the same way, and no expression is assembled by hand.

export type MatchOp = "=" | "!=" | "=~" | "!~";

export interface LabelMatcher {
    label: string;
    op: MatchOp;
    value: string;
}

export const eq = (label: string, value: string): LabelMatcher => ({ label, op: "=", value });
export const ne = (label: string, value: string): LabelMatcher => ({ label, op: "!=", value });
export const re = (label: string, value: string): LabelMatcher => ({ label, op: "=~", value });
export const nre = (label: string, value: string): LabelMatcher => ({ label, op: "!~", value });

/** A PromQL double-quoted string literal (backslashes and quotes escaped). */
export function quote(value: string): string {
    return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

/** Escapes RE2 metacharacters so a Kubernetes name can be embedded in a regex matcher. */
export function regexEscape(value: string): string {
    return value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** `metric{label="value", ...}`. */
export function selector(metric: string, matchers: readonly LabelMatcher[] = []): string {
    if (matchers.length === 0) return metric;
    return `${metric}{${matchers.map((m) => `${m.label}${m.op}${quote(m.value)}`).join(", ")}}`;
}

export const rate = (vectorSelector: string, window: string): string => `rate(${vectorSelector}[${window}])`;
export const increase = (vectorSelector: string, window: string): string => `increase(${vectorSelector}[${window}])`;

export function sumBy(labels: readonly string[], expr: string): string {
    return `sum by (${labels.join(", ")}) (${expr})`;
}

export function maxBy(labels: readonly string[], expr: string): string {
    return `max by (${labels.join(", ")}) (${expr})`;
}

export function histogramQuantile(quantile: number, bucketRateByLe: string): string {
    return `histogram_quantile(${promNumber(quantile)}, ${bucketRateByLe})`;
}

/**
 * A number as a PromQL literal, without binary floating-point noise (14.4 * 0.001 is
 * 0.014400000000000001 in IEEE 754; the rule should read 0.0144).
 */
export function promNumber(value: number): string {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return String(Number(value.toPrecision(12)));
}

/**
 * Matcher for one classic-histogram bucket. Prometheus 3 normalises `le` values to float format
 * ("1" is stored as "1.0"), Prometheus 2 keeps the exporter's text (prom-client writes "1"), so
 * integral boundaries match both spellings.
 */
export function bucketMatcher(upperBoundSeconds: number): LabelMatcher {
    const text = promNumber(upperBoundSeconds);
    return Number.isInteger(upperBoundSeconds) ? re("le", `${regexEscape(text)}(\\.0)?`) : eq("le", text);
}

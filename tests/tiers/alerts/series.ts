// Input series for promtool rule tests, built minute by minute from traffic phases and written in
// promtool's expanding notation (`a+bxn`, `_xn`). Counters are whole numbers, so the expected
// ratios are exact.

/** One input series of a promtool test: labels in PromQL form, values in expanding notation. */
export interface InputSeries {
    series: string;
    values: string;
}

/** A series' value per minute from t=0; `undefined` = no sample (not scraped). */
export type Samples = Array<number | undefined>;

/** `name{a="b", ...}` with values quoted the PromQL way. */
export function seriesName(metric: string, labels: Record<string, string>): string {
    const body = Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ");
    return `${metric}{${body}}`;
}

const num = (v: number) => String(Number(v.toPrecision(12)));

/** Run-length encodes samples into promtool's expanding notation (constant-step runs as `a+bxn`). */
export function expandingNotation(samples: Samples): string {
    const parts: string[] = [];
    let i = 0;
    while (i < samples.length) {
        const v = samples[i];
        if (v === undefined) {
            let n = 0;
            while (i + n < samples.length && samples[i + n] === undefined) n++;
            parts.push(`_x${n}`);
            i += n;
            continue;
        }
        const next = samples[i + 1];
        if (next === undefined) {
            parts.push(num(v));
            i += 1;
            continue;
        }
        const step = next - v;
        let n = 1;
        while (i + n + 1 < samples.length && samples[i + n + 1] !== undefined && samples[i + n + 1]! - samples[i + n]! === step) n++;
        parts.push(`${num(v)}${step < 0 ? "-" : "+"}${num(Math.abs(step))}x${n}`);
        i += n + 1;
    }
    return parts.join(" ");
}

/** Cumulative counter from per-minute increments (the first sample is 0 at t=0); `undefined` = not scraped. */
export function counter(increments: Array<number | undefined>): Samples {
    const out: Samples = [];
    let total = 0;
    let seen = false;
    for (const inc of increments) {
        if (inc === undefined) {
            out.push(undefined);
            continue;
        }
        if (seen) total += inc;
        seen = true;
        out.push(total);
    }
    return out;
}

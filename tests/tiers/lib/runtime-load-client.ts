// A bounded open-loop HTTP load client, run by the runtime tier inside the nodes' network
// (`cluster exec -- node … runtime-load-client.ts …`), where ClusterIPs are reachable.
//   --url U          target (GET), e.g. http://10.96.0.12/
//   --rps N          requests started per second, on a fixed schedule (open loop: a slow server
//                    does not slow the client down, so stalls show up as latency or errors)
//   --max-seconds S  hard stop; together with --rps this bounds the request count
//   --stop-file F    stop early once this file exists (the tier creates it when the disruption is over)
//   --timeout-ms T   a request without a complete response after T ms counts as an error
//   --max-in-flight  cap on concurrent requests; a request that would exceed it counts as an error
// Keep-alive connections, as a proxy or a client library holds them. Prints "started" at once, then
// one JSON summary line at the end: counts, non-2xx by status, errors by code, latency percentiles,
// and the times (seconds from the start) of the first failures.
import * as fs from "fs";
import * as http from "http";

export interface LoadSummary {
    url: string;
    rps: number;
    seconds: number;
    sent: number;
    ok: number;
    non2xx: Record<string, number>;
    errors: Record<string, number>;
    failed: number;
    p50ms: number;
    p99ms: number;
    maxms: number;
    firstFailures: { t: number; what: string }[];
}

export function percentile(sorted: number[], p: number): number {
    if (sorted.length === 0) return NaN;
    const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
    return sorted[i];
}

function arg(name: string, fallback?: string): string {
    const i = process.argv.indexOf(`--${name}`);
    if (i >= 0 && process.argv[i + 1] !== undefined) return process.argv[i + 1];
    if (fallback === undefined) throw new Error(`--${name} is required`);
    return fallback;
}

function main(): void {
    const url = new URL(arg("url"));
    const rps = Number(arg("rps", "50"));
    const maxSeconds = Number(arg("max-seconds", "120"));
    const stopFile = arg("stop-file", "");
    const timeoutMs = Number(arg("timeout-ms", "5000"));
    const maxInFlight = Number(arg("max-in-flight", "200"));
    if (!(rps > 0 && rps <= 500) || !(maxSeconds > 0 && maxSeconds <= 900)) throw new Error("--rps must be in (0, 500] and --max-seconds in (0, 900]");

    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const latencies: number[] = [];
    const non2xx: Record<string, number> = {};
    const errors: Record<string, number> = {};
    const firstFailures: { t: number; what: string }[] = [];
    let sent = 0, ok = 0, inFlight = 0, stopped = false;
    const t0 = Date.now();
    const fail = (bucket: Record<string, number>, what: string) => {
        bucket[what] = (bucket[what] ?? 0) + 1;
        if (firstFailures.length < 20) firstFailures.push({ t: (Date.now() - t0) / 1000, what });
    };

    const fire = () => {
        sent++;
        if (inFlight >= maxInFlight) return fail(errors, "client-saturated");
        inFlight++;
        const started = process.hrtime.bigint();
        let done = false;
        const finish = (what?: { bucket: Record<string, number>; key: string }) => {
            if (done) return;
            done = true;
            inFlight--;
            if (what) fail(what.bucket, what.key);
            else { ok++; latencies.push(Number(process.hrtime.bigint() - started) / 1e6); }
        };
        const req = http.get(url, { agent, timeout: timeoutMs }, (res) => {
            res.resume();
            res.on("end", () => finish(res.statusCode && res.statusCode >= 200 && res.statusCode < 300 ? undefined : { bucket: non2xx, key: String(res.statusCode) }));
            res.on("error", (e: any) => finish({ bucket: errors, key: e.code ?? e.message }));
        });
        req.on("timeout", () => { req.destroy(Object.assign(new Error("timeout"), { code: "TIMEOUT" })); });
        req.on("error", (e: any) => finish({ bucket: errors, key: e.code ?? e.message }));
    };

    console.log("started");
    const interval = 1000 / rps;
    const tick = () => {
        const elapsed = Date.now() - t0;
        if (!stopped && (elapsed >= maxSeconds * 1000 || (stopFile && fs.existsSync(stopFile)))) stopped = true;
        if (stopped) return drain();
        const due = Math.floor(elapsed / interval) + 1;
        while (sent < due) fire();
        setTimeout(tick, Math.max(1, interval / 2));
    };
    const drain = () => {
        if (inFlight > 0 && Date.now() - t0 < (maxSeconds * 1000 + timeoutMs + 1000)) { setTimeout(drain, 50); return; }
        agent.destroy();
        const sorted = [...latencies].sort((a, b) => a - b);
        const failed = sent - ok;
        const summary: LoadSummary = {
            url: url.toString(), rps, seconds: (Date.now() - t0) / 1000, sent, ok, non2xx, errors, failed,
            p50ms: round(percentile(sorted, 50)), p99ms: round(percentile(sorted, 99)), maxms: round(sorted[sorted.length - 1] ?? NaN),
            firstFailures,
        };
        console.log(JSON.stringify(summary));
        process.exit(0);
    };
    tick();
}

const round = (v: number) => Math.round(v * 100) / 100;

if (require.main === module) main();

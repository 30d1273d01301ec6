// How long the engine waited on a policy analyzer during one `pulumi preview`, read from the
// engine's own log (`pulumi preview --logtostderr -v=9`, glog lines such as
// `I1201 23:18:59.993966    2791 plugin.go:249] newPlugin(): Launching plugin '...' ...`).
// The engine loads a policy pack before it runs the program and calls it serially while it plans
// each resource, so these waits are what the pack adds to the preview. A wall-clock difference
// between two whole previews says the same with the noise of everything else in them (program and
// provider start-up, ~4 s here).
//   load: from launching the analyzer to the deployment starting (start-up, GetAnalyzerInfo,
//         the engine's checks of the pack's config schemas, Configure)
//   rpc:  every Remediate, Analyze and AnalyzeStack call, from "executing" to its answer
// Usage: ts-node analyzer-wait.ts <log...>            prints {"loadMs":..,"rpcMs":..,"rpcCalls":..,"totalMs":..}
//        ts-node analyzer-wait.ts --fields <log...>   prints "<totalMs> <loadMs> <rpcMs> <rpcCalls>" (for shell)
// One line per log, in the order given; exit 1 at the first log that lacks the waits.
import * as fs from "fs";

export interface AnalyzerWait {
    loadMs: number;
    rpcMs: number;
    rpcCalls: number;
    totalMs: number;
}

// Not anchored: the CLI's progress output ("@ previewing update....") can share the line.
const GLOG_LINE = /[IWEF]\d{4} (\d{2}):(\d{2}):(\d{2})\.(\d{6})\s+\d+ ([\w.-]+?):\d+\] (.*)$/;
const LAUNCH = /^newPlugin\(\): Launching plugin '.*\(analyzer\)'/;
const LOAD_DONE = /^deploymentExecutor\.Execute\(/;
const RPC_START = /^Analyzer\[.*\]\.(Remediate|Analyze|AnalyzeStack)\(.*\) executing/;
const RPC_END = /^Analyzer\[.*\]\.(Remediate|Analyze|AnalyzeStack)\(.*\) (success|failed|is unimplemented)/;

interface Entry {
    ms: number;
    file: string;
    text: string;
}

function entries(log: string): Entry[] {
    const out: Entry[] = [];
    let dayOffset = 0;
    let last = -1;
    for (const line of log.split("\n")) {
        const m = GLOG_LINE.exec(line);
        if (!m) continue;
        let ms = ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(m[4]) / 1000;
        if (ms + dayOffset < last - 3_600_000) dayOffset += 86_400_000; // the preview ran past midnight
        ms += dayOffset;
        last = ms;
        out.push({ ms, file: m[5], text: m[6] });
    }
    return out;
}

/** The engine's waits on the (single) policy analyzer of a preview; throws when the log lacks them. */
export function analyzerWait(log: string): AnalyzerWait {
    const es = entries(log);
    const launch = es.findIndex((e) => e.file === "plugin.go" && LAUNCH.test(e.text));
    if (launch < 0) throw new Error("no analyzer launch in the log (was it written with -v=9 --logtostderr?)");
    const loaded = es.findIndex((e, i) => i > launch && e.file === "deployment_executor.go" && LOAD_DONE.test(e.text));
    if (loaded < 0) throw new Error("the deployment never started after the analyzer was launched");
    let rpcMs = 0;
    let rpcCalls = 0;
    let open: number | undefined;
    for (const e of es.slice(loaded)) {
        if (e.file !== "analyzer_plugin.go") continue;
        if (RPC_START.test(e.text)) open = e.ms;
        else if (open !== undefined && RPC_END.test(e.text)) {
            rpcMs += e.ms - open;
            rpcCalls++;
            open = undefined;
        }
    }
    if (rpcCalls === 0) throw new Error("no Analyze call of the analyzer in the log");
    const loadMs = es[loaded].ms - es[launch].ms;
    const round = (n: number) => Math.round(n);
    return { loadMs: round(loadMs), rpcMs: round(rpcMs), rpcCalls, totalMs: round(loadMs + rpcMs) };
}

if (require.main === module) {
    const args = process.argv.slice(2);
    const fields = args[0] === "--fields";
    for (const file of fields ? args.slice(1) : args) {
        try {
            const w = analyzerWait(fs.readFileSync(file, "utf8"));
            console.log(fields ? `${w.totalMs} ${w.loadMs} ${w.rpcMs} ${w.rpcCalls}` : JSON.stringify(w));
        } catch (e) {
            console.error(`analyzer-wait: ${file}: ${(e as Error).message}`);
            process.exit(1);
        }
    }
}

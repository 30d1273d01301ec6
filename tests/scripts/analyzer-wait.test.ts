import { strict as assert } from "assert";
import { analyzerWait } from "../../scripts/tiers/lib/analyzer-wait";

// glog lines in the engine's format (`pulumi preview --logtostderr -v=9`), at the given time of day.
const line = (time: string, file: string, text: string) => `I1201 ${time}    2791 ${file}] ${text}`;
const PACK = "/tmp/work/policy";

function previewLog(parts: { launch: string; started: string; calls: [string, string, string][] }): string {
    return [
        line("23:18:59.866716", "update.go:238", "*** Starting Update(preview=true) ***"),
        line(parts.launch, "plugin.go:249", `newPlugin(): Launching plugin '${PACK} (analyzer)' from '/bin/pulumi-analyzer-policy' with args: 127.0.0.1:35279,.`),
        "some plugin output without a glog prefix",
        line(parts.launch, "analyzer_plugin.go:461", `Analyzer[${PACK}].GetAnalyzerInfo() executing`),
        // the CLI's progress output shares a line with the log when both go to one stream
        `@ previewing update....${line(parts.started, "deployment_executor.go:238", "deploymentExecutor.Execute(...): waiting for incoming events")}`,
        ...parts.calls.flatMap(([kind, start, end]) => [
            line(start, "analyzer_plugin.go:288", `Analyzer[${PACK}].${kind}(kubernetes:core/v1:Pod) executing (#props=4)`),
            line(start, "rpc.go:77", "Marshaling property for RPC[]: kind={Pod}"),
            line(end, "analyzer_plugin.go:315", `Analyzer[${PACK}].${kind}(kubernetes:core/v1:Pod) success: failures=#0`),
        ]),
        line("23:19:04.682585", "update.go:243", "*** Update(preview=true) complete ***"),
    ].join("\n");
}

describe("analyzer-wait: the engine's wait on a policy analyzer, from its log", () => {
    it("adds the load (launch to the deployment starting) and every call, and nothing between calls", () => {
        const w = analyzerWait(previewLog({
            launch: "23:18:59.993966",
            started: "23:19:01.068052",
            calls: [["Remediate", "23:19:01.902590", "23:19:01.908906"], ["Analyze", "23:19:04.545792", "23:19:04.566860"]],
        }));
        assert.deepEqual(w, { loadMs: 1074, rpcMs: 27, rpcCalls: 2, totalMs: 1101 });
    });

    it("counts a preview that runs past midnight", () => {
        const w = analyzerWait(previewLog({
            launch: "23:59:59.900000",
            started: "00:00:00.400000",
            calls: [["Analyze", "00:00:01.000000", "00:00:01.010000"]],
        }));
        assert.equal(w.loadMs, 500);
        assert.equal(w.totalMs, 510);
    });

    it("refuses a log without the analyzer's launch (written below -v=9)", () => {
        const log = previewLog({ launch: "23:19:00.000000", started: "23:19:01.000000", calls: [["Analyze", "23:19:02.000000", "23:19:02.010000"]] })
            .split("\n").filter((l) => !l.includes("Launching plugin")).join("\n");
        assert.throws(() => analyzerWait(log), /no analyzer launch/);
    });

    it("refuses a log in which the analyzer was never called", () => {
        assert.throws(() => analyzerWait(previewLog({ launch: "23:19:00.000000", started: "23:19:01.000000", calls: [] })), /no Analyze call/);
    });
});

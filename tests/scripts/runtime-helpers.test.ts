// The runtime tier's pure helpers (tests/tiers/lib/runtime-*.ts), which the tier itself cannot check:
// the load client's percentiles and its behaviour against a real local server, the parsing of the
// cluster script's output, PromQL metric-name extraction and the reachability matrix's verdicts.
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as http from "http";
import type { AddressInfo } from "net";
import * as path from "path";
import { parseExports, parseKeyValues } from "../tiers/lib/runtime-env";
import { percentile, type LoadSummary } from "../tiers/lib/runtime-load-client";
import { metricNames } from "../tiers/lib/runtime-prometheus";
import { rowOk } from "../tiers/lib/runtime-netpol";

const ROOT = path.resolve(__dirname, "../..");

describe("runtime tier helpers", function () {
    it("percentile: nearest rank", () => {
        const v = Array.from({ length: 100 }, (_, i) => i + 1);
        assert.equal(percentile(v, 50), 50);
        assert.equal(percentile(v, 99), 99);
        assert.equal(percentile([7], 99), 7);
        assert.ok(Number.isNaN(percentile([], 50)));
    });

    it("parseExports expands $PATH the way a shell would; parseKeyValues reads status lines", () => {
        const vars = parseExports(`noise\nexport KUBECONFIG=/tmp/x/kubeconfig\nexport PATH="/opt/bin:$PATH"\n`);
        assert.equal(vars.KUBECONFIG, "/tmp/x/kubeconfig");
        assert.equal(vars.PATH, `/opt/bin:${process.env.PATH}`);
        const status = parseKeyValues("REGISTRY=127.0.0.1:5000\nIMAGE=ghcr.io/a/b@sha256:" + "0".repeat(64) + "\nkubelet node-a: ok\n");
        assert.equal(status.IMAGE, "ghcr.io/a/b@sha256:" + "0".repeat(64));
        assert.equal(status.REGISTRY, "127.0.0.1:5000");
        assert.equal(Object.keys(status).length, 2);
    });

    it("metricNames: selectors and ranges, not label names, functions or strings", () => {
        const expr = 'sum by (service) (rate(http_request_duration_seconds_count{namespace="x",route!~"/healthz|/readyz",status_code=~"5.."}[5m])) / ' +
            'sum by (service) (rate(http_request_duration_seconds_count{namespace="x"}[5m])) and on (pod) kube_pod_status_ready{condition="true"} == 1';
        assert.deepEqual(metricNames(expr).sort(), ["http_request_duration_seconds_count", "kube_pod_status_ready"]);
        assert.deepEqual(metricNames('up{job="a{b}"}'), ["up"]);
    });

    it("rowOk: without an enforcer every row must be open; with it, blocked means anything but open", () => {
        assert.equal(rowOk({ from: "a", to: "b", expected: "blocked", seen: "open" }, false), true);
        assert.equal(rowOk({ from: "a", to: "b", expected: "blocked", seen: "timeout" }, false), false);
        assert.equal(rowOk({ from: "a", to: "b", expected: "blocked", seen: "timeout" }, true), true);
        assert.equal(rowOk({ from: "a", to: "b", expected: "blocked", seen: "open" }, true), false);
        assert.equal(rowOk({ from: "a", to: "b", expected: "open", seen: "ECONNREFUSED" }, true), false);
    });

    it("load client: counts 2xx, non-2xx by status and connection errors against a real server, and stops by its stop file", async function () {
        this.timeout(20_000);
        let n = 0;
        const server = http.createServer((req, res) => {
            n++;
            if (n % 10 === 0) { res.writeHead(503); res.end(); return; }
            if (n % 10 === 5) { req.socket.destroy(); return; }
            res.writeHead(200); res.end("ok");
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        const port = (server.address() as AddressInfo).port;
        const stopFile = path.join(os.tmpdir(), `runtime-load-test-${process.pid}.stop`);
        const out = await new Promise<string>((resolve, reject) => {
            const child = spawn(process.execPath, [
                "-r", path.join(ROOT, "node_modules/ts-node/register/transpile-only"), path.join(ROOT, "tests/tiers/lib/runtime-load-client.ts"),
                "--url", `http://127.0.0.1:${port}/`, "--rps", "40", "--max-seconds", "10", "--stop-file", stopFile,
            ]);
            let text = "";
            child.stdout.on("data", (d) => {
                if (!text.includes("started") && (text += d).includes("started")) setTimeout(() => fs.writeFileSync(stopFile, "stop"), 1500);
                else text += d;
            });
            child.on("error", reject);
            child.on("exit", () => resolve(text));
        });
        server.close();
        fs.rmSync(stopFile, { force: true });
        const s = JSON.parse(out.trim().split("\n").pop()!) as LoadSummary;
        assert.ok(s.seconds < 5, `the stop file did not stop the client (${s.seconds}s)`);
        assert.ok(s.sent >= 40 && s.sent <= 120, `sent ${s.sent}`);
        assert.equal(s.ok + s.failed, s.sent);
        assert.ok((s.non2xx["503"] ?? 0) >= 3, JSON.stringify(s));
        assert.ok(Object.values(s.errors).reduce((a, b) => a + b, 0) >= 3, JSON.stringify(s));
        assert.equal(s.failed, (s.non2xx["503"] ?? 0) + Object.values(s.errors).reduce((a, b) => a + b, 0));
    });
});

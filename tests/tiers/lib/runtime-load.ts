// Starts runtime-load-client.ts inside the nodes' network (`cluster exec`) and collects its summary.
// The client is bounded by itself (--max-seconds); stop() ends it early through its stop file.
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { clusterProcessEnv, nodeExec, type RuntimeEnv } from "./runtime-env";
import { ROOT } from "./tier";
import type { LoadSummary } from "./runtime-load-client";

export type { LoadSummary } from "./runtime-load-client";

export interface LoadOptions {
    url: string;
    rps: number;
    maxSeconds: number;
    timeoutMs?: number;
}

export class Load {
    private readonly stopFile: string;
    private readonly done: Promise<LoadSummary>;
    private started!: Promise<void>;

    constructor(env: RuntimeEnv, readonly label: string, readonly opts: LoadOptions) {
        this.stopFile = path.join(os.tmpdir(), `websvc-runtime-load-${label}-${process.pid}-${process.hrtime.bigint()}.stop`);
        const client = [
            process.execPath, "-r", path.join(ROOT, "node_modules/ts-node/register/transpile-only"),
            path.join(__dirname, "runtime-load-client.ts"),
            "--url", opts.url, "--rps", String(opts.rps), "--max-seconds", String(opts.maxSeconds),
            "--stop-file", this.stopFile, "--timeout-ms", String(opts.timeoutMs ?? 5000),
        ];
        const [cmd, ...argv] = nodeExec(env, ["--", ...client]);
        const child = spawn(cmd, argv, {
            env: { ...clusterProcessEnv(env), TS_NODE_PROJECT: path.join(ROOT, "tsconfig.json") },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "", err = "";
        child.stderr.on("data", (d) => (err += d));
        this.started = new Promise((resolve, reject) => {
            child.stdout.on("data", (d) => {
                out += d;
                if (out.includes("started")) resolve();
            });
            child.on("exit", () => reject(new Error(`load client (${label}) exited before it started: ${err.trim()}`)));
        });
        this.done = new Promise((resolve, reject) => {
            child.on("exit", (code) => {
                const line = out.trim().split("\n").pop() ?? "";
                try {
                    resolve(JSON.parse(line) as LoadSummary);
                } catch {
                    reject(new Error(`load client (${label}) exited ${code} without a summary: ${out.trim()} ${err.trim()}`));
                }
            });
        });
    }

    /** Resolves when the client has begun sending. */
    ready(): Promise<void> {
        return this.started;
    }

    /** Ends the load (it also ends by itself at maxSeconds) and returns the summary. */
    async stop(): Promise<LoadSummary> {
        fs.writeFileSync(this.stopFile, "stop\n");
        try {
            return await this.done;
        } finally {
            fs.rmSync(this.stopFile, { force: true });
        }
    }
}

/** One line for the report: counts, failures by kind, latency. */
export function describeLoad(s: LoadSummary): string {
    const kinds = { ...s.non2xx, ...s.errors };
    const failures = Object.keys(kinds).length ? ` (${Object.entries(kinds).map(([k, n]) => `${k}: ${n}`).join(", ")})` : "";
    return `${s.sent} requests at ${s.rps}/s over ${s.seconds.toFixed(1)}s: ${s.failed} failed${failures}; p50 ${s.p50ms} ms, p99 ${s.p99ms} ms, max ${s.maxms} ms`;
}

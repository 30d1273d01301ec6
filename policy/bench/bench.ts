// Benchmark of the plain-manifest checker (a script, not a test):
//   npm run bench:policy [-- --objects 10000] [--with-checkov] [--keep]
// Generates a corpus, runs the checker on it in a child process exactly as `npm run policy:check`
// does (ts-node, --format json), and prints objects/second and the child's peak RSS.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Command } from "commander";
import { generateCorpus } from "./corpus";

const TARGET_OBJECTS_PER_SECOND = 5000;
const TARGET_PEAK_RSS_MB = 500;
const POLICY_DIR = path.resolve(__dirname, "..");
const CHECKOV_VENV = path.join(os.homedir(), ".cache", "websvc-bench", "checkov-venv");

interface RunMeasurement {
    wallSeconds: number;
    peakRssMb: number;
    cpuSeconds: number;
    exitCode: number | null;
    stdoutFile: string;
    stderr: string;
}

/** Runs the checker like the npm script does, with a preload that reports process.resourceUsage(). */
function runChecker(args: string[], workDir: string): RunMeasurement {
    const usageFile = path.join(workDir, `usage-${Date.now()}.json`);
    const stdoutFile = path.join(workDir, `stdout-${Date.now()}.json`);
    const out = fs.openSync(stdoutFile, "w");
    const tsNode = require.resolve("ts-node/dist/bin.js", { paths: [POLICY_DIR] });
    const started = process.hrtime.bigint();
    const child = spawnSync(
        process.execPath,
        [tsNode, "--transpile-only", "--project", path.join(POLICY_DIR, "tsconfig.json"), path.join(POLICY_DIR, "check.ts"), ...args],
        {
            stdio: ["ignore", out, "pipe"],
            env: { ...process.env, BENCH_USAGE_FILE: usageFile, NODE_OPTIONS: `--require=${path.join(__dirname, "rss-probe.js")}` },
            maxBuffer: 64 * 1024 * 1024,
        },
    );
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    fs.closeSync(out);
    const usage = JSON.parse(fs.readFileSync(usageFile, "utf8")) as { maxRssKb: number; userCpuMs: number; systemCpuMs: number };
    return {
        wallSeconds,
        peakRssMb: usage.maxRssKb / 1024,
        cpuSeconds: (usage.userCpuMs + usage.systemCpuMs) / 1000,
        exitCode: child.status,
        stdoutFile,
        stderr: child.stderr.toString(),
    };
}

/** Installs Checkov from PyPI into a venv under ~/.cache once; returns its executable or undefined. */
function ensureCheckov(): string | undefined {
    const bin = path.join(CHECKOV_VENV, "bin", "checkov");
    if (fs.existsSync(bin)) return bin;
    console.log(`installing checkov into ${CHECKOV_VENV} (pip, PyPI) ...`);
    const steps: string[][] = [
        ["python3", "-m", "venv", CHECKOV_VENV],
        [path.join(CHECKOV_VENV, "bin", "pip"), "install", "--quiet", "checkov"],
    ];
    for (const [cmd, ...args] of steps) {
        const r = spawnSync(cmd, args, { stdio: "inherit" });
        if (r.status !== 0) {
            console.log(`checkov not installable (${cmd} ${args.join(" ")} exited ${r.status}); skipping the comparison`);
            return undefined;
        }
    }
    return bin;
}

function runCheckov(bin: string, corpusDir: string, workDir: string): { wallSeconds: number; exitCode: number | null } {
    const out = fs.openSync(path.join(workDir, "checkov.json"), "w");
    const started = process.hrtime.bigint();
    // Checkov exits 1 when it finds failed checks; that is a finished run, not an error.
    // --skip-download: no calls to the vendor's platform (only package registries are reachable here).
    const r = spawnSync(bin, ["--framework", "kubernetes", "-d", corpusDir, "--quiet", "--compact", "-o", "json", "--skip-download"], {
        stdio: ["ignore", out, "inherit"],
    });
    fs.closeSync(out);
    return { wallSeconds: Number(process.hrtime.bigint() - started) / 1e9, exitCode: r.status };
}

function main(): void {
    const opts = new Command("bench-policy")
        .option("--objects <n>", "objects in the corpus", (v) => parseInt(v, 10), 10000)
        .option("--with-checkov", "also run checkov --framework kubernetes on the same corpus (pip install into a venv)")
        .option("--keep", "keep the temporary corpus directory")
        .parse()
        .opts<{ objects: number; withCheckov?: boolean; keep?: boolean }>();

    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-bench-"));
    const corpusDir = path.join(workDir, "corpus");
    const stats = generateCorpus(corpusDir, opts.objects);
    console.log(
        `corpus: ${stats.objects} workload objects (${stats.violatingObjects} built to violate) + ${stats.supportingObjects} NetworkPolicies/PDBs ` +
            `in ${stats.files} files, ` +
            `${(stats.bytes / 1024 / 1024).toFixed(1)} MiB, at ${corpusDir}`,
    );

    // Startup (ts-node, policy modules) is a fixed cost; measure it on one object to show it separately.
    const tinyDir = path.join(workDir, "tiny");
    generateCorpus(tinyDir, 1);
    const startup = runChecker(["--format", "json", tinyDir], workDir);
    const run = runChecker(["--format", "json", corpusDir], workDir);
    if (run.exitCode === null || run.exitCode > 1) {
        console.error(`checker failed (exit ${run.exitCode}):\n${run.stderr}`);
        process.exitCode = 1;
        return;
    }
    const entries = JSON.parse(fs.readFileSync(run.stdoutFile, "utf8")) as Array<{ violations: unknown[] }>;
    const flagged = entries.filter((e) => e.violations.length > 0).length;
    if (entries.length !== stats.objects + stats.supportingObjects) {
        console.error(`checker reported ${entries.length} objects, the corpus has ${stats.objects + stats.supportingObjects}`);
        process.exitCode = 1;
    }
    const throughput = stats.objects / run.wallSeconds;
    const steady = stats.objects / Math.max(run.wallSeconds - startup.wallSeconds, 1e-3);

    // A shared machine's other load skews wall time; CPU time and the load average put it in context.
    console.log(`machine: ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
    console.log(`checker: ${entries.length} objects reported, ${flagged} with violations, exit ${run.exitCode}`);
    console.log(`  wall time            ${run.wallSeconds.toFixed(2)} s (startup alone, 1 object: ${startup.wallSeconds.toFixed(2)} s)`);
    console.log(`  CPU time             ${run.cpuSeconds.toFixed(2)} s`);
    console.log(`  throughput           ${Math.round(throughput)} objects/s end to end (target >= ${TARGET_OBJECTS_PER_SECOND})`);
    console.log(`                       ${Math.round(steady)} objects/s excluding startup`);
    console.log(`  peak RSS             ${run.peakRssMb.toFixed(0)} MB (target < ${TARGET_PEAK_RSS_MB})`);
    console.log(
        `  targets              ${throughput >= TARGET_OBJECTS_PER_SECOND ? "met" : "MISSED"} (throughput), ` +
            `${run.peakRssMb < TARGET_PEAK_RSS_MB ? "met" : "MISSED"} (memory)`,
    );

    if (opts.withCheckov) {
        const checkov = ensureCheckov();
        if (checkov) {
            const c = runCheckov(checkov, corpusDir, workDir);
            const checkovThroughput = stats.objects / c.wallSeconds;
            console.log(`checkov: ${c.wallSeconds.toFixed(2)} s wall (exit ${c.exitCode}), ${Math.round(checkovThroughput)} objects/s`);
            console.log(`  ratio                this checker is ${(throughput / checkovThroughput).toFixed(1)}x checkov's throughput`);
        }
    }
    if (opts.keep) console.log(`kept ${workDir}`);
    else fs.rmSync(workDir, { recursive: true, force: true });
}

main();

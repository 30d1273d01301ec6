// Benchmark of the plain-manifest checker against kube-score, paired in one run (a script, not a test):
//   npm run bench:policy [-- --pairs 3] [--objects 3200] [--only monitoring,crds,workloads] [--no-slope]
//                        [--corpus DIR] [--synthetic N] [--report-only] [--with-checkov] [--keep]
// Runs the compiled checker (dist/cli/bin.js, what the package's bin runs) with --format json and
// kube-score v1.20.0 (`kube-score score -o json`, installed into ~/.cache/websvc/tools/bin with
// `go install` when missing) on the same files, alternating which goes first, on each of the three
// corpora of corpora.ts (dashboard- and rule-heavy, CRD-heavy, workload-heavy), and prints each
// pair's wall time and peak RSS (GNU time's %M, or Python's getrusage as a fallback) and the
// median ratios; then one large dashboard file alone, and the checker's objects per second from
// 1k to 16k objects. Exits 1 when a goal is missed (--report-only: 0). --corpus takes any directory.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Command } from "commander";
import { generateCorpus } from "./corpus";
import { buildCorpus, CORPORA, dashboardFileOf, type CorpusName, type CorpusShape } from "./corpora";
import { expandPaths } from "../cli/manifests";

/* eslint-disable @typescript-eslint/no-require-imports -- the pack's CommonJS build script is required, not imported */
const { ensureBuilt } = require("../scripts/build") as { ensureBuilt(): void };
/* eslint-enable @typescript-eslint/no-require-imports */

const POLICY_DIR = path.resolve(__dirname, "..");
const BIN = path.join(POLICY_DIR, "dist", "cli", "bin.js");
const TOOLS = path.join(os.homedir(), ".cache", "websvc", "tools");
const KUBE_SCORE_VERSION = "v1.20.0";
const KUBE_SCORE = path.join(TOOLS, "bin", "kube-score");
const CHECKOV_VENV = path.join(TOOLS, "checkov-venv");
const CORPUS_CACHE = path.join(os.homedir(), ".cache", "websvc", "bench-corpus");
/** The goals: at least 1.5x kube-score's speed and at most 2x its peak memory on each corpus, < 300 ms for one small file, linear cost. */
const TARGET_SPEEDUP = 1.5;
const TARGET_MEMORY_RATIO = 2;
const TARGET_STARTUP_SECONDS = 0.3;
/** Linear: the seconds per object at 16k objects are at most this multiple of those at 4k (start-up makes small runs dearer per object, not cheaper). */
const TARGET_LINEARITY = 1.25;
const SLOPE_SIZES = [1000, 2000, 4000, 8000, 16000];

interface Measured {
    wallSeconds: number;
    cpuSeconds: number;
    peakRssMiB: number;
    exitCode: number | null;
    stdoutFile: string;
    stderr: string;
}

/** How peak RSS is measured: GNU time when installed, else a Python wrapper around getrusage(RUSAGE_CHILDREN). */
function measurer(): { name: string; wrap: (cmd: string[], usageFile: string) => string[] } {
    if (fs.existsSync("/usr/bin/time")) {
        return { name: "GNU time %M (ru_maxrss)", wrap: (cmd, usage) => ["/usr/bin/time", "-f", "%e %U %S %M", "-o", usage, ...cmd] };
    }
    const py =
        "import resource,subprocess,sys,time;t=time.time();r=subprocess.run(sys.argv[2:]);w=time.time()-t;u=resource.getrusage(resource.RUSAGE_CHILDREN);" +
        "open(sys.argv[1],'w').write('%f %f %f %d'%(w,u.ru_utime,u.ru_stime,u.ru_maxrss));sys.exit(r.returncode)";
    return { name: "Python getrusage(RUSAGE_CHILDREN).ru_maxrss", wrap: (cmd, usage) => ["python3", "-c", py, usage, ...cmd] };
}

let runCount = 0;
function measure(cmd: string[], workDir: string): Measured {
    const n = ++runCount;
    const usageFile = path.join(workDir, `usage-${n}.txt`);
    const stdoutFile = path.join(workDir, `stdout-${n}.txt`);
    const out = fs.openSync(stdoutFile, "w");
    const [exe, ...args] = measurer().wrap(cmd, usageFile);
    const started = process.hrtime.bigint();
    const child = spawnSync(exe, args, { stdio: ["ignore", out, "pipe"], maxBuffer: 256 * 1024 * 1024 });
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    fs.closeSync(out);
    const [, user, sys, maxRssKb] = fs.readFileSync(usageFile, "utf8").trim().split(/\s+/).slice(-4).map(Number);
    // GNU time appends "Command exited with non-zero status N" before the numbers: the last line holds them.
    return { wallSeconds, cpuSeconds: user + sys, peakRssMiB: maxRssKb / 1024, exitCode: child.status, stdoutFile, stderr: child.stderr.toString() };
}

/** kube-score v1.20.0 from the tools cache, installed with `go install` when missing. */
function ensureKubeScore(): string | undefined {
    if (fs.existsSync(KUBE_SCORE)) return KUBE_SCORE;
    console.log(`installing kube-score ${KUBE_SCORE_VERSION} into ${path.dirname(KUBE_SCORE)} (go install, Go module proxy) ...`);
    const r = spawnSync("go", ["install", `github.com/zegl/kube-score/cmd/kube-score@${KUBE_SCORE_VERSION}`], {
        stdio: "inherit",
        env: { ...process.env, GOBIN: path.dirname(KUBE_SCORE), GOTOOLCHAIN: "local", GOFLAGS: "-mod=mod" },
        cwd: os.tmpdir(),
    });
    if (r.status !== 0 || !fs.existsSync(KUBE_SCORE)) {
        console.log(`SKIPPED: kube-score comparison: go install exited ${r.status ?? r.error?.message}`);
        return undefined;
    }
    return KUBE_SCORE;
}

/** Installs Checkov from PyPI into a venv under the tools cache once; returns its executable or undefined. */
function ensureCheckov(): string | undefined {
    const bin = path.join(CHECKOV_VENV, "bin", "checkov");
    if (fs.existsSync(bin)) return bin;
    console.log(`installing checkov into ${CHECKOV_VENV} (pip, PyPI) ...`);
    for (const [cmd, ...args] of [["python3", "-m", "venv", CHECKOV_VENV], [path.join(CHECKOV_VENV, "bin", "pip"), "install", "--quiet", "checkov"]]) {
        const r = spawnSync(cmd, args, { stdio: "inherit" });
        if (r.status !== 0) {
            console.log(`SKIPPED: checkov comparison: ${cmd} ${args.join(" ")} exited ${r.status}`);
            return undefined;
        }
    }
    return bin;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f2 = (x: number) => x.toFixed(2);

interface Options {
    pairs: number;
    objects: number;
    only: string;
    slope: boolean;
    corpus?: string;
    synthetic?: number;
    reportOnly?: boolean;
    withCheckov?: boolean;
    keep?: boolean;
}

/** One goal's outcome, for the summary and the exit code. */
interface Goal {
    what: string;
    value: string;
    target: string;
    met: boolean;
}

class Bench {
    readonly goals: Goal[] = [];
    /** Peak RSS of `node -e 0` and of the checker on one small file: what no input can go below. */
    private floors?: { nodeMiB: number; checkerMiB: number };
    constructor(readonly workDir: string, readonly kubeScore: string | undefined, readonly pairs: number) {}

    goal(what: string, value: string, target: string, met: boolean): string {
        this.goals.push({ what, value, target, met });
        return met ? "met" : "MISSED";
    }

    ours(args: string[]): string[] {
        return [process.execPath, BIN, ...args];
    }

    /** Checker and kube-score on the same files, `pairs` times, alternating who goes first; returns the median ratios. */
    paired(label: string, oursArgs: string[], files: string[], pairs = this.pairs, log = true): { ours: Measured[]; speedup?: number; memory?: number; kubeScoreMiB?: number; kubeScoreSeconds?: number } {
        const ksArgs = this.kubeScore ? [this.kubeScore, "score", "-o", "json", ...files] : undefined;
        const runs: { ours: Measured; ks?: Measured }[] = [];
        for (let i = 0; i < pairs; i++) {
            const ksFirst = i % 2 === 1;
            const ksBefore = ksArgs && ksFirst ? measure(ksArgs, this.workDir) : undefined;
            const o = measure(oursArgs, this.workDir);
            const ks = ksBefore ?? (ksArgs ? measure(ksArgs, this.workDir) : undefined);
            runs.push({ ours: o, ks });
            if (o.exitCode === null || o.exitCode > 1) throw new Error(`${label}: checker failed (exit ${o.exitCode}):\n${o.stderr.slice(0, 4000)}`);
            if (ks && (ks.exitCode === null || ks.exitCode > 1)) throw new Error(`${label}: kube-score exited ${ks.exitCode}: ${ks.stderr.slice(0, 600)}`);
            if (log) {
                console.log(
                    `  pair ${i + 1} (${ksFirst ? "kube-score first" : "ours first"}): ours ${f2(o.wallSeconds)} s, ${o.peakRssMiB.toFixed(0)} MiB (CPU ${f2(o.cpuSeconds)} s)` +
                        (ks ? ` | kube-score ${f2(ks.wallSeconds)} s, ${ks.peakRssMiB.toFixed(0)} MiB (CPU ${f2(ks.cpuSeconds)} s) | speed ${f2(ks.wallSeconds / o.wallSeconds)}x, memory ${f2(o.peakRssMiB / ks.peakRssMiB)}x` : ""),
                );
            }
        }
        const withKs = runs.filter((p): p is { ours: Measured; ks: Measured } => p.ks !== undefined);
        if (withKs.length === 0) return { ours: runs.map((r) => r.ours) };
        const speedup = median(withKs.map((p) => p.ks.wallSeconds / p.ours.wallSeconds));
        const memory = median(withKs.map((p) => p.ours.peakRssMiB / p.ks.peakRssMiB));
        const cpu = median(withKs.map((p) => p.ks.cpuSeconds / p.ours.cpuSeconds));
        const kubeScoreSeconds = median(withKs.map((p) => p.ks.wallSeconds));
        const kubeScoreMiB = median(withKs.map((p) => p.ks.peakRssMiB));
        console.log(
            `  ${label}, medians of ${withKs.length} pairs: ours ${f2(median(withKs.map((p) => p.ours.wallSeconds)))} s / ${median(withKs.map((p) => p.ours.peakRssMiB)).toFixed(0)} MiB` +
                ` (CPU ${f2(median(withKs.map((p) => p.ours.cpuSeconds)))} s), kube-score ${KUBE_SCORE_VERSION} ${f2(kubeScoreSeconds)} s / ${kubeScoreMiB.toFixed(0)} MiB` +
                ` (CPU ${f2(median(withKs.map((p) => p.ks.cpuSeconds)))} s); speed ${f2(speedup)}x by wall time, ${f2(cpu)}x by CPU time`,
        );
        return { ours: runs.map((r) => r.ours), speedup, memory, kubeScoreMiB, kubeScoreSeconds };
    }

    /** A corpus: both tools paired, the object count checked, the two goals. */
    corpus(label: string, dir: string, shape?: CorpusShape): void {
        const files = expandPaths([dir]).files;
        const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
        describe(label, shape, files, bytes);
        const r = this.paired(label, this.ours(["--format", "json", dir]), files);
        const entries = JSON.parse(fs.readFileSync(r.ours[0].stdoutFile, "utf8")) as Array<{ violations: unknown[] }>;
        console.log(`  checker: ${entries.length} objects reported, ${entries.filter((e) => e.violations.length > 0).length} with violations, exit ${r.ours[0].exitCode}`);
        if (shape) this.goal(`${label}: every object reported`, String(entries.length), String(shape.objects), entries.length === shape.objects);
        if (r.speedup !== undefined && r.memory !== undefined) {
            console.log(`  ${label}: speed ${f2(r.speedup)}x kube-score's (goal >= ${TARGET_SPEEDUP}x): ${this.goal(`${label}: speed vs kube-score`, `${f2(r.speedup)}x`, `>= ${TARGET_SPEEDUP}x`, r.speedup >= TARGET_SPEEDUP)}`);
            console.log(`  ${label}: memory ${f2(r.memory)}x kube-score's peak RSS (goal <= ${TARGET_MEMORY_RATIO}x): ${this.goal(`${label}: peak RSS vs kube-score`, `${f2(r.memory)}x`, `<= ${TARGET_MEMORY_RATIO}x`, r.memory <= TARGET_MEMORY_RATIO)}`);
            if (this.floors && r.kubeScoreMiB) {
                const { nodeMiB, checkerMiB } = this.floors;
                console.log(`  ${label}: floors, as multiples of kube-score's ${r.kubeScoreMiB.toFixed(0)} MiB: \`node -e 0\` ${nodeMiB.toFixed(0)} MiB (${f2(nodeMiB / r.kubeScoreMiB)}x), the checker on one small file ${checkerMiB.toFixed(0)} MiB (${f2(checkerMiB / r.kubeScoreMiB)}x)`);
            }
            if (r.kubeScoreSeconds) this.parserFloor(label, files, r.kubeScoreSeconds);
        }
    }

    /**
     * What any checker on js-yaml pays before it decodes or checks anything: Node's start, reading
     * the files as the checker does, and js-yaml's parser alone (events, no tree); the median of 3
     * runs, against the wall time the speed goal allows. Reported, no goal.
     */
    parserFloor(label: string, files: string[], kubeScoreSeconds: number): void {
        const list = path.join(this.workDir, "floor-files.json");
        fs.writeFileSync(list, JSON.stringify(files));
        const script =
            `const fs=require("fs");const {readInputText}=require(${JSON.stringify(path.join(POLICY_DIR, "dist", "cli", "manifests.js"))});` +
            `const {parseEvents}=require(${JSON.stringify(require.resolve("js-yaml", { paths: [POLICY_DIR] }))});` +
            `for(const f of JSON.parse(fs.readFileSync(process.argv[1],"utf8"))){try{parseEvents(readInputText(f))}catch{}}`;
        const runs = Array.from({ length: 3 }, () => measure([process.execPath, "-e", script, list], this.workDir));
        const floor = median(runs.map((m) => m.wallSeconds));
        const allowed = kubeScoreSeconds / TARGET_SPEEDUP;
        console.log(
            `  ${label}: parser floor (Node start + reading the files + js-yaml's parser alone, no decoding, no policies): ${f2(floor)} s, ` +
                `${f2(kubeScoreSeconds / floor)}x kube-score's ${f2(kubeScoreSeconds)} s; the speed goal allows the whole check ${f2(allowed)} s`,
        );
    }

    startup(): void {
        const tiny = path.join(this.workDir, "tiny");
        generateCorpus(tiny, 1);
        const tinyFile = expandPaths([tiny]).files[0];
        measure(this.ours(["--format", "json", tinyFile]), this.workDir); // fills Node's compile cache
        const runs = Array.from({ length: 5 }, () => measure(this.ours(["--format", "json", tinyFile]), this.workDir));
        const wall = median(runs.map((s) => s.wallSeconds));
        const bare = Array.from({ length: 3 }, () => measure([process.execPath, "-e", "0"], this.workDir));
        this.floors = { nodeMiB: median(bare.map((s) => s.peakRssMiB)), checkerMiB: median(runs.map((s) => s.peakRssMiB)) };
        console.log(`Node itself (\`node -e 0\`, the same binary): median ${this.floors.nodeMiB.toFixed(0)} MiB peak RSS over 3 runs`);
        console.log(
            `start-up, one small file (one Deployment): median ${f2(wall)} s wall over 5 runs (${runs.map((s) => f2(s.wallSeconds)).join(", ")}), ` +
                `CPU ${f2(median(runs.map((s) => s.cpuSeconds)))} s, ${median(runs.map((s) => s.peakRssMiB)).toFixed(0)} MiB: ` +
                this.goal("start-up, one small file", `${f2(wall)} s`, `< ${TARGET_STARTUP_SECONDS} s`, wall < TARGET_STARTUP_SECONDS),
        );
    }

    /** One ~1 MB file of dashboard ConfigMaps alone: reported, no goal. */
    singleFile(file: string): void {
        console.log(`one large file: ${file} (${(fs.statSync(file).size / 1048576).toFixed(2)} MiB)`);
        this.paired("one large file", this.ours(["--format", "json", file]), [file], 5, false);
    }

    /**
     * The checker alone on growing prefixes (by objects) of one corpus's files: objects per second
     * at each size, and whether the cost per object stays flat (linear).
     */
    slope(shape: CorpusShape): void {
        const files = expandPaths([shape.dir]).files;
        const counts = files.map((f) => shape.objectsPerFile[path.relative(shape.dir, f)] ?? 0);
        console.log(`slope: the checker alone on the first 1k-16k objects of ${shape.dir} (hard links, one run each)`);
        const points: { objects: number; seconds: number; cpu: number }[] = [];
        for (const size of SLOPE_SIZES) {
            const dir = path.join(this.workDir, `slope-${size}`);
            let objects = 0;
            for (let i = 0; i < files.length && objects < size; i++) {
                const target = path.join(dir, path.relative(shape.dir, files[i]));
                fs.mkdirSync(path.dirname(target), { recursive: true });
                fs.linkSync(files[i], target);
                objects += counts[i];
            }
            const m = measure(this.ours(["--format", "json", dir]), this.workDir);
            points.push({ objects, seconds: m.wallSeconds, cpu: m.cpuSeconds });
            console.log(`  ${String(objects).padStart(6)} objects: ${f2(m.wallSeconds)} s wall (CPU ${f2(m.cpuSeconds)} s), ${(objects / m.wallSeconds).toFixed(0).padStart(6)} objects/s, ${m.peakRssMiB.toFixed(0)} MiB`);
            fs.rmSync(dir, { recursive: true, force: true });
        }
        // CPU time decides: on a shared machine the wall time of one run swings with the others' load.
        const at = (n: number) => points.find((p) => p.objects >= n) ?? points[points.length - 1];
        const perObject = (p: { objects: number; cpu: number }) => p.cpu / p.objects;
        const linearity = perObject(at(16000)) / perObject(at(4000));
        const fit = leastSquares(points.map((p) => [p.objects / 1000, p.cpu]));
        const wallFit = leastSquares(points.map((p) => [p.objects / 1000, p.seconds]));
        console.log(`  CPU: ${f2(fit.intercept)} s + ${(fit.slope * 1000).toFixed(0)} ms per 1k objects (R^2 ${fit.r2.toFixed(3)}); wall: ${f2(wallFit.intercept)} s + ${(wallFit.slope * 1000).toFixed(0)} ms per 1k objects (R^2 ${wallFit.r2.toFixed(3)})`);
        console.log(`  CPU seconds per object at 16k / at 4k = ${f2(linearity)} (goal <= ${TARGET_LINEARITY}): ${this.goal("cost linear from 1k to 16k objects (CPU per object, 16k vs 4k)", f2(linearity), `<= ${TARGET_LINEARITY}`, linearity <= TARGET_LINEARITY)}`);
    }
}

function leastSquares(xy: number[][]): { slope: number; intercept: number; r2: number } {
    const n = xy.length;
    const mx = xy.reduce((s, [x]) => s + x, 0) / n;
    const my = xy.reduce((s, [, y]) => s + y, 0) / n;
    const sxy = xy.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
    const sxx = xy.reduce((s, [x]) => s + (x - mx) ** 2, 0);
    const slope = sxy / sxx;
    const intercept = my - slope * mx;
    const ssTot = xy.reduce((s, [, y]) => s + (y - my) ** 2, 0);
    const ssRes = xy.reduce((s, [x, y]) => s + (y - intercept - slope * x) ** 2, 0);
    return { slope, intercept, r2: ssTot === 0 ? 1 : 1 - ssRes / ssTot };
}

function describe(label: string, shape: CorpusShape | undefined, files: string[], bytes: number): void {
    console.log(`\n${label}: ${files.length} files, ${(bytes / 1048576).toFixed(1)} MiB${shape ? `, ${shape.objects} objects at ${shape.dir}` : ""}`);
    if (!shape) return;
    for (const p of shape.parts) {
        console.log(`  ${p.kind.padEnd(16)} ${p.label.padEnd(72)} ${String(p.objects).padStart(5)} objects ${String(p.files).padStart(5)} files ${(p.bytes / 1048576).toFixed(1).padStart(6)} MiB`);
    }
    console.log(`  ${shape.crdObjects} CustomResourceDefinitions, ${shape.listObjects} List documents, largest single object ${(shape.largestObjectBytes / 1048576).toFixed(2)} MiB`);
}

function main(): void {
    const opts = new Command("bench-policy")
        .option("--pairs <n>", "paired runs per corpus (ours and kube-score, alternating who goes first)", (v) => parseInt(v, 10), 3)
        .option("--objects <n>", "objects in each corpus (at least; filler added to reach it)", (v) => parseInt(v, 10), 3200)
        .option("--only <names>", `corpora to run, of ${CORPORA.join(",")}`, CORPORA.join(","))
        .option("--no-slope", "skip the 1k-16k objects slope")
        .option("--corpus <dir>", "benchmark this directory instead (any manifests)")
        .option("--synthetic <n>", "benchmark a generated corpus of n workload objects instead (the first benchmark's)", (v) => parseInt(v, 10))
        .option("--report-only", "exit 0 even when a goal is missed")
        .option("--with-checkov", "also run checkov --framework kubernetes on each corpus (pip install into a venv)")
        .option("--keep", "keep the outputs of the runs")
        .parse()
        .opts<Options>();
    const names = opts.only.split(",").map((n) => n.trim()).filter((n) => n !== "");
    const unknown = names.filter((n) => !(CORPORA as readonly string[]).includes(n));
    if (unknown.length > 0) throw new Error(`--only: unknown corpus ${unknown.join(", ")} (known: ${CORPORA.join(", ")})`);

    ensureBuilt();
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-bench-"));
    console.log(`machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}; peak RSS by ${measurer().name}`);
    const bench = new Bench(workDir, ensureKubeScore(), opts.pairs);
    if (!bench.kubeScore) bench.goal("kube-score available", "missing", "installed", false);
    bench.startup();
    const corpora: CorpusShape[] = [];
    if (opts.corpus) {
        bench.corpus(opts.corpus, path.resolve(opts.corpus));
    } else if (opts.synthetic) {
        const dir = path.join(workDir, "corpus");
        const stats = generateCorpus(dir, opts.synthetic);
        console.log(`synthetic corpus: ${stats.objects} generated workload objects (${stats.violatingObjects} built to violate) + ${stats.supportingObjects} NetworkPolicies/PDBs`);
        bench.corpus("synthetic", dir);
    } else {
        for (const name of names as CorpusName[]) {
            console.log(`\nassembling the ${name} corpus (cached under ${CORPUS_CACHE}) ...`);
            const shape = buildCorpus(name, CORPUS_CACHE, opts.objects, console.log);
            corpora.push(shape);
            bench.corpus(name, shape.dir, shape);
            if (opts.withCheckov) runCheckov(shape.dir, workDir);
        }
        const monitoring = corpora.find((c) => c.name === "monitoring");
        const dashboardFile = monitoring && (monitoring.dashboardFile ?? dashboardFileOf(monitoring.objectsPerFile));
        if (monitoring && dashboardFile) bench.singleFile(path.join(monitoring.dir, dashboardFile));
        if (opts.slope) {
            console.log(`\nassembling the workloads corpus with 16,000 objects for the slope ...`);
            bench.slope(buildCorpus("workloads", CORPUS_CACHE, SLOPE_SIZES[SLOPE_SIZES.length - 1], console.log));
        }
    }

    console.log("\nsummary:");
    for (const g of bench.goals) console.log(`  ${g.met ? "met   " : "MISSED"} ${g.what}: ${g.value} (goal ${g.target})`);
    const missed = bench.goals.filter((g) => !g.met).length;
    console.log(missed === 0 ? "all goals met" : `${missed} goal(s) missed${opts.reportOnly ? " (--report-only: exit 0)" : ""}`);
    if (missed > 0 && !opts.reportOnly) process.exitCode = 1;
    if (opts.keep) console.log(`kept ${workDir}`);
    else fs.rmSync(workDir, { recursive: true, force: true });
}

function runCheckov(dir: string, workDir: string): void {
    const checkov = ensureCheckov();
    if (!checkov) return;
    // Checkov exits 1 when it finds failed checks; --skip-download: no calls to the vendor's platform.
    const c = measure([checkov, "--framework", "kubernetes", "-d", dir, "--quiet", "--compact", "-o", "json", "--skip-download"], workDir);
    console.log(`  checkov: ${f2(c.wallSeconds)} s wall, ${c.peakRssMiB.toFixed(0)} MiB (exit ${c.exitCode})`);
}

main();

// Locations a policy run reports (SARIF, GitHub workflow-command annotations) and what is wrong
// with them: a file git does not track in this repository, a line past its end, or a finding on
// an object that is not at the call constructing it. Shared by the workflow and source-map specs.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");

export interface Location {
    uri: string;
    line?: number;
    where: string;
}

/** Every location a SARIF log names: results and tool notifications. */
export function sarifLocations(log: any): Location[] {
    const out: Location[] = [];
    for (const run of log.runs ?? []) {
        for (const r of run.results ?? []) {
            for (const l of r.locations ?? []) out.push({ uri: l.physicalLocation?.artifactLocation?.uri, line: l.physicalLocation?.region?.startLine, where: `${r.ruleId}: ${r.message?.text}` });
        }
        for (const inv of run.invocations ?? []) {
            for (const n of inv.toolExecutionNotifications ?? []) {
                for (const l of n.locations ?? []) out.push({ uri: l.physicalLocation?.artifactLocation?.uri, line: l.physicalLocation?.region?.startLine, where: `notification: ${n.message?.text}` });
            }
        }
    }
    return out;
}

/** The file and line of every `::error|warning|notice …::` workflow command. */
export function annotationLocations(stdout: string): Location[] {
    const out: Location[] = [];
    for (const line of stdout.split("\n")) {
        const m = /^::(error|warning|notice)(?: ([^:]*))?::(.*)$/.exec(line);
        if (!m) continue;
        const props = Object.fromEntries((m[2] ?? "").split(",").filter(Boolean).map((p) => [p.slice(0, p.indexOf("=")), decodeURIComponent(p.slice(p.indexOf("=") + 1))]));
        out.push({ uri: props.file, line: props.line === undefined ? undefined : Number(props.line), where: line });
    }
    return out;
}

let trackedFiles: Set<string> | undefined;
const tracked = () => (trackedFiles ??= new Set(spawnSync("git", ["ls-files"], { cwd: ROOT, encoding: "utf8" }).stdout.split("\n").filter(Boolean)));

/** Problems with the locations: a file git does not track, a line past its end, an object finding not on a `new k8s.…(` line. */
export function locationProblems(locations: Location[]): string[] {
    const problems: string[] = [];
    for (const l of locations) {
        if (!l.uri || !tracked().has(l.uri)) {
            problems.push(`${l.uri}: not a file in the repository (${l.where})`);
            continue;
        }
        const lines = fs.readFileSync(path.join(ROOT, l.uri), "utf8").split("\n");
        if (l.line === undefined) continue;
        if (!(l.line >= 1 && l.line <= lines.length)) problems.push(`${l.uri}:${l.line}: no such line (${lines.length} lines) (${l.where})`);
        // Findings on the stack as a whole point at the program's first line; the others at the call
        // that constructs the Kubernetes object (not at the component around it, nor at the SDK).
        else if (!(l.uri === "index.ts" && l.line === 1) && !/\bnew\s+k8s\.[\w.]+\s*\(/.test(lines[l.line - 1])) {
            problems.push(`${l.uri}:${l.line}: not where an object is constructed: ${lines[l.line - 1].trim()} (${l.where})`);
        }
    }
    return problems;
}


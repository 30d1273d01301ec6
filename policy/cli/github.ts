// `--format github`: GitHub Actions workflow commands (`::error file=…,line=…,title=…::…`), one
// per finding, which the runner turns into annotations on the pull request's diff. The title is
// the policy id; severity picks the command (critical/high: error, medium: warning, low: notice);
// findings an exemption annotation waived are notices. Paths are relative to the working
// directory, which in a workflow is the repository root.
import * as path from "path";
import type { CheckResult, ReportedViolation } from "./checker";
import { exemptedText, location } from "./formats";
import { STDIN_NAME } from "./manifests";

export type AnnotationLevel = "error" | "warning" | "notice";

export const GITHUB_LEVEL: Record<ReportedViolation["severity"], AnnotationLevel> = { critical: "error", high: "error", medium: "warning", low: "notice" };

// https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions: data escapes
// %, CR and LF; property values also `:` and `,`.
const escapeData = (s: string) => s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");

function command(level: AnnotationLevel, properties: Record<string, string | number | undefined>, message: string): string {
    const props = Object.entries(properties)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
        .join(",");
    return `::${level}${props ? ` ${props}` : ""}::${escapeData(message)}\n`;
}

const fileOf = (file: string) => (file === STDIN_NAME ? undefined : path.relative(process.cwd(), path.resolve(file)).split(path.sep).join("/"));

export function toGithub(result: CheckResult): string {
    let out = "";
    for (const r of result.reports) {
        const where = { file: fileOf(r.file), line: r.line };
        for (const v of r.violations) {
            out += command(GITHUB_LEVEL[v.severity], { ...where, title: v.policy }, `${r.kind} ${r.name}: ${v.message} [${v.severity}, ${v.enforcementLevel}]`);
        }
        for (const x of r.exempted) out += command("notice", { ...where, title: `${x.policy} (exempted)` }, `${r.kind} ${r.name}: ${exemptedText(x)}`);
    }
    for (const v of result.unattributed) out += command(GITHUB_LEVEL[v.severity], { title: v.policy }, `${v.message} [${v.severity}, ${v.enforcementLevel}]`);
    for (const e of result.inputErrors) out += command("error", { file: fileOf(e.file), title: "unreadable input" }, e.message);
    const findings = result.reports.reduce((n, r) => n + r.violations.length, 0) + result.unattributed.length;
    out += `${result.reports.length} objects in ${result.files.length} files checked against ${result.policies.length} policies: ${findings} findings` + (result.reports.length ? ` (first at ${location(result.reports[0])})` : "") + "\n";
    return out;
}

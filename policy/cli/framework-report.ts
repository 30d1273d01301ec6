// `--framework nsa|cis`: runs the policies mapped to the framework's controls (lib/frameworks.ts)
// and prints a per-control summary: FAIL with the number of findings, PASS, or NOT COVERED for
// controls no policy checks (never counted as passing).
import type { CheckResult } from "./checker";
import { renderTable } from "./formats";
import { FRAMEWORKS, type FrameworkId } from "../lib/frameworks";

export function frameworkSummary(result: CheckResult, id: FrameworkId): string {
    const framework = FRAMEWORKS[id];
    const all = [...result.reports.flatMap((r) => r.violations), ...result.unattributed];
    const ran = new Set(result.policies.map((p) => p.name));
    const rows = framework.controls.map((control) => {
        if (control.policies.length === 0) return [control.id, "NOT COVERED", "", control.name];
        const n = all.filter((v) => control.policies.includes(v.policy) && (!control.field || control.field.test(v.message))).length;
        const status = !control.policies.every((p) => ran.has(p)) ? "NOT RUN" : n > 0 ? "FAIL" : "PASS";
        return [control.id, status, `${n} finding(s): ${control.policies.join(", ")}`, control.name];
    });
    const covered = framework.controls.filter((x) => x.policies.length > 0).length;
    const failed = rows.filter((r) => r[1] === "FAIL").length;
    return (
        `${framework.title}\n` +
        renderTable([["CONTROL", "STATUS", "POLICIES", "NAME"], ...rows]) +
        `${covered} of ${framework.controls.length} controls covered: ${failed} fail, ${covered - failed - rows.filter((r) => r[1] === "NOT RUN").length} pass; ` +
        `not covered (check them another way): ${framework.controls.filter((x) => x.policies.length === 0).map((x) => x.id).join(", ")}\n`
    );
}

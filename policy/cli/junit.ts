// JUnit XML for GitLab (artifacts:reports:junit) and Jenkins (junit step): one <testsuite> per
// input file; in it, one failing <testcase> per object and policy with findings (the messages
// and their file:line in the body), one skipped <testcase> per exempted finding (with the
// reason), and one passing <testcase> per object without findings. Stack findings that name no
// object go to a "(all objects)" suite, unreadable inputs to an "(inputs)" suite as <error>s.
import type { CheckResult, ReportedViolation } from "./checker";
import { exemptedText, location, TOOL_NAME } from "./formats";

interface Case {
    name: string;
    classname: string;
    failure?: { type: string; message: string; body: string };
    skipped?: string;
    error?: string;
}

export function toJunit(result: CheckResult): string {
    const suites = new Map<string, Case[]>();
    const suite = (name: string) => {
        let cases = suites.get(name);
        if (!cases) suites.set(name, (cases = []));
        return cases;
    };
    for (const file of result.files) suite(file);
    for (const r of result.reports) {
        const cases = suite(r.file);
        const subject = `${r.kind} ${r.name}`;
        for (const [policy, violations] of groupByPolicy(r.violations)) {
            cases.push({ name: `${subject}: ${policy}`, classname: policy, failure: failureOf(violations, location(r)) });
        }
        for (const x of r.exempted) {
            cases.push({ name: `${subject}: ${x.policy}`, classname: x.policy, skipped: exemptedText(x) });
        }
        if (r.violations.length === 0 && r.exempted.length === 0) cases.push({ name: subject, classname: "all selected policies" });
    }
    for (const [policy, violations] of groupByPolicy(result.unattributed)) {
        suite("(all objects)").push({ name: policy, classname: policy, failure: failureOf(violations, "(all objects)") });
    }
    for (const e of result.inputErrors) suite("(inputs)").push({ name: e.file, classname: "input", error: e.message });

    const count = (cases: Case[], pick: (c: Case) => unknown) => cases.filter(pick).length;
    const all = [...suites.values()].flat();
    const totals = (cases: Case[]) =>
        `tests="${cases.length}" failures="${count(cases, (c) => c.failure)}" errors="${count(cases, (c) => c.error)}" skipped="${count(cases, (c) => c.skipped)}"`;
    const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="${xml(TOOL_NAME)}" ${totals(all)}>`];
    for (const [name, cases] of suites) {
        lines.push(`  <testsuite name="${xml(name)}" ${totals(cases)}>`);
        for (const c of cases) {
            const open = `    <testcase name="${xml(c.name)}" classname="${xml(c.classname)}"`;
            if (c.failure) {
                lines.push(`${open}>`, `      <failure type="${xml(c.failure.type)}" message="${xml(c.failure.message)}">${xml(c.failure.body)}</failure>`, "    </testcase>");
            } else if (c.skipped !== undefined) {
                lines.push(`${open}>`, `      <skipped message="${xml(c.skipped)}"/>`, "    </testcase>");
            } else if (c.error !== undefined) {
                lines.push(`${open}>`, `      <error message="${xml(c.error)}"/>`, "    </testcase>");
            } else {
                lines.push(`${open}/>`);
            }
        }
        lines.push("  </testsuite>");
    }
    lines.push("</testsuites>");
    return lines.join("\n") + "\n";
}

function groupByPolicy(violations: ReportedViolation[]): Map<string, ReportedViolation[]> {
    const groups = new Map<string, ReportedViolation[]>();
    for (const v of violations) groups.set(v.policy, [...(groups.get(v.policy) ?? []), v]);
    return groups;
}

function failureOf(violations: ReportedViolation[], where: string): NonNullable<Case["failure"]> {
    const first = violations[0];
    return {
        type: first.enforcementLevel,
        message: `[${first.severity}] ${first.message}${violations.length > 1 ? ` (+${violations.length - 1} more)` : ""}`,
        body: violations.map((v) => `${where}: [${v.enforcementLevel}, ${v.severity}] ${v.message}`).join("\n"),
    };
}

// Characters XML 1.0 cannot carry at all (most C0 controls, lone surrogates, U+FFFE/U+FFFF).
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text safe in XML character data and in double- or single-quoted attributes. */
export function xml(text: string): string {
    return text
        .replace(NOT_XML, "\uFFFD")
        .replace(/&/g, "&amp;")
        .replace(/</g, "&lt;")
        .replace(/>/g, "&gt;")
        .replace(/"/g, "&quot;")
        .replace(/'/g, "&apos;");
}

// The pack's view of annotation exemptions: CrossGuard has no "exempted" result, so the pack runs
// this stack policy last and it reports every finding an annotation waived during the run
// (resource policies and the stack policies before it), with the reason, as advisory findings
// whatever the config says. An exemption is thus always visible in `pulumi preview`, and never
// blocks (unless a config disables this policy, which then hides them). The checker does not need it: it
// reports waived findings itself (table, JSON, SARIF suppressions, JUnit).
import type { ReportViolation } from "@pulumi/policy";
import { EXEMPTION_ANNOTATION_PREFIX, takePendingExemptions } from "./exemptions";
import type { PackStackPolicy } from "./types";

/**
 * The runtime's reportViolation also takes an object whose enforcementLevel overrides the
 * policy's (@pulumi/policy 1.21, server.js makeReportViolationFun; not in its typings), and
 * lib/run.ts reads it the same way. Reports go through it so that a config's
 * `"all": { "enforcementLevel": "mandatory" }` (as in config/production.json) cannot turn an
 * exemption report into a blocking violation.
 */
export interface LeveledViolation {
    message: string;
    urn?: string;
    enforcementLevel: "advisory";
}

export function reportAdvisory(report: ReportViolation, violation: LeveledViolation): void {
    (report as unknown as (v: LeveledViolation) => void)(violation);
}

export const EXEMPTION_REPORT_POLICY_ID = "policy-exemptions";

export const exemptionReportPolicy: PackStackPolicy = {
    name: EXEMPTION_REPORT_POLICY_ID,
    description: `Reports every finding waived by an ${EXEMPTION_ANNOTATION_PREFIX}<policy id> annotation, with its reason, so that no exemption is silent.`,
    enforcementLevel: "advisory",
    severity: "low",
    displayName: "Exemptions written on objects",
    remediationSteps: "Review the exemption: fix the object and remove the annotation, or keep it with an up-to-date reason.",
    validateStack: (args, reportViolation) => {
        const urns = new Set(args.resources.map((r) => r.urn));
        for (const f of takePendingExemptions(urns)) {
            reportAdvisory(reportViolation, {
                message: `${f.policy} exempted by ${f.annotation}: "${f.reason}" (waived finding: ${f.message})`,
                urn: f.urn,
                enforcementLevel: "advisory",
            });
        }
    },
    metadata: {
        id: EXEMPTION_REPORT_POLICY_ID,
        title: "Exemptions written on objects",
        severity: "low",
        category: "stack",
        frameworks: {},
        remediation: "Review the exemption: fix the object and remove the annotation, or keep it with an up-to-date reason.",
    },
};

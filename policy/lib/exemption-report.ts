// The pack's view of annotation exemptions: CrossGuard has no "exempted" result, so the pack runs
// this advisory stack policy last and it reports every finding an annotation waived during the
// run (resource policies and the stack policies before it), with the reason. An exemption is
// thus always visible in `pulumi preview`, and never blocks. The checker does not need it: it
// reports waived findings itself (table, JSON, SARIF suppressions, JUnit).
import { EXEMPTION_ANNOTATION_PREFIX, takePendingExemptions } from "./exemptions";
import type { PackStackPolicy } from "./types";

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
            reportViolation(`${f.policy} exempted by ${f.annotation}: "${f.reason}" (waived finding: ${f.message})`, f.urn);
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

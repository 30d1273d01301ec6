// The compile cache comes first, so every module after it is cached (lib/compile-cache.ts).
import { flushCompileCacheWhileRunning } from "./lib/compile-cache";
import { PolicyPack } from "@pulumi/policy";
import { exemptionReportPolicy } from "./lib/exemption-report";
import { allPolicies, PACK_ENFORCEMENT_LEVEL } from "./policies";

new PolicyPack("websvc-k8s", {
    // policy-exemptions runs last, so it sees every finding the other policies waived.
    policies: [...allPolicies, exemptionReportPolicy],
    enforcementLevel: PACK_ENFORCEMENT_LEVEL,
});
flushCompileCacheWhileRunning();

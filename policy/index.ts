// The compile cache comes first, so every module after it is cached (lib/compile-cache.ts).
import { flushCompileCacheWhileRunning } from "./lib/compile-cache";
import { PolicyPack } from "@pulumi/policy";
import { exemptionReportPolicy } from "./lib/exemption-report";
import { packPolicies } from "./lib/pack-modules";
import { allPolicies, PACK_ENFORCEMENT_LEVEL } from "./policies";

new PolicyPack("websvc-k8s", {
    // Own policy modules from the pack config's "policy-modules" entry join the built-in policies
    // (lib/pack-modules.ts); policy-exemptions runs last, so it sees every finding the others waived.
    policies: packPolicies(allPolicies, exemptionReportPolicy),
    enforcementLevel: PACK_ENFORCEMENT_LEVEL,
});
flushCompileCacheWhileRunning();

import { PolicyPack } from "@pulumi/policy";
import { allPolicies, PACK_ENFORCEMENT_LEVEL } from "./policies";

new PolicyPack("websvc-k8s", {
    policies: allPolicies,
    enforcementLevel: PACK_ENFORCEMENT_LEVEL,
});

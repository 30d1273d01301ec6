import { exceptUserNamespace, pssPolicy, securityContextFindings, type PodCheck } from "../lib/pss";

const mustNotRunAsUid0: PodCheck = (view) => securityContextFindings(view,
    (sc, who) => (sc?.runAsUser === 0 ? `${who} must not set runAsUser=0` : undefined),
    "runAsUser");

export const pssRestrictedRunAsUser = pssPolicy({
    id: "pss-restricted-run-as-user",
    title: "Run as non-root user",
    description: "Pods and containers must not set runAsUser to 0 (user-namespaced pods exempt from 1.35).",
    level: "restricted",
    psaCheckId: "runAsUser",
    severity: "high",
    frameworks: { kyverno: "require-run-as-non-root-user" },
    remediation: "Remove runAsUser: 0 or set a non-zero UID (this pack recommends >= 10000).",
    versions: [
        { since: 23, check: mustNotRunAsUid0 },
        { since: 35, check: exceptUserNamespace(mustNotRunAsUid0) },
    ],
});

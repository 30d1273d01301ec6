import { containersOf, isObj } from "../lib/k8s";
import { isSet, pssPolicy, quote, securityContextFindings, type Finding, type PodCheck } from "../lib/pss";

const podAnnotation = "seccomp.security.alpha.kubernetes.io/pod";
const containerAnnotationPrefix = "container.seccomp.security.alpha.kubernetes.io/";

export const allowedSeccompTypes: ReadonlySet<string> = new Set(["RuntimeDefault", "Localhost"]);

function annotationAllowed(value: unknown): boolean {
    const v = String(value ?? "");
    return v === "runtime/default" || v === "docker/default" || v.startsWith("localhost/");
}

/** Before 1.19 seccomp was configured through annotations only. */
const annotationsCheck: PodCheck = (view) => {
    const annotations = isObj(view.podMeta.annotations) ? view.podMeta.annotations : {};
    const keys = [podAnnotation, ...containersOf(view).map((ref) => containerAnnotationPrefix + ref.name)];
    const findings: Finding[] = [];
    for (const key of [...new Set(keys)].sort()) {
        if (key in annotations && !annotationAllowed(annotations[key])) {
            findings.push({ path: `${view.metaPath}.annotations[${quote(key)}]`, message: `annotation must not set seccomp profile ${quote(annotations[key])}` });
        }
    }
    return findings;
};

/** From 1.19 the securityContext.seccompProfile fields, when set, must not be Unconfined. */
const fieldsCheck: PodCheck = (view) => securityContextFindings(view,
    (sc, who) => (isSet(sc?.seccompProfile) && !allowedSeccompTypes.has(sc?.seccompProfile?.type)
        ? `${who} must not set seccompProfile.type to ${quote(sc?.seccompProfile?.type ?? "")}`
        : undefined),
    "seccompProfile.type");

export const pssBaselineSeccomp = pssPolicy({
    id: "pss-baseline-seccomp",
    title: "Seccomp must not be disabled",
    description: "If a seccomp profile is set it must be RuntimeDefault or Localhost; Unconfined is forbidden.",
    level: "baseline",
    psaCheckId: "seccompProfile_baseline",
    severity: "high",
    frameworks: { checkov: "CKV_K8S_31", kyverno: "restrict-seccomp" },
    remediation: "Set securityContext.seccompProfile.type to RuntimeDefault (or Localhost) instead of Unconfined.",
    versions: [
        { since: 0, check: annotationsCheck },
        { since: 19, check: fieldsCheck },
    ],
});

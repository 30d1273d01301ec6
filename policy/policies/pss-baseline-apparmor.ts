import { isObj } from "../lib/k8s";
import { isSet, pssPolicy, quote, securityContextFindings, type Finding } from "../lib/pss";

const annotationPrefix = "container.apparmor.security.beta.kubernetes.io/";
const allowedTypes = new Set(["RuntimeDefault", "Localhost"]);

function annotationAllowed(value: unknown): boolean {
    // Decoded annotations are strings; the empty value means "unset".
    const v = String(value ?? "");
    return v === "" || v === "runtime/default" || v.startsWith("localhost/");
}

export const pssBaselineAppArmor = pssPolicy({
    id: "pss-baseline-apparmor",
    title: "AppArmor profile must not be disabled",
    description: "Pods must not override the default AppArmor profile with unconfined or any profile other than RuntimeDefault or Localhost.",
    level: "baseline",
    psaCheckId: "appArmorProfile",
    severity: "high",
    frameworks: { kyverno: "restrict-apparmor-profiles" },
    remediation: "Set securityContext.appArmorProfile.type to RuntimeDefault or Localhost (or remove it), and remove unconfined AppArmor annotations.",
    versions: [{
        since: 0,
        check: (view) => {
            const findings: Finding[] = securityContextFindings(view,
                (sc, who) => (isSet(sc?.appArmorProfile) && !allowedTypes.has(sc?.appArmorProfile?.type)
                    ? `${who} must not set AppArmor profile type ${quote(sc?.appArmorProfile?.type ?? "")}`
                    : undefined),
                "appArmorProfile.type");
            const annotations = isObj(view.podMeta.annotations) ? view.podMeta.annotations : {};
            for (const key of Object.keys(annotations).sort()) {
                if (key.startsWith(annotationPrefix) && !annotationAllowed(annotations[key])) {
                    findings.push({
                        path: `${view.metaPath}.annotations[${quote(key)}]`,
                        message: `annotation must not set AppArmor profile ${quote(annotations[key])}`,
                    });
                }
            }
            return findings;
        },
    }],
});

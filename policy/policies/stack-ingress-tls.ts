import { asArray } from "../lib/k8s";
import { objectLabel, stackPolicy, type StackFinding } from "../lib/stack-policy";

export const stackIngressTls = stackPolicy({
    id: "stack-ingress-tls",
    title: "Ingress terminates TLS",
    description: "Every Ingress must configure TLS, and every rule host must be covered by a TLS entry.",
    severity: "high",
    frameworks: { polaris: "tlsSettingsMissing" },
    remediation: "Add spec.tls with a secretName (e.g. issued by cert-manager) listing every host of spec.rules.",
    kinds: ["Ingress"],
    check: (objects) => objects.subjects("Ingress").flatMap((ing): StackFinding[] => {
        const tls = asArray(ing.props.spec?.tls);
        if (tls.length === 0) {
            return [{ resource: ing.resource, message: `${objectLabel(ing)} has no spec.tls` }];
        }
        const tlsHosts = new Set(tls.flatMap((t) => asArray(t?.hosts).map(String)));
        const uncovered = asArray(ing.props.spec?.rules).map((r) => r?.host).filter((h): h is string => typeof h === "string" && !tlsHosts.has(h));
        return uncovered.length ? [{ resource: ing.resource, message: `${objectLabel(ing)}: hosts without TLS: ${uncovered.join(", ")}` }] : [];
    }),
});

import { asArray, isObj } from "../lib/k8s";
import { isSet, pssPolicy, quote } from "../lib/pss";

export const pssBaselineHostPathVolumes = pssPolicy({
    id: "pss-baseline-host-path-volumes",
    title: "No hostPath volumes",
    description: "Pods must not mount hostPath volumes, which expose the node's filesystem.",
    level: "baseline",
    psaCheckId: "hostPathVolumes",
    severity: "critical",
    frameworks: { polaris: "hostPathSet", kyverno: "disallow-host-path" },
    remediation: "Replace hostPath volumes with emptyDir, configMap, secret, projected or persistentVolumeClaim volumes.",
    versions: [{
        since: 0,
        check: (view) => asArray(view.podSpec.volumes).flatMap((v, i) =>
            isObj(v) && isSet(v.hostPath) ? [{
                path: `${view.specPath}.volumes[${i}].hostPath`,
                message: `volume ${quote(v.name ?? "")} must not use hostPath`,
            }] : []),
    }],
});

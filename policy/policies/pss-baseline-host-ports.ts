import { asArray, containersOf, isObj } from "../lib/k8s";
import { containerLabel, isSet, pssPolicy } from "../lib/pss";

export const pssBaselineHostPorts = pssPolicy({
    id: "pss-baseline-host-ports",
    title: "No host ports",
    description: "Containers must not bind host ports; expose them through a Service instead.",
    level: "baseline",
    psaCheckId: "hostPorts",
    severity: "high",
    frameworks: { polaris: "hostPortSet", checkov: "CKV_K8S_26", kyverno: "disallow-host-ports" },
    remediation: "Remove ports[].hostPort (or set it to 0) and expose the port through a Service.",
    versions: [{
        since: 0,
        check: (view) => containersOf(view).flatMap((ref) =>
            asArray(ref.container.ports).flatMap((p, i) =>
                isObj(p) && isSet(p.hostPort) && p.hostPort !== 0 ? [{
                    path: `${ref.path}.ports[${i}].hostPort`,
                    message: `${containerLabel(ref)} must not use hostPort ${p.hostPort}`,
                }] : [])),
    }],
});

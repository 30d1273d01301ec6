import { containersOf, dig } from "../lib/k8s";
import { containerLabel, pssPolicy, quote, type Finding, type PodCheck } from "../lib/pss";

const probes = ["livenessProbe", "readinessProbe", "startupProbe"] as const;
const lifecycleHandlers = ["postStart", "preStop"] as const;
const handlerKinds = ["httpGet", "tcpSocket"] as const;

const hostFieldCheck: PodCheck = (view) => containersOf(view).flatMap((ref) => {
    const findings: Finding[] = [];
    const inspect = (handler: unknown, path: string) => {
        for (const kind of handlerKinds) {
            const host = dig(handler, kind, "host");
            if (host !== undefined && host !== "") {
                findings.push({ path: `${path}.${kind}.host`, message: `${containerLabel(ref)} must not set a probe or lifecycle host (${quote(host)})` });
            }
        }
    };
    for (const probe of probes) {
        inspect(ref.container[probe], `${ref.path}.${probe}`);
    }
    for (const h of lifecycleHandlers) {
        inspect(dig(ref.container, "lifecycle", h), `${ref.path}.lifecycle.${h}`);
    }
    return findings;
});

export const pssBaselineHostProbes = pssPolicy({
    id: "pss-baseline-host-probes",
    title: "No host in probes and lifecycle handlers",
    description: "Probes and lifecycle handlers must not target another host (from Kubernetes 1.34).",
    level: "baseline",
    psaCheckId: "hostProbesAndHostLifecycle",
    severity: "medium",
    frameworks: {},
    remediation: "Remove the host field from httpGet/tcpSocket probes and lifecycle handlers so they target the pod itself.",
    versions: [{ since: 34, check: hostFieldCheck }],
});

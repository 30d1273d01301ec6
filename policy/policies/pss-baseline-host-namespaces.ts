import { pssPolicy } from "../lib/pss";

export const pssBaselineHostNamespaces = pssPolicy({
    id: "pss-baseline-host-namespaces",
    title: "No host namespaces",
    description: "Pods must not share the host's network, PID or IPC namespaces.",
    level: "baseline",
    psaCheckId: "hostNamespaces",
    severity: "critical",
    frameworks: { polaris: ["hostNetworkSet", "hostPIDSet", "hostIPCSet"], checkov: "CKV_K8S_19", kyverno: "disallow-host-namespaces" },
    remediation: "Remove hostNetwork, hostPID and hostIPC from the pod spec (or set them to false).",
    versions: [{
        since: 0,
        check: (view) => (["hostNetwork", "hostPID", "hostIPC"] as const)
            .filter((field) => view.podSpec[field] === true)
            .map((field) => ({ path: `${view.specPath}.${field}`, message: `pod must not set ${field}=true` })),
    }],
});

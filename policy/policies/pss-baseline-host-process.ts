import { pssPolicy, securityContextFindings } from "../lib/pss";

export const pssBaselineHostProcess = pssPolicy({
    id: "pss-baseline-host-process",
    title: "No Windows HostProcess containers",
    description: "Windows pods must not run HostProcess containers, which have privileged access to the host.",
    level: "baseline",
    psaCheckId: "windowsHostProcess",
    severity: "critical",
    frameworks: { polaris: "hostProcess", kyverno: "disallow-host-process" },
    remediation: "Remove securityContext.windowsOptions.hostProcess or set it to false on the pod and every container.",
    versions: [{
        since: 0,
        check: (view) => securityContextFindings(view,
            (sc, who) => (sc?.windowsOptions?.hostProcess === true ? `${who} must not set hostProcess=true` : undefined),
            "windowsOptions.hostProcess"),
    }],
});

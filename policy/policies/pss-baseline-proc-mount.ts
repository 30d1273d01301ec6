import { containersOf } from "../lib/k8s";
import { containerLabel, containerSecurityContext, exceptUserNamespace, isSet, pssPolicy, quote, type PodCheck } from "../lib/pss";

/** Any procMount other than Default (e.g. Unmasked) is forbidden. Shared with the restricted control. */
export const defaultProcMountOnly: PodCheck = (view) => containersOf(view).flatMap((ref) => {
    const procMount = containerSecurityContext(ref)?.procMount;
    return isSet(procMount) && procMount !== "Default" ? [{
        path: `${ref.path}.securityContext.procMount`,
        message: `${containerLabel(ref)} must not set procMount to ${quote(procMount)}`,
    }] : [];
});

export const pssBaselineProcMount = pssPolicy({
    id: "pss-baseline-proc-mount",
    title: "Default /proc mount",
    description: "Containers must keep the default masked /proc mount (baseline relaxes this for user-namespaced pods from 1.35).",
    level: "baseline",
    psaCheckId: "procMount",
    severity: "high",
    frameworks: { polaris: "procMount", kyverno: "disallow-proc-mount" },
    remediation: "Remove securityContext.procMount or set it to Default.",
    versions: [
        { since: 0, check: defaultProcMountOnly },
        // 1.35: a pod with hostUsers: false may unmask /proc at the baseline level.
        { since: 35, check: exceptUserNamespace(defaultProcMountOnly) },
    ],
});

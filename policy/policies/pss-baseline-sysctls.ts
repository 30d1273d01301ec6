import { asArray, isObj } from "../lib/k8s";
import { pssPolicy, quote, type PodCheck } from "../lib/pss";

// The "safe" namespaced sysctls, as the allow-list grew release by release.
const safeSince1_0 = ["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start"];
const safeSince1_27 = [...safeSince1_0, "net.ipv4.ip_local_reserved_ports"];
const safeSince1_29 = [...safeSince1_27, "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"];
const safeSince1_32 = [...safeSince1_29, "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"];
const safeSince1_37 = [...safeSince1_32, "net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"];

function sysctlCheck(safe: readonly string[]): PodCheck {
    const allowed = new Set(safe);
    return (view) => asArray(view.podSpec.securityContext?.sysctls).flatMap((s, i) => {
        const name = isObj(s) ? s.name ?? "" : "";
        return allowed.has(name) ? [] : [{
            path: `${view.specPath}.securityContext.sysctls[${i}].name`,
            message: `sysctl ${quote(name)} is not in the safe set`,
        }];
    });
}

export const pssBaselineSysctls = pssPolicy({
    id: "pss-baseline-sysctls",
    title: "Only safe sysctls",
    description: "Pods may only set namespaced sysctls from the safe set for their Kubernetes version.",
    level: "baseline",
    psaCheckId: "sysctls",
    severity: "high",
    frameworks: { kyverno: "restrict-sysctls" },
    remediation: "Remove sysctls outside the safe set from spec.securityContext.sysctls.",
    versions: [
        { since: 0, check: sysctlCheck(safeSince1_0) },
        { since: 27, check: sysctlCheck(safeSince1_27) },
        { since: 29, check: sysctlCheck(safeSince1_29) },
        { since: 32, check: sysctlCheck(safeSince1_32) },
        { since: 37, check: sysctlCheck(safeSince1_37) },
    ],
});

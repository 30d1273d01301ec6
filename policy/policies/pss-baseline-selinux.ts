import { isSet, pssPolicy, quote, securityContextFindings, type PodCheck } from "../lib/pss";

const typesSince1_0 = ["", "container_t", "container_init_t", "container_kvm_t"];
const typesSince1_31 = [...typesSince1_0, "container_engine_t"];

function seLinuxCheck(allowedTypes: readonly string[]): PodCheck {
    const allowed = new Set(allowedTypes);
    return (view) => securityContextFindings(view, (sc, who) => {
        const opts = sc?.seLinuxOptions;
        if (!isSet(opts)) {
            return undefined;
        }
        const problems: string[] = [];
        const type = opts.type ?? "";
        if (!allowed.has(type)) {
            problems.push(`type ${quote(type)} is not allowed`);
        }
        if ((opts.user ?? "") !== "") {
            problems.push("user may not be set");
        }
        if ((opts.role ?? "") !== "") {
            problems.push("role may not be set");
        }
        return problems.length ? `${who} sets forbidden seLinuxOptions: ${problems.join("; ")}` : undefined;
    }, "seLinuxOptions");
}

export const pssBaselineSeLinux = pssPolicy({
    id: "pss-baseline-selinux",
    title: "Restricted SELinux options",
    description: "Pods may only use the container SELinux types and must not set a custom SELinux user or role.",
    level: "baseline",
    psaCheckId: "seLinuxOptions",
    severity: "high",
    frameworks: { kyverno: "disallow-selinux" },
    remediation: "Remove seLinuxOptions.user and .role, and use type container_t, container_init_t, container_kvm_t or (Kubernetes 1.31+) container_engine_t.",
    versions: [
        { since: 0, check: seLinuxCheck(typesSince1_0) },
        // 1.31 allows container_engine_t (used by nested container runtimes).
        { since: 31, check: seLinuxCheck(typesSince1_31) },
    ],
});

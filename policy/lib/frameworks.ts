// Compliance framework controls and the pack's policies that check the same thing, for
// `--framework nsa|cis`. Control ids and names follow Trivy's compliance specs (k8s-nsa-1.0 for
// the NSA/CISA Kubernetes Hardening Guidance, k8s-cis-1.23 section 5 for the CIS Kubernetes
// Benchmark's workload policies), so reports line up with theirs. A control is mapped only where
// a policy checks what the control asks; every other control is listed as not covered, never
// reported as passing.
// (Kept in one table beside the peer mappings of the policies' metadata rather than in each policy
// file, so that one review sees every claim.)

export interface Control {
    id: string;
    name: string;
    /** Policy ids that check this control; empty = not covered by the pack (configuration of the cluster, or manual). */
    policies: string[];
    /** Only findings whose message (field path first) matches count for this control (a policy that checks several controls). */
    field?: RegExp;
}

export interface Framework {
    id: string;
    title: string;
    controls: Control[];
}

const c = (id: string, name: string, ...policies: string[]): Control => ({ id, name, policies });
const only = (control: Control, field: RegExp): Control => ({ ...control, field });

export const FRAMEWORKS: Record<"nsa" | "cis", Framework> = {
    nsa: {
        id: "nsa",
        title: "NSA/CISA Kubernetes Hardening Guidance (control ids of Trivy's k8s-nsa-1.0)",
        controls: [
            c("1.0", "Non-root containers", "pss-restricted-run-as-non-root", "pss-restricted-run-as-user"),
            c("1.1", "Immutable container file systems", "hygiene-read-only-root-filesystem"),
            c("1.2", "Preventing privileged containers", "pss-baseline-privileged"),
            c("1.3", "Share containers process namespaces"),
            only(c("1.4", "Share host process namespaces", "pss-baseline-host-namespaces"), /\.host(PID|IPC)\b/),
            only(c("1.5", "Use the host network", "pss-baseline-host-namespaces"), /\.hostNetwork\b/),
            c("1.6", "Run with root privileges or with root group membership"),
            c("1.7", "Restricts escalation to root privileges", "pss-restricted-privilege-escalation"),
            c("1.8", "Sets the SELinux context of the container", "pss-baseline-selinux"),
            c("1.9", "Restrict a container's access to resources with AppArmor", "pss-baseline-apparmor"),
            c("1.10", "Sets the seccomp profile used to sandbox containers", "pss-restricted-seccomp"),
            c("1.11", "Protecting Pod service account tokens", "hygiene-automount-service-account-token"),
            c("1.12", "Namespace kube-system should not be used by users"),
            c("2.0", "Pod and/or namespace Selectors usage (NetworkPolicies)", "stack-network-policy"),
            c("3.0", "Use CNI plugin that supports NetworkPolicy API (Manual)"),
            c("4.0", "Use ResourceQuota policies to limit resources"),
            c("4.1", "Use LimitRange policies to limit resources"),
            c("5.0", "Control plane disable insecure port (Manual)"),
            c("5.1", "Encrypt etcd communication"),
            c("6.0", "Ensure kube config file permission (Manual)"),
            c("6.1", "Check that encryption resource has been set"),
            c("6.2", "Check encryption provider"),
            c("7.0", "Make sure anonymous-auth is unset"),
            c("7.1", "Make sure -authorization-mode=RBAC"),
            c("8.0", "Audit policy is configured (Manual)"),
            c("8.1", "Audit log path is configured"),
            c("8.2", "Audit log aging"),
        ],
    },
    cis: {
        id: "cis",
        title: "CIS Kubernetes Benchmark, section 5 Policies (control ids of Trivy's k8s-cis-1.23)",
        controls: [
            c("5.1.1", "Ensure that the cluster-admin role is only used where required", "rbac-no-cluster-admin-binding"),
            c("5.1.2", "Minimize access to secrets (cluster-wide read)", "rbac-no-cluster-wide-secret-read"),
            c("5.1.3", "Minimize wildcard use in Roles and ClusterRoles", "rbac-no-wildcards"),
            c("5.1.4", "Minimize access to create pods"),
            c("5.1.5", "Ensure that default service accounts are not actively used", "hygiene-no-default-service-account"),
            c("5.1.6", "Ensure that Service Account Tokens are only mounted where necessary", "hygiene-automount-service-account-token"),
            c("5.1.8", "Limit use of the Bind, Impersonate and Escalate permissions"),
            c("5.2.1", "Ensure that the cluster has at least one active policy control mechanism in place (Manual)"),
            c("5.2.2", "Minimize the admission of privileged containers", "pss-baseline-privileged"),
            only(c("5.2.3", "Minimize the admission of containers wishing to share the host process ID namespace", "pss-baseline-host-namespaces"), /\.hostPID\b/),
            only(c("5.2.4", "Minimize the admission of containers wishing to share the host IPC namespace", "pss-baseline-host-namespaces"), /\.hostIPC\b/),
            only(c("5.2.5", "Minimize the admission of containers wishing to share the host network namespace", "pss-baseline-host-namespaces"), /\.hostNetwork\b/),
            c("5.2.6", "Minimize the admission of containers with allowPrivilegeEscalation", "pss-restricted-privilege-escalation"),
            c("5.2.7", "Minimize the admission of root containers", "pss-restricted-run-as-non-root", "pss-restricted-run-as-user"),
            c("5.2.8", "Minimize the admission of containers with the NET_RAW capability", "pss-restricted-capabilities"),
            c("5.2.9", "Minimize the admission of containers with added capabilities", "pss-baseline-capabilities"),
            c("5.2.10", "Minimize the admission of containers with capabilities assigned", "pss-restricted-capabilities"),
            c("5.2.11", "Minimize the admission of Windows HostProcess containers", "pss-baseline-host-process"),
            c("5.2.12", "Minimize the admission of HostPath volumes", "pss-baseline-host-path-volumes"),
            c("5.2.13", "Minimize the admission of containers which use HostPorts", "pss-baseline-host-ports"),
            c("5.3.1", "Ensure that the CNI in use supports Network Policies (Manual)"),
            c("5.3.2", "Ensure that all Namespaces have Network Policies defined", "stack-network-policy"),
            c("5.4.1", "Prefer using secrets as files over secrets as environment variables (Manual)"),
            c("5.4.2", "Consider external secret storage (Manual)"),
            c("5.5.1", "Configure Image Provenance using ImagePolicyWebhook admission controller (Manual)"),
            c("5.7.1", "Create administrative boundaries between resources using namespaces (Manual)"),
            c("5.7.2", "Ensure that the seccomp profile is set to RuntimeDefault in your pod definitions", "pss-restricted-seccomp"),
            c("5.7.3", "Apply Security Context to Your Pods and Containers"),
            c("5.7.4", "The default namespace should not be used"),
        ],
    },
};

export type FrameworkId = keyof typeof FRAMEWORKS;
export const FRAMEWORK_IDS = Object.keys(FRAMEWORKS) as FrameworkId[];

/** The policy ids a framework's covered controls need (the selection --framework runs). */
export function frameworkPolicyIds(id: FrameworkId): string[] {
    return [...new Set(FRAMEWORKS[id].controls.flatMap((x) => x.policies))];
}

// One-field mutations of the minimal restricted pod, with the verdict the Pod Security
// Standards documentation (https://kubernetes.io/docs/concepts/security/pod-security-standards/)
// and pod-security-admission's version gating give for each Kubernetes minor version.
import type { PodParts } from "./support/workloads";

/** Minor versions from `from` to `until` (inclusive) where the policy must report; others pass. */
export type Verdict = "pass" | "fail" | { from?: number; until?: number };

export interface PssCase {
    policy: string;
    name: string;
    mutate: (pod: PodParts) => void;
    verdict: Verdict;
    /** Field path (from the pod template root) the first violation must name. */
    at?: string;
}

const c0 = (pod: PodParts) => pod.spec.containers[0];
const init0 = (pod: PodParts) => pod.spec.initContainers[0];
const sc = (container: Record<string, any>) => (container.securityContext ??= {});
const podSc = (pod: PodParts) => (pod.spec.securityContext ??= {});
const addEphemeral = (pod: PodParts, securityContext: Record<string, unknown>) => {
    pod.spec.ephemeralContainers = [{ name: "debug", image: "busybox:1.37", securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, ...securityContext } }];
};
const volume = (pod: PodParts, v: Record<string, unknown>) => {
    pod.spec.volumes = [{ name: "vol", ...v }];
};
const windows = (pod: PodParts) => {
    pod.spec.os = { name: "windows" };
};

export const pssCases: PssCase[] = [
    // ---- baseline ----------------------------------------------------------------------
    { policy: "pss-baseline-host-process", name: "minimal pod", mutate: () => undefined, verdict: "pass" },
    { policy: "pss-baseline-host-process", name: "pod hostProcess=false", mutate: (p) => { podSc(p).windowsOptions = { hostProcess: false }; }, verdict: "pass" },
    { policy: "pss-baseline-host-process", name: "pod hostProcess=true", mutate: (p) => { podSc(p).windowsOptions = { hostProcess: true }; }, verdict: "fail", at: "spec.securityContext.windowsOptions.hostProcess" },
    { policy: "pss-baseline-host-process", name: "container hostProcess=true", mutate: (p) => { sc(c0(p)).windowsOptions = { hostProcess: true }; }, verdict: "fail", at: "spec.containers[0].securityContext.windowsOptions.hostProcess" },
    { policy: "pss-baseline-host-process", name: "ephemeral container hostProcess=true", mutate: (p) => addEphemeral(p, { windowsOptions: { hostProcess: true } }), verdict: "fail", at: "spec.ephemeralContainers[0].securityContext.windowsOptions.hostProcess" },

    { policy: "pss-baseline-host-namespaces", name: "hostNetwork=false", mutate: (p) => { p.spec.hostNetwork = false; }, verdict: "pass" },
    { policy: "pss-baseline-host-namespaces", name: "hostNetwork=true", mutate: (p) => { p.spec.hostNetwork = true; }, verdict: "fail", at: "spec.hostNetwork" },
    { policy: "pss-baseline-host-namespaces", name: "hostPID=true", mutate: (p) => { p.spec.hostPID = true; }, verdict: "fail", at: "spec.hostPID" },
    { policy: "pss-baseline-host-namespaces", name: "hostIPC=true", mutate: (p) => { p.spec.hostIPC = true; }, verdict: "fail", at: "spec.hostIPC" },

    { policy: "pss-baseline-privileged", name: "privileged=false", mutate: (p) => { sc(c0(p)).privileged = false; }, verdict: "pass" },
    { policy: "pss-baseline-privileged", name: "container privileged=true", mutate: (p) => { sc(c0(p)).privileged = true; }, verdict: "fail", at: "spec.containers[0].securityContext.privileged" },
    { policy: "pss-baseline-privileged", name: "init container privileged=true", mutate: (p) => { sc(init0(p)).privileged = true; }, verdict: "fail", at: "spec.initContainers[0].securityContext.privileged" },

    { policy: "pss-baseline-capabilities", name: "add default CHOWN and NET_BIND_SERVICE", mutate: (p) => { sc(c0(p)).capabilities.add = ["CHOWN", "NET_BIND_SERVICE"]; }, verdict: "pass" },
    { policy: "pss-baseline-capabilities", name: "add NET_RAW", mutate: (p) => { sc(c0(p)).capabilities.add = ["NET_RAW"]; }, verdict: "fail", at: "spec.containers[0].securityContext.capabilities.add[0]" },
    { policy: "pss-baseline-capabilities", name: "add SYS_ADMIN in init container", mutate: (p) => { sc(init0(p)).capabilities.add = ["CHOWN", "SYS_ADMIN"]; }, verdict: "fail", at: "spec.initContainers[0].securityContext.capabilities.add[1]" },
    { policy: "pss-baseline-capabilities", name: "lower-case chown is not a default capability", mutate: (p) => { sc(c0(p)).capabilities.add = ["chown"]; }, verdict: "fail" },

    { policy: "pss-baseline-host-path-volumes", name: "emptyDir volume", mutate: (p) => volume(p, { emptyDir: {} }), verdict: "pass" },
    { policy: "pss-baseline-host-path-volumes", name: "hostPath volume", mutate: (p) => volume(p, { hostPath: { path: "/var/run" } }), verdict: "fail", at: "spec.volumes[0].hostPath" },

    { policy: "pss-baseline-host-ports", name: "containerPort only", mutate: (p) => { c0(p).ports = [{ containerPort: 8080 }]; }, verdict: "pass" },
    { policy: "pss-baseline-host-ports", name: "hostPort 0", mutate: (p) => { c0(p).ports = [{ containerPort: 8080, hostPort: 0 }]; }, verdict: "pass" },
    // With hostNetwork the API server copies containerPort into an unset hostPort (SetDefaults_Pod).
    { policy: "pss-baseline-host-ports", name: "hostNetwork makes containerPort a hostPort", mutate: (p) => { p.spec.hostNetwork = true; c0(p).ports = [{ containerPort: 8080 }]; }, verdict: "fail", at: "spec.containers[0].ports[0].hostPort" },
    { policy: "pss-baseline-host-ports", name: "hostPort 8080", mutate: (p) => { c0(p).ports = [{ containerPort: 8080, hostPort: 8080 }]; }, verdict: "fail", at: "spec.containers[0].ports[0].hostPort" },

    { policy: "pss-baseline-apparmor", name: "pod RuntimeDefault", mutate: (p) => { podSc(p).appArmorProfile = { type: "RuntimeDefault" }; }, verdict: "pass" },
    { policy: "pss-baseline-apparmor", name: "container Localhost", mutate: (p) => { sc(c0(p)).appArmorProfile = { type: "Localhost", localhostProfile: "k8s-nginx" }; }, verdict: "pass" },
    { policy: "pss-baseline-apparmor", name: "pod Unconfined", mutate: (p) => { podSc(p).appArmorProfile = { type: "Unconfined" }; }, verdict: "fail", at: "spec.securityContext.appArmorProfile.type" },
    { policy: "pss-baseline-apparmor", name: "container Unconfined", mutate: (p) => { sc(c0(p)).appArmorProfile = { type: "Unconfined" }; }, verdict: "fail", at: "spec.containers[0].securityContext.appArmorProfile.type" },
    { policy: "pss-baseline-apparmor", name: "profile without type", mutate: (p) => { sc(c0(p)).appArmorProfile = {}; }, verdict: "fail" },
    { policy: "pss-baseline-apparmor", name: "annotation runtime/default", mutate: (p) => { p.metadata.annotations = { "container.apparmor.security.beta.kubernetes.io/container1": "runtime/default" }; }, verdict: "pass" },
    { policy: "pss-baseline-apparmor", name: "annotation localhost/ profile", mutate: (p) => { p.metadata.annotations = { "container.apparmor.security.beta.kubernetes.io/container1": "localhost/k8s-nginx" }; }, verdict: "pass" },
    { policy: "pss-baseline-apparmor", name: "annotation unconfined", mutate: (p) => { p.metadata.annotations = { "container.apparmor.security.beta.kubernetes.io/container1": "unconfined" }; }, verdict: "fail", at: "metadata.annotations[\"container.apparmor.security.beta.kubernetes.io/container1\"]" },

    { policy: "pss-baseline-selinux", name: "type container_t with level", mutate: (p) => { podSc(p).seLinuxOptions = { type: "container_t", level: "s0:c123,c456" }; }, verdict: "pass" },
    { policy: "pss-baseline-selinux", name: "type container_kvm_t", mutate: (p) => { sc(c0(p)).seLinuxOptions = { type: "container_kvm_t" }; }, verdict: "pass" },
    { policy: "pss-baseline-selinux", name: "type container_engine_t (allowed from 1.31)", mutate: (p) => { sc(c0(p)).seLinuxOptions = { type: "container_engine_t" }; }, verdict: { until: 30 }, at: "spec.containers[0].securityContext.seLinuxOptions" },
    { policy: "pss-baseline-selinux", name: "type spc_t", mutate: (p) => { podSc(p).seLinuxOptions = { type: "spc_t" }; }, verdict: "fail", at: "spec.securityContext.seLinuxOptions" },
    { policy: "pss-baseline-selinux", name: "user set", mutate: (p) => { sc(init0(p)).seLinuxOptions = { user: "system_u" }; }, verdict: "fail", at: "spec.initContainers[0].securityContext.seLinuxOptions" },
    { policy: "pss-baseline-selinux", name: "role set", mutate: (p) => { sc(c0(p)).seLinuxOptions = { role: "system_r" }; }, verdict: "fail" },

    { policy: "pss-baseline-proc-mount", name: "procMount Default", mutate: (p) => { sc(c0(p)).procMount = "Default"; }, verdict: "pass" },
    { policy: "pss-baseline-proc-mount", name: "procMount Unmasked", mutate: (p) => { sc(c0(p)).procMount = "Unmasked"; }, verdict: "fail", at: "spec.containers[0].securityContext.procMount" },
    { policy: "pss-baseline-proc-mount", name: "procMount Unmasked with hostUsers=false (relaxed from 1.35)", mutate: (p) => { p.spec.hostUsers = false; sc(c0(p)).procMount = "Unmasked"; }, verdict: { until: 34 } },
    { policy: "pss-baseline-proc-mount", name: "procMount Unmasked with hostUsers=true", mutate: (p) => { p.spec.hostUsers = true; sc(c0(p)).procMount = "Unmasked"; }, verdict: "fail" },

    { policy: "pss-baseline-seccomp", name: "pod Localhost", mutate: (p) => { podSc(p).seccompProfile = { type: "Localhost", localhostProfile: "profiles/audit.json" }; }, verdict: "pass" },
    { policy: "pss-baseline-seccomp", name: "no profile at all", mutate: (p) => { delete podSc(p).seccompProfile; }, verdict: "pass" },
    { policy: "pss-baseline-seccomp", name: "pod Unconfined", mutate: (p) => { podSc(p).seccompProfile = { type: "Unconfined" }; }, verdict: "fail", at: "spec.securityContext.seccompProfile.type" },
    { policy: "pss-baseline-seccomp", name: "container Unconfined", mutate: (p) => { sc(c0(p)).seccompProfile = { type: "Unconfined" }; }, verdict: "fail", at: "spec.containers[0].securityContext.seccompProfile.type" },
    { policy: "pss-baseline-seccomp", name: "unconfined annotation is ignored from 1.19", mutate: (p) => { p.metadata.annotations = { "seccomp.security.alpha.kubernetes.io/pod": "unconfined" }; }, verdict: "pass" },

    { policy: "pss-baseline-sysctls", name: "kernel.shm_rmid_forced", mutate: (p) => { podSc(p).sysctls = [{ name: "kernel.shm_rmid_forced", value: "1" }]; }, verdict: "pass" },
    { policy: "pss-baseline-sysctls", name: "kernel.msgmax", mutate: (p) => { podSc(p).sysctls = [{ name: "kernel.msgmax", value: "65536" }]; }, verdict: "fail", at: "spec.securityContext.sysctls[0].name" },
    { policy: "pss-baseline-sysctls", name: "net.ipv4.ip_local_reserved_ports (safe from 1.27)", mutate: (p) => { podSc(p).sysctls = [{ name: "net.ipv4.ip_local_reserved_ports", value: "30000" }]; }, verdict: { until: 26 } },
    { policy: "pss-baseline-sysctls", name: "net.ipv4.tcp_keepalive_time (safe from 1.29)", mutate: (p) => { podSc(p).sysctls = [{ name: "net.ipv4.tcp_keepalive_time", value: "60" }]; }, verdict: { until: 28 } },
    { policy: "pss-baseline-sysctls", name: "net.ipv4.tcp_rmem (safe from 1.32)", mutate: (p) => { podSc(p).sysctls = [{ name: "net.ipv4.tcp_rmem", value: "4096 87380 16777216" }]; }, verdict: { until: 31 } },
    { policy: "pss-baseline-sysctls", name: "net.ipv4.tcp_notsent_lowat (safe from 1.37)", mutate: (p) => { podSc(p).sysctls = [{ name: "net.ipv4.tcp_notsent_lowat", value: "16384" }]; }, verdict: { until: 36 } },

    { policy: "pss-baseline-host-probes", name: "probe without host", mutate: (p) => { c0(p).livenessProbe = { httpGet: { path: "/healthz", port: 8080 } }; }, verdict: "pass" },
    { policy: "pss-baseline-host-probes", name: "probe with empty host", mutate: (p) => { c0(p).readinessProbe = { tcpSocket: { port: 8080, host: "" } }; }, verdict: "pass" },
    { policy: "pss-baseline-host-probes", name: "liveness httpGet.host (from 1.34)", mutate: (p) => { c0(p).livenessProbe = { httpGet: { path: "/", port: 80, host: "10.0.0.1" } }; }, verdict: { from: 34 }, at: "spec.containers[0].livenessProbe.httpGet.host" },
    { policy: "pss-baseline-host-probes", name: "startup tcpSocket.host (from 1.34)", mutate: (p) => { c0(p).startupProbe = { tcpSocket: { port: 80, host: "example.com" } }; }, verdict: { from: 34 } },
    { policy: "pss-baseline-host-probes", name: "preStop httpGet.host (from 1.34)", mutate: (p) => { init0(p).lifecycle = { preStop: { httpGet: { path: "/", port: 80, host: "10.0.0.1" } } }; }, verdict: { from: 34 }, at: "spec.initContainers[0].lifecycle.preStop.httpGet.host" },
    { policy: "pss-baseline-host-probes", name: "postStart tcpSocket.host (from 1.34)", mutate: (p) => { c0(p).lifecycle = { postStart: { tcpSocket: { port: 80, host: "10.0.0.1" } } }; }, verdict: { from: 34 } },

    // ---- restricted --------------------------------------------------------------------
    ...["configMap", "secret", "emptyDir", "projected", "persistentVolumeClaim", "csi", "ephemeral", "downwardAPI", "image"].map((src): PssCase => ({
        policy: "pss-restricted-volume-types", name: `${src} volume`, mutate: (p) => volume(p, { [src]: {} }), verdict: "pass",
    })),
    ...["hostPath", "nfs", "gitRepo", "iscsi", "cephfs", "awsElasticBlockStore"].map((src): PssCase => ({
        policy: "pss-restricted-volume-types", name: `${src} volume`, mutate: (p) => volume(p, { [src]: {} }), verdict: "fail", at: "spec.volumes[0]",
    })),
    // The API server defaults a volume without a source to emptyDir before admission (SetDefaults_Volume).
    { policy: "pss-restricted-volume-types", name: "volume without a source is defaulted to emptyDir", mutate: (p) => volume(p, {}), verdict: "pass" },
    { policy: "pss-restricted-volume-types", name: "volume with only a field the API does not know is defaulted to emptyDir", mutate: (p) => volume(p, { madeUp: { path: "/" } }), verdict: "pass" },

    { policy: "pss-restricted-privilege-escalation", name: "unset", mutate: (p) => { delete sc(c0(p)).allowPrivilegeEscalation; }, verdict: "fail", at: "spec.containers[0].securityContext.allowPrivilegeEscalation" },
    { policy: "pss-restricted-privilege-escalation", name: "true in init container", mutate: (p) => { sc(init0(p)).allowPrivilegeEscalation = true; }, verdict: "fail", at: "spec.initContainers[0].securityContext.allowPrivilegeEscalation" },
    { policy: "pss-restricted-privilege-escalation", name: "no securityContext", mutate: (p) => { delete c0(p).securityContext; }, verdict: "fail" },
    { policy: "pss-restricted-privilege-escalation", name: "unset on a Windows pod (exempt from 1.25)", mutate: (p) => { windows(p); delete sc(c0(p)).allowPrivilegeEscalation; }, verdict: "pass" },

    { policy: "pss-restricted-run-as-non-root", name: "container-level true only", mutate: (p) => { delete podSc(p).runAsNonRoot; sc(c0(p)).runAsNonRoot = true; sc(init0(p)).runAsNonRoot = true; }, verdict: "pass" },
    { policy: "pss-restricted-run-as-non-root", name: "unset everywhere", mutate: (p) => { delete podSc(p).runAsNonRoot; }, verdict: "fail", at: "spec.initContainers[0].securityContext.runAsNonRoot" },
    { policy: "pss-restricted-run-as-non-root", name: "pod false", mutate: (p) => { podSc(p).runAsNonRoot = false; }, verdict: "fail", at: "spec.securityContext.runAsNonRoot" },
    { policy: "pss-restricted-run-as-non-root", name: "pod true, container false", mutate: (p) => { sc(c0(p)).runAsNonRoot = false; }, verdict: "fail", at: "spec.containers[0].securityContext.runAsNonRoot" },
    { policy: "pss-restricted-run-as-non-root", name: "unset with hostUsers=false (relaxed from 1.35)", mutate: (p) => { p.spec.hostUsers = false; delete podSc(p).runAsNonRoot; }, verdict: { until: 34 } },
    { policy: "pss-restricted-run-as-non-root", name: "unset on a Windows pod (not exempt)", mutate: (p) => { windows(p); delete podSc(p).runAsNonRoot; }, verdict: "fail" },

    { policy: "pss-restricted-run-as-user", name: "runAsUser 10001", mutate: (p) => { podSc(p).runAsUser = 10001; }, verdict: "pass" },
    { policy: "pss-restricted-run-as-user", name: "pod runAsUser 0", mutate: (p) => { podSc(p).runAsUser = 0; }, verdict: "fail", at: "spec.securityContext.runAsUser" },
    { policy: "pss-restricted-run-as-user", name: "container runAsUser 0", mutate: (p) => { sc(c0(p)).runAsUser = 0; }, verdict: "fail", at: "spec.containers[0].securityContext.runAsUser" },
    { policy: "pss-restricted-run-as-user", name: "runAsUser 0 with hostUsers=false (relaxed from 1.35)", mutate: (p) => { p.spec.hostUsers = false; podSc(p).runAsUser = 0; }, verdict: { until: 34 } },

    { policy: "pss-restricted-seccomp", name: "container-level RuntimeDefault only", mutate: (p) => { delete podSc(p).seccompProfile; sc(c0(p)).seccompProfile = { type: "RuntimeDefault" }; sc(init0(p)).seccompProfile = { type: "Localhost", localhostProfile: "p.json" }; }, verdict: "pass" },
    { policy: "pss-restricted-seccomp", name: "unset everywhere", mutate: (p) => { delete podSc(p).seccompProfile; }, verdict: "fail", at: "spec.initContainers[0].securityContext.seccompProfile.type" },
    { policy: "pss-restricted-seccomp", name: "pod Unconfined", mutate: (p) => { podSc(p).seccompProfile = { type: "Unconfined" }; }, verdict: "fail", at: "spec.securityContext.seccompProfile.type" },
    { policy: "pss-restricted-seccomp", name: "container Unconfined overriding pod default", mutate: (p) => { sc(c0(p)).seccompProfile = { type: "Unconfined" }; }, verdict: "fail", at: "spec.containers[0].securityContext.seccompProfile.type" },
    { policy: "pss-restricted-seccomp", name: "unset on a Windows pod (exempt from 1.25)", mutate: (p) => { windows(p); delete podSc(p).seccompProfile; }, verdict: "pass" },

    { policy: "pss-restricted-capabilities", name: "add NET_BIND_SERVICE", mutate: (p) => { sc(c0(p)).capabilities.add = ["NET_BIND_SERVICE"]; }, verdict: "pass" },
    { policy: "pss-restricted-capabilities", name: "drop missing", mutate: (p) => { delete sc(c0(p)).capabilities; }, verdict: "fail", at: "spec.containers[0].securityContext.capabilities.drop" },
    { policy: "pss-restricted-capabilities", name: "drop lower-case all", mutate: (p) => { sc(c0(p)).capabilities.drop = ["all"]; }, verdict: "fail" },
    { policy: "pss-restricted-capabilities", name: "add CHOWN", mutate: (p) => { sc(init0(p)).capabilities.add = ["CHOWN"]; }, verdict: "fail", at: "spec.initContainers[0].securityContext.capabilities.add[0]" },
    { policy: "pss-restricted-capabilities", name: "drop missing on a Windows pod (exempt from 1.25)", mutate: (p) => { windows(p); delete sc(c0(p)).capabilities; }, verdict: "pass" },

    { policy: "pss-restricted-proc-mount", name: "procMount Default", mutate: (p) => { sc(c0(p)).procMount = "Default"; }, verdict: "pass" },
    { policy: "pss-restricted-proc-mount", name: "Unmasked with hostUsers=false (control exists from 1.35)", mutate: (p) => { p.spec.hostUsers = false; sc(c0(p)).procMount = "Unmasked"; }, verdict: { from: 35 }, at: "spec.containers[0].securityContext.procMount" },
];

export function expectedToFail(verdict: Verdict, minor: number): boolean {
    if (verdict === "pass" || verdict === "fail") {
        return verdict === "fail";
    }
    return minor >= (verdict.from ?? 0) && minor <= (verdict.until ?? Number.POSITIVE_INFINITY);
}

// The configuration files of one real node: containerd (private root, state, socket, runc root; the
// registry mirror), the kubelet and kube-proxy.
import * as path from "path";
import { Layout, NodeLayout } from "./layout";

export const PAUSE_IMAGE = "websvc.local/pause:3.10";

export const nodePaths = (n: NodeLayout) => ({
  containerdConfig: path.join(n.dir, "containerd.toml"),
  containerdSock: path.join(n.dir, "containerd.sock"),
  certsD: path.join(n.dir, "certs.d"),
  cniConfDir: path.join(n.dir, "cni-conf"),
  kubeletConfig: path.join(n.dir, "kubelet.yaml"),
  kubeletKubeconfig: path.join(n.dir, "kubelet.kubeconfig"),
  proxyConfig: path.join(n.dir, "kube-proxy.yaml"),
  proxyKubeconfig: path.join(n.dir, "kube-proxy.kubeconfig"),
  pki: path.join(n.dir, "pki"),
  ready: path.join(n.dir, "namespace-ready"),
});

export function containerdToml(n: NodeLayout): string {
  const p = nodePaths(n);
  return `version = 2
root = "${n.dir}/containerd-root"
state = "${n.dir}/containerd-state"
# Plugins this node never uses; "opt" would write /opt/containerd on the host.
disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp"]
oom_score = 0

[grpc]
  address = "${p.containerdSock}"

[ttrpc]
  address = "${p.containerdSock}.ttrpc"

[debug]
  address = ""

[metrics]
  address = ""

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${PAUSE_IMAGE}"
  # Root lacks CAP_SYS_RESOURCE here: a negative oom_score_adj is refused, and without this every
  # sandbox fails with "can't get final child's PID from pipe: EOF".
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  enable_selinux = false
  disable_apparmor = true
  max_container_log_line_size = 16384

  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "/usr/sbin/runc"
        Root = "${n.dir}/runc"
        SystemdCgroup = false

  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${p.cniConfDir}"

  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "${p.certsD}"
`;
}

/** ghcr.io served by the cluster's registry: the Deployment's unchanged reference is pulled from it and
 * verified by its digest. `server` is the registry too, so nothing ever falls back to the real ghcr.io. */
export function hostsToml(l: Layout): string {
  const mirror = `http://${l.hostAddr}:${l.registryProxyPort}`;
  return `server = "${mirror}"

[host."${mirror}"]
  capabilities = ["pull", "resolve"]
`;
}

export function kubeletYaml(l: Layout, n: NodeLayout, caFile: string, serving: { cert: string; key: string }): string {
  const p = nodePaths(n);
  return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# cgroup v1 on this VM: kubelet v1.37 starts on it only with failCgroupV1 false, and containerd 1.6 does
# not answer RuntimeConfig, so the configured driver is used.
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: /${n.cgroup}/pods
cgroupsPerQOS: true
enforceNodeAllocatable: [pods]
# Root cannot raise the open-files limit above 20000 here.
maxOpenFiles: 20000
# The kubelet checks kernel settings and never writes them: the node's mount namespace shows it the
# values it expects through read-only bind mounts, so the VM's own settings stay as they are.
protectKernelDefaults: true
containerRuntimeEndpoint: unix://${p.containerdSock}
imageServiceEndpoint: unix://${p.containerdSock}
address: ${n.ip}
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: ${serving.cert}
tlsPrivateKeyFile: ${serving.key}
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: ${caFile}}
authorization:
  mode: Webhook
# No cluster DNS exists; the host's resolv.conf must not reach pods either.
resolvConf: ""
failSwapOn: false
serializeImagePulls: false
registerNode: true
podLogsDir: /var/log/pods
# The disk is shared with the rest of the VM: evict on memory only, never for the host's disk use.
evictionHard:
  memory.available: 100Mi
  nodefs.available: "0%"
  imagefs.available: "0%"
  nodefs.inodesFree: "0%"
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
shutdownGracePeriod: 0s
`;
}

export function kubeProxyYaml(l: Layout, n: NodeLayout, kubeconfig: string): string {
  return `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
# IPVS is not in this kernel.
mode: iptables
clusterCIDR: ${l.podCidr}
hostnameOverride: ${n.name}
bindAddress: ${n.ip}
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
clientConnection:
  kubeconfig: ${kubeconfig}
# nf_conntrack_max is VM-wide: leave it (0 = do not set), and leave the TCP timeouts as they are.
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
nodePortAddresses: ["${n.ip}/32"]
`;
}

/** Paths the kubelet and containerd use whatever their flags say; each node gets private ones. */
export const PRIVATE_BINDS = ["/var/lib/kubelet", "/var/log/pods", "/var/log/containers", "/run/containerd", "/var/lib/cni", "/run/xtables.lock"];

/** Kernel settings the kubelet checks under protectKernelDefaults (pkg/kubelet/cm, setupKernelTunables). */
export const KUBELET_KERNEL_DEFAULTS: Record<string, string> = {
  "vm/overcommit_memory": "1",
  "vm/panic_on_oom": "0",
  "kernel/panic": "10",
  "kernel/panic_on_oops": "1",
  "kernel/keys/root_maxkeys": "1000000",
  "kernel/keys/root_maxbytes": "25000000",
};

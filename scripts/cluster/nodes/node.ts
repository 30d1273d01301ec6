// One real node's lifecycle: its namespace holder (network and mount namespaces, private bind mounts,
// kernel settings shown read-only), its links, certificates and configs, then containerd, the pause
// image, the kubelet and kube-proxy, each in the node's cgroup and namespaces.
import * as fs from "fs";
import * as path from "path";
import { createCgroup, joinScript } from "./cgroups";
import { containerdToml, hostsToml, KUBELET_KERNEL_DEFAULTS, kubeletYaml, kubeProxyYaml, nodePaths, PAUSE_IMAGE, PRIVATE_BINDS } from "./configs";
import { Layout, NodeLayout, REAL_NODE_LABEL } from "./layout";
import { cniConfig, netns, setUpNode } from "./net";
import { clientAuth, issue, kubeconfig, serving } from "./pki";
import { Proc, run, runAsync, startDetached, waitFor } from "./sh";

export interface Ctx {
  layout: Layout;
  bin: string; // cluster binaries (kubelet, kube-proxy)
  pki: string; // the cluster CA
  pauseArchive: string;
  logs: string;
  record: (p: Proc) => void;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** sh -c text run by the holder inside its new mount namespace, before it becomes `sleep`. */
function mountSetup(n: NodeLayout): string {
  const priv = path.join(n.dir, "private");
  const lines = ["set -e", "mount --make-rshared /"];
  for (const target of PRIVATE_BINDS) {
    const src = path.join(priv, target.replace(/\//g, "_"));
    lines.push(`mount --bind ${q(src)} ${q(target)}`);
  }
  for (const [key] of kernelOverrides()) {
    const f = path.join(n.dir, "sysctl", key.replace(/\//g, "_"));
    lines.push(`mount --bind ${q(f)} /proc/sys/${key}`, `mount -o remount,bind,ro /proc/sys/${key}`);
  }
  lines.push(`touch ${q(nodePaths(n).ready)}`, "exec sleep infinity");
  return lines.join("\n");
}

/** The kubelet's expected kernel settings that differ from the VM's (only those get a bind mount). */
function kernelOverrides(): [string, string][] {
  return Object.entries(KUBELET_KERNEL_DEFAULTS).filter(([k, v]) => fs.readFileSync(`/proc/sys/${k}`, "utf8").trim() !== v);
}

function prepareDirs(n: NodeLayout): void {
  const p = nodePaths(n);
  for (const d of [n.dir, p.certsD, p.cniConfDir, p.pki, path.join(n.dir, "sysctl"), path.join(n.dir, "private"), path.join(n.dir, "cni-ipam")]) fs.mkdirSync(d, { recursive: true });
  for (const target of PRIVATE_BINDS) {
    const src = path.join(n.dir, "private", target.replace(/\//g, "_"));
    if (target.endsWith(".lock")) {
      fs.writeFileSync(src, "");
      if (!fs.existsSync(target)) fs.writeFileSync(target, ""); // a mount point on the host (empty file)
    } else {
      fs.mkdirSync(src, { recursive: true });
      fs.mkdirSync(target, { recursive: true }); // an empty mount point on the host
    }
  }
  // cAdvisor looks for containerd at its default socket (container stats for the resource metrics).
  const defaultSock = path.join(n.dir, "private", "_run_containerd", "containerd.sock");
  if (!fs.existsSync(defaultSock)) fs.symlinkSync(p.containerdSock, defaultSock);
  for (const [k, v] of kernelOverrides()) fs.writeFileSync(path.join(n.dir, "sysctl", k.replace(/\//g, "_")), `${v}\n`);
}

/** Runs `cmd` in the node's namespaces and cgroup (system part). */
function startInNode(ctx: Ctx, n: NodeLayout, holder: number, name: string, cmd: string[]): Proc {
  const nsenter = ["nsenter", `--net=${netns(holder)}`, `--mount=/proc/${holder}/ns/mnt`, "--", ...cmd].map(q).join(" ");
  const p = startDetached(`${n.name}/${name}`, "sh", ["-c", `${joinScript(`${n.cgroup}/system`)} && exec ${nsenter}`], path.join(ctx.logs, `${n.name}-${name}.log`));
  ctx.record(p);
  return p;
}

export async function startNode(ctx: Ctx, n: NodeLayout, hub: number): Promise<void> {
  const l = ctx.layout;
  const p = nodePaths(n);
  prepareDirs(n);
  createCgroup(`${n.cgroup}/system`);
  createCgroup(`${n.cgroup}/pods`);
  const holder = startDetached(`${n.name}/holder`, "sh", ["-c", `${joinScript(`${n.cgroup}/system`)} && exec unshare --net --mount --propagation private -- sh -c ${q(mountSetup(n))}`], path.join(ctx.logs, `${n.name}-holder.log`));
  ctx.record(holder);
  await waitFor(10, `${n.name}: namespace holder ready (log ${holder.log})`, () => fs.existsSync(p.ready), 20);
  setUpNode(l, n, hub, holder.pid);

  const ca = path.join(ctx.pki, "ca.crt");
  const [kubeletClient, kubeletServing, proxyClient] = await Promise.all([
    issue(ctx.pki, p.pki, "kubelet-client", `/O=system:nodes/CN=system:node:${n.name}`, clientAuth),
    issue(ctx.pki, p.pki, "kubelet-serving", `/CN=${n.name}`, serving(n.ip, n.name)),
    issue(ctx.pki, p.pki, "kube-proxy", "/CN=system:kube-proxy", clientAuth),
  ]);
  const server = `https://${l.hostAddr}:${l.apiserverProxyPort}`;
  kubeconfig(p.kubeletKubeconfig, server, ca, `system:node:${n.name}`, kubeletClient);
  kubeconfig(p.proxyKubeconfig, server, ca, "system:kube-proxy", proxyClient);
  fs.writeFileSync(p.containerdConfig, containerdToml(n));
  fs.mkdirSync(path.join(p.certsD, "ghcr.io"), { recursive: true });
  fs.writeFileSync(path.join(p.certsD, "ghcr.io", "hosts.toml"), hostsToml(l));
  fs.writeFileSync(path.join(p.cniConfDir, "10-websvc.conflist"), cniConfig(l, n));
  fs.writeFileSync(p.kubeletConfig, kubeletYaml(l, n, ca, kubeletServing));
  fs.writeFileSync(p.proxyConfig, kubeProxyYaml(l, n, p.proxyKubeconfig));

  const containerd = startInNode(ctx, n, holder.pid, "containerd", ["/usr/bin/containerd", "--config", p.containerdConfig, "--log-level", "warn"]);
  await waitFor(20, `${n.name}: containerd socket (log ${containerd.log})`, () => fs.existsSync(p.containerdSock), 50);
  const ctr = ["/usr/bin/ctr", "--address", p.containerdSock, "--namespace", "k8s.io"];
  await waitFor(10, `${n.name}: containerd answers`, async () => (await runAsync(ctr[0], [...ctr.slice(1), "version"]), true), 100);
  await runAsync(ctr[0], [...ctr.slice(1), "images", "import", "--base-name", PAUSE_IMAGE.split(":")[0], ctx.pauseArchive]);

  startInNode(ctx, n, holder.pid, "kubelet", [
    path.join(ctx.bin, "kubelet"), "--config", p.kubeletConfig, "--kubeconfig", p.kubeletKubeconfig,
    "--root-dir", "/var/lib/kubelet", "--hostname-override", n.name, "--node-ip", n.ip,
    "--node-labels", `topology.kubernetes.io/zone=${n.zone},topology.kubernetes.io/region=local,${REAL_NODE_LABEL}`,
    "--v", "1",
  ]);
  startInNode(ctx, n, holder.pid, "kube-proxy", [path.join(ctx.bin, "kube-proxy"), "--config", p.proxyConfig, "--v", "1"]);
}

/** Checks a running node's pieces: the holder, then the kubelet's health endpoint inside the node. */
export function nodeHolderPid(procs: Proc[], n: NodeLayout): number | undefined {
  return procs.find((p) => p.name === `${n.name}/holder`)?.pid;
}

export function kubeletHealthy(holder: number): boolean {
  try {
    return run("nsenter", [`--net=${netns(holder)}`, "--", "curl", "-fsS", "--max-time", "2", "http://127.0.0.1:10248/healthz"]).trim() === "ok";
  } catch {
    return false;
  }
}

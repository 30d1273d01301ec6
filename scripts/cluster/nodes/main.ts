// Real nodes of the local cluster (called by scripts/cluster.sh; see docs/local-cluster.md).
//   plan N        claim a slot, write the layout; prints SERVICE_CIDR= and KUBERNETES_SERVICE_IP= for state.env
//   up            start the hub, registry, forwarders and the N nodes; wait until they are Ready
//   down          stop everything up started, remove cgroups, links, namespaces; release the slot
//   status        one line per piece, then IMAGE=<reference>@sha256:<digest> when pushed
//   exec [--node NAME] -- CMD...   CMD in a node's network namespace (pods and ClusterIPs reachable)
//   push SOURCE REPO:TAG           SOURCE an oci-archive file or a buildah image; prints the digest
//   routes        JSON: the route of each range's first and last address in every namespace
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { destroyCgroup } from "./cgroups";
import { claimSlot, Layout, layoutFor, loadLayout, REAL_NODE_LABEL, releaseSlot, runDir, saveLayout } from "./layout";
import { hostHasLink, removeHostLink, routeChecks } from "./net";
import { nodeExecArgv } from "./exec";
import { kubeletHealthy, nodeHolderPid, startNode } from "./node";
import { startHub, startRegistryAndForwarders } from "./infra";
import { buildSingleBinaryImage, pushOciArchive } from "./oci";
import { clusterState, loadState, NodesState, saveState } from "./state";
import { alive, CommandError, run, runAsync, waitFor } from "./sh";

const ROOT = path.resolve(__dirname, "../../..");
const RUN = runDir();
const CACHE = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "websvc");
const K8S_VERSION = process.env.CLUSTER_K8S_VERSION ?? "v1.37.2";
const BIN = path.join(CACHE, `cluster-${K8S_VERSION}`, "bin");
const TOOLS = path.join(CACHE, "node-tools", "bin");
const IMAGE_FILE = path.join(CACHE, "image", "IMAGE");
const APP_REPO = "example-org/websvc"; // ghcr.io/<this>, as Pulumi.production.yaml's image.ref
const log = (m: string) => process.stderr.write(`cluster: ${m}\n`);

function requireLayout(): Layout {
  const l = loadLayout(RUN);
  if (!l) throw new CommandError(`no real nodes in ${RUN} (start them with \`npm run cluster -- up --real-nodes N\`)`);
  return l;
}

function requireState(): NodesState {
  const s = loadState(RUN);
  if (!s) throw new CommandError(`no real-node state in ${RUN}/nodes`);
  return s;
}

const kubectl = (args: string[]) => runAsync(path.join(BIN, "kubectl"), ["--kubeconfig", path.join(RUN, "kubeconfig"), ...args], { timeoutMs: 30_000 });

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function plan(count: number): void {
  const slot = claimSlot(RUN);
  const l = layoutFor(RUN, slot, count);
  saveLayout(l);
  console.log(`SERVICE_CIDR=${l.serviceCidr}`);
  console.log(`KUBERNETES_SERVICE_IP=${l.kubernetesServiceIp}`);
  console.log(`REAL_NODES=${count}`);
}

function pauseArchive(): string {
  const bin = path.join(TOOLS, "pause");
  const archive = path.join(CACHE, "node-tools", "pause-oci.tar");
  if (!fs.existsSync(archive) || fs.statSync(archive).mtimeMs < fs.statSync(bin).mtimeMs) buildSingleBinaryImage(bin, "3.10", archive);
  return archive;
}

/** The image tier's build (IMAGE= in its cache file), pushed to the registry with buildah. */
async function pushBuiltImage(registryPort: number): Promise<string | undefined> {
  if (!fs.existsSync(IMAGE_FILE)) {
    log(`no image tier build (${IMAGE_FILE}): IMAGE= stays empty; \`npm run image -- build\`, then \`npm run cluster -- push-image\``);
    return undefined;
  }
  const local = fs.readFileSync(IMAGE_FILE, "utf8").trim().replace(/^IMAGE=/, "");
  const digest = await pushOciArchive(builtImageArchive(local), `http://127.0.0.1:${registryPort}`, APP_REPO, "built");
  return `ghcr.io/${APP_REPO}@${digest}`;
}

/**
 * The image tier's build as an OCI archive, made once per image ID and kept beside the build: a
 * `buildah push` to the registry recompresses every layer at each `up` (about 20 s here), while the
 * archive's blobs go to the registry as they are (a fraction of a second). The digest the nodes pull
 * is the archive's manifest, whatever the registry.
 */
function builtImageArchive(local: string): string {
  const id = run("buildah", ["inspect", "--type", "image", "--format", "{{.FromImageID}}", local]).trim();
  if (!/^[0-9a-f]{64}$/.test(id)) throw new CommandError(`buildah inspect ${local}: no image ID (got ${JSON.stringify(id)})`);
  const dir = path.join(CACHE, "image", "oci");
  const archive = path.join(dir, `${id}.oci.tar`);
  if (fs.existsSync(archive)) return archive;
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${archive}.${process.pid}.tmp`;
  run("buildah", ["push", "--quiet", local, `oci-archive:${tmp}:${APP_REPO}:built`], { timeoutMs: 300_000 });
  fs.renameSync(tmp, archive);
  // Archives of earlier builds go: one image's worth of disk.
  for (const f of fs.readdirSync(dir)) if (f.endsWith(".oci.tar") && f !== path.basename(archive)) fs.rmSync(path.join(dir, f), { force: true });
  return archive;
}

async function pushBuildah(image: string, registryPort: number, repoTag: string): Promise<string> {
  const df = path.join(os.tmpdir(), `websvc-digest-${process.pid}-${Date.now()}`);
  try {
    await runAsync("buildah", ["push", "--quiet", "--tls-verify=false", "--digestfile", df, image, `docker://127.0.0.1:${registryPort}/${repoTag}`], { timeoutMs: 300_000 });
    return fs.readFileSync(df, "utf8").trim();
  } finally {
    fs.rmSync(df, { force: true });
  }
}

async function nodesReady(l: Layout): Promise<boolean> {
  const out = JSON.parse(await kubectl(["get", "nodes", "-l", REAL_NODE_LABEL, "-o", "json"])) as {
    items: { spec: { taints?: { key: string }[] }; status: { conditions?: { type: string; status: string }[] } }[];
  };
  const ready = out.items.filter((n) => n.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") && !(n.spec.taints ?? []).some((t) => t.key.startsWith("node.kubernetes.io/")));
  return ready.length === l.nodes.length;
}

async function up(): Promise<void> {
  const t0 = Date.now();
  const l = requireLayout();
  const phases: string[] = [];
  let mark = Date.now();
  const phase = (name: string) => {
    phases.push(`${name} ${Date.now() - mark}ms`);
    mark = Date.now();
  };
  const apiserverPort = Number(clusterState(RUN, "APISERVER_PORT"));
  if (!apiserverPort) throw new CommandError(`no APISERVER_PORT in ${RUN}/state.env: the control plane is not up`);
  run("bash", [path.join(ROOT, "scripts/cluster/node-packages.sh")], { timeoutMs: 600_000 });
  run("bash", [path.join(ROOT, "scripts/cluster/build-node-tools.sh")], { timeoutMs: 1_800_000 });
  for (const b of ["kubelet", "kube-proxy"]) if (!fs.existsSync(path.join(BIN, b))) throw new CommandError(`${BIN}/${b} missing: \`npm run cluster -- build\``);
  const logs = path.join(RUN, "logs");
  const state: NodesState = { registryPort: await freePort(), procs: [] };
  const record = (p: NodesState["procs"][number]) => {
    state.procs.push(p);
    saveState(RUN, state);
  };
  saveState(RUN, state);
  const archive = pauseArchive();
  phase("packages, tools, pause image");
  const hub = await startHub(l, logs, record);
  await startRegistryAndForwarders(l, { registryBin: path.join(TOOLS, "registry"), registryPort: state.registryPort, apiserverPort, root: ROOT, logs, record });
  phase("hub, registry, forwarders");
  const ctx = { layout: l, bin: BIN, pki: path.join(RUN, "pki"), pauseArchive: archive, logs, record };
  const pushed = pushBuiltImage(state.registryPort).catch((e: Error) => {
    log(`pushing the image tier's build failed: ${e.message}`);
    return undefined;
  });
  await Promise.all([
    ...l.nodes.map((n) => startNode(ctx, n, hub.pid)),
    // Simulated nodes keep their zones (spread domains) but take no pod: no Service may send traffic to
    // a kwok pod that does not exist.
    kubectl(["taint", "nodes", "-l", "type=kwok", "websvc.local/simulated=true:NoSchedule", "--overwrite"]),
    applyKubernetesEndpoints(l),
  ]);
  phase("nodes started");
  await waitFor(60, `${l.nodes.length} real nodes Ready without not-ready taints (logs ${logs}/node-*-kubelet.log)`, () => nodesReady(l), 250);
  phase("nodes Ready");
  state.image = await pushed;
  saveState(RUN, state);
  phase("image pushed");
  log(`${l.nodes.length} real nodes Ready in ${((Date.now() - t0) / 1000).toFixed(1)}s (${l.nodes.map((n) => `${n.name} ${n.zone} ${n.ip} pods ${n.podCidr}`).join("; ")}); Services ${l.serviceCidr}; registry 127.0.0.1:${state.registryPort} (nodes: ${l.hostAddr}:${l.registryProxyPort} mirrors ghcr.io)`);
  log(`nodes phases: ${phases.join("; ")}`);
  if (state.image) log(`IMAGE=${state.image}`);
}

/** The `kubernetes` Service's endpoint as pods reach it: the apiserver forwarder on the hub link. (The
 * apiserver runs with --endpoint-reconciler-type=none, so nothing else writes it.) */
async function applyKubernetesEndpoints(l: Layout): Promise<void> {
  const slice = {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: "kubernetes-websvc", namespace: "default", labels: { "kubernetes.io/service-name": "kubernetes", "endpointslice.kubernetes.io/managed-by": "websvc.local-cluster" } },
    addressType: "IPv4",
    endpoints: [{ addresses: [l.hostAddr], conditions: { ready: true } }],
    ports: [{ name: "https", port: l.apiserverProxyPort, protocol: "TCP" }],
  };
  const f = path.join(l.dir, "kubernetes-endpointslice.json");
  fs.writeFileSync(f, JSON.stringify(slice));
  await kubectl(["create", "-f", f]);
}

async function down(): Promise<void> {
  const l = loadLayout(RUN);
  if (!l) return;
  const s = loadState(RUN);
  // SIGTERM first to kube-proxy, the kubelets and containerd (by pid and start time), up to 3 s; then
  // whatever is left in the cluster's cgroup (shims, containers, holders, registry, forwarder) is killed,
  // and the cgroups removed.
  const daemons = (s?.procs ?? []).filter((x) => /\/(kube-proxy|kubelet|containerd)$/.test(x.name) && alive(x));
  for (const p of daemons) {
    try {
      process.kill(p.pid, "SIGTERM");
    } catch {
      /* gone */
    }
  }
  await waitFor(3, "daemons stopped", () => !daemons.some(alive), 50).catch(() => undefined);
  const left = await destroyCgroup(l.cgroupParent);
  for (const p of (s?.procs ?? []).filter(alive)) process.kill(p.pid, "SIGKILL"); // not in the cgroup (cannot happen: each joins it first)
  await removeHostLink(l.hostVeth);
  const problems = [...left.map((c) => `cgroup ${c}`), ...(hostHasLink(l.hostVeth) ? [`link ${l.hostVeth}`] : []), ...(s?.procs ?? []).filter(alive).map((p) => `${p.name} pid ${p.pid}`)];
  if (problems.length) throw new CommandError(`down left: ${problems.join(", ")}`);
  releaseSlot(RUN, l.slot);
  fs.rmSync(l.dir, { recursive: true, force: true });
  log(`real nodes stopped: ${s?.procs.length ?? 0} processes, cgroup ${l.cgroupParent}, link ${l.hostVeth}, slot ${l.slot} released`);
}

function status(): number {
  const l = loadLayout(RUN);
  if (!l) return 0;
  const s = requireState();
  let rc = 0;
  for (const p of s.procs) {
    const ok = alive(p);
    if (!ok) rc = 1;
    console.log(`cluster: ${p.name} ${ok ? "running" : "NOT running"} (pid ${p.pid}${ok ? "" : `, log ${p.log}`})`);
  }
  for (const n of l.nodes) {
    const h = nodeHolderPid(s.procs, n);
    const ok = h !== undefined && kubeletHealthy(h);
    if (!ok) rc = 1;
    console.log(`cluster: real node ${n.name} zone ${n.zone} ip ${n.ip} pods ${n.podCidr}: kubelet ${ok ? "healthy" : "NOT healthy"}`);
    console.log(`NODE=${n.name} zone=${n.zone} ip=${n.ip} pods=${n.podCidr} netns=/proc/${h}/ns/net`);
  }
  console.log(`cluster: registry 127.0.0.1:${s.registryPort} (from the nodes ${l.hostAddr}:${l.registryProxyPort}, mirror of ghcr.io)`);
  console.log(`REGISTRY=127.0.0.1:${s.registryPort}`);
  console.log(`SERVICE_CIDR=${l.serviceCidr}`);
  console.log(`POD_CIDR=${l.podCidr}`);
  if (s.image) console.log(`IMAGE=${s.image}`);
  return rc;
}

function exec(args: string[]): number {
  const [cmd, ...argv] = nodeExecArgv(RUN, args);
  return spawnSync(cmd, argv, { stdio: "inherit" }).status ?? 1;
}

async function push(source: string, repoTag: string): Promise<void> {
  const s = requireState();
  const ref = repoTag.replace(/^ghcr\.io\//, "");
  const m = /^([a-z0-9._/-]+):([\w.-]+)$/.exec(ref);
  if (!m) throw new CommandError(`push: ${repoTag} is not <repository>:<tag>`);
  const digest = fs.existsSync(source) ? await pushOciArchive(source, `http://127.0.0.1:${s.registryPort}`, m[1], m[2]) : await pushBuildah(source, s.registryPort, ref);
  log(`pushed ${source} as ghcr.io/${m[1]}@${digest} (pods pull it by that reference)`);
  console.log(digest);
}

async function pushImage(): Promise<void> {
  const s = requireState();
  s.image = await pushBuiltImage(s.registryPort);
  saveState(RUN, s);
  if (!s.image) throw new CommandError("no image tier build to push");
  console.log(`IMAGE=${s.image}`);
}

async function routes(): Promise<void> {
  const l = requireLayout();
  const s = requireState();
  const holders = [{ where: "host" } as { where: string; pid?: number }, ...s.procs.filter((p) => p.name === "hub" || p.name.endsWith("/holder")).map((p) => ({ where: p.name.replace("/holder", ""), pid: p.pid }))];
  console.log(JSON.stringify(await routeChecks(l, holders), null, 2));
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case "plan":
      plan(Number(rest[0]));
      return 0;
    case "up":
      try {
        await up();
      } catch (e) {
        log(`real nodes FAILED: ${(e as Error).message}`);
        await down().catch((d: Error) => log(d.message));
        return 1;
      }
      return 0;
    case "down":
      await down();
      return 0;
    case "status":
      return status();
    case "exec":
      return exec(rest);
    case "push":
      if (rest.length !== 2) throw new CommandError("usage: push <oci-archive file | buildah image> <repository:tag>");
      await push(rest[0], rest[1]);
      return 0;
    case "push-image":
      await pushImage();
      return 0;
    case "routes":
      await routes();
      return 0;
    default:
      throw new CommandError(`unknown command ${cmd ?? ""} (plan|up|down|status|exec|push|push-image|routes)`);
  }
}

main(process.argv.slice(2)).then(
  (rc) => process.exit(rc),
  (e: Error) => {
    log(e instanceof CommandError ? e.message : (e.stack ?? e.message));
    process.exit(1);
  },
);

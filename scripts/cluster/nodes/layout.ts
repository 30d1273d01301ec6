// Every name and address of one cluster's real nodes, derived from its run dir (WEBSVC_CLUSTER_DIR) and
// a slot claimed for it on this host, so that two clusters on one host never share an interface, a
// cgroup or an address range. Slot k owns 10.(128+k).0.0/16:
//   10.X.0.0/30    host <-> hub link (host .1: the apiserver and registry forwarders listen there)
//   10.X.1.0/24    the hub bridge (hub .1, node i at .10+i)
//   10.X.64.0/18   pod range (node i: 10.X.(64+i).0/24, its cni0 at .1)
//   10.X.128.0/20  Service range (10.X.128.1: the `kubernetes` Service)
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

export const MAX_NODES = 3;
/** The label every real node carries (kubelet, containerd, runc; kwok nodes do not): selectors use it. */
export const REAL_NODE_LABEL = "websvc.local/node=real";
export const SLOTS = 64;
const SLOT_DIR = process.env.WEBSVC_SLOT_DIR ?? "/run/websvc-cluster-slots";
const LETTERS = "abc";

export interface NodeLayout {
  index: number;
  name: string; // the Node object's name
  zone: string; // topology.kubernetes.io/zone (the kwok nodes' zones, so the spread domains are shared)
  ip: string;
  podCidr: string;
  podGateway: string;
  hubVeth: string; // the node's veth, hub side
  dir: string; // config, certs, state of this node
  cgroup: string; // relative to every hierarchy: <parent>/<node>
}

export interface Layout {
  run: string;
  id: string; // 8 hex of the run dir's hash
  slot: number;
  dir: string; // <run>/nodes
  hostAddr: string;
  hubUplinkAddr: string;
  linkCidr: string;
  nodeSubnet: string;
  hubBridgeAddr: string;
  podCidr: string;
  serviceCidr: string;
  kubernetesServiceIp: string;
  hostVeth: string;
  hubVeth: string;
  bridge: string;
  cgroupParent: string;
  apiserverProxyPort: number; // on hostAddr
  registryProxyPort: number; // on hostAddr
  nodes: NodeLayout[];
}

export function runDir(): string {
  return process.env.WEBSVC_CLUSTER_DIR ?? path.join(process.env.XDG_RUNTIME_DIR ?? "/tmp", "websvc-cluster");
}

export function layoutFor(run: string, slot: number, count: number): Layout {
  if (!Number.isInteger(slot) || slot < 0 || slot >= SLOTS) throw new Error(`slot ${slot} out of 0..${SLOTS - 1}`);
  if (!Number.isInteger(count) || count < 1 || count > MAX_NODES) throw new Error(`--real-nodes must be 1..${MAX_NODES}, got ${count}`);
  const x = `10.${128 + slot}`;
  const id = crypto.createHash("sha256").update(path.resolve(run)).digest("hex").slice(0, 8);
  const dir = path.join(run, "nodes");
  const cgroupParent = `websvc-${id}`;
  const nodes = Array.from({ length: count }, (_, i): NodeLayout => ({
    index: i,
    name: `node-${LETTERS[i]}`,
    zone: `zone-${LETTERS[i]}`,
    ip: `${x}.1.${10 + i}`,
    podCidr: `${x}.${64 + i}.0/24`,
    podGateway: `${x}.${64 + i}.1`,
    hubVeth: `wsk${slot}n${i}`,
    dir: path.join(dir, `node-${LETTERS[i]}`),
    cgroup: `${cgroupParent}/node-${LETTERS[i]}`,
  }));
  return {
    run, id, slot, dir,
    hostAddr: `${x}.0.1`,
    hubUplinkAddr: `${x}.0.2`,
    linkCidr: `${x}.0.0/30`,
    nodeSubnet: `${x}.1.0/24`,
    hubBridgeAddr: `${x}.1.1`,
    podCidr: `${x}.64.0/18`,
    serviceCidr: `${x}.128.0/20`,
    kubernetesServiceIp: `${x}.128.1`,
    hostVeth: `wsk${slot}h`,
    hubVeth: `wsk${slot}u`,
    bridge: `wsk${slot}br`,
    cgroupParent,
    apiserverProxyPort: 6443,
    registryProxyPort: 5000,
    nodes,
  };
}

/** Claims the lowest free slot for this run dir (or returns the one it holds). A claim whose run dir no
 * longer holds a cluster (no state.env) is stale and taken over. */
export function claimSlot(run: string): number {
  fs.mkdirSync(SLOT_DIR, { recursive: true });
  const me = path.resolve(run);
  for (let k = 0; k < SLOTS; k++) {
    const f = path.join(SLOT_DIR, String(k));
    try {
      fs.writeFileSync(f, me, { flag: "wx" });
      return k;
    } catch {
      const owner = fs.readFileSync(f, "utf8").trim();
      if (owner === me) return k;
      if (!fs.existsSync(path.join(owner, "state.env")) && !fs.existsSync(`/sys/class/net/wsk${k}h`)) {
        fs.writeFileSync(f, me);
        return k;
      }
    }
  }
  throw new Error(`no free cluster slot in ${SLOT_DIR} (${SLOTS} clusters with real nodes on this host)`);
}

export function releaseSlot(run: string, slot: number): void {
  const f = path.join(SLOT_DIR, String(slot));
  try {
    if (fs.readFileSync(f, "utf8").trim() === path.resolve(run)) fs.rmSync(f);
  } catch {
    /* not held */
  }
}

const layoutFile = (run: string) => path.join(run, "nodes", "layout.json");

export function saveLayout(l: Layout): void {
  fs.mkdirSync(l.dir, { recursive: true });
  fs.writeFileSync(layoutFile(l.run), JSON.stringify(l, null, 2));
}

export function loadLayout(run: string): Layout | undefined {
  try {
    return JSON.parse(fs.readFileSync(layoutFile(run), "utf8")) as Layout;
  } catch {
    return undefined;
  }
}

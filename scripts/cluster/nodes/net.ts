// Network namespaces and links. The hub namespace holds a bridge joining every node; a veth joins it to
// the host, where the apiserver and registry forwarders listen. The host routes this cluster's node, pod
// and Service ranges to that veth, so none of them ever follows the VM's default route; the node and hub
// namespaces have no default route at all. Namespaces are entered through /proc/<holder>/ns/net with
// nsenter, never `ip netns exec` (it remounts /sys, and runc then finds no cgroup mount).
import * as fs from "fs";
import { Layout, NodeLayout } from "./layout";
import { run, runAsync, waitFor } from "./sh";

export const netns = (holder: number) => `/proc/${holder}/ns/net`;

/** `ip -batch` inside a namespace (or the host when holder is undefined). */
export function ipBatch(holder: number | undefined, lines: string[]): void {
  const input = lines.join("\n") + "\n";
  if (holder === undefined) run("ip", ["-batch", "-"], { input });
  else run("nsenter", [`--net=${netns(holder)}`, "--", "ip", "-batch", "-"], { input });
}

export function sysctlIn(holder: number, settings: Record<string, string>, optional = false): void {
  for (const [k, v] of Object.entries(settings)) {
    try {
      run("nsenter", [`--net=${netns(holder)}`, "--", "sysctl", "-qw", `${k}=${v}`]);
    } catch (e) {
      if (!optional) throw e;
    }
  }
}

/** The hub: its bridge, the host link, forwarding inside the hub only, and the host's routes. */
export function setUpHub(l: Layout, hub: number): void {
  run("ip", ["link", "add", l.hostVeth, "type", "veth", "peer", "name", l.hubVeth, "netns", String(hub)]);
  ipBatch(hub, [
    "link set lo up",
    `addr add ${l.hubUplinkAddr}/30 dev ${l.hubVeth}`,
    `link set ${l.hubVeth} up`,
    `link add ${l.bridge} type bridge`,
    `addr add ${l.hubBridgeAddr}/24 dev ${l.bridge}`,
    `link set ${l.bridge} up`,
    // ClusterIPs from the host or the hub: to the first node, whose kube-proxy translates them (it
    // masquerades sources outside the pod range, so replies come back the same way).
    `route add ${l.serviceCidr} via ${l.nodes[0].ip}`,
    ...l.nodes.map((n) => `route add ${n.podCidr} via ${n.ip}`),
  ]);
  sysctlIn(hub, { "net.ipv4.ip_forward": "1" });
  ipBatch(undefined, [
    `addr add ${l.hostAddr}/30 dev ${l.hostVeth}`,
    `link set ${l.hostVeth} up`,
    ...[l.nodeSubnet, l.podCidr, l.serviceCidr].map((r) => `route add ${r} via ${l.hubUplinkAddr} dev ${l.hostVeth}`),
  ]);
}

/** One node: its veth on the hub bridge, its address, routes to the other nodes' pods, and cni0 made
 * beforehand (the CNI bridge plugin adopts it) so that the Service range can be routed to it. */
export function setUpNode(l: Layout, n: NodeLayout, hub: number, holder: number): void {
  run("ip", ["link", "add", n.hubVeth, "netns", String(hub), "type", "veth", "peer", "name", "eth0", "netns", String(holder)]);
  ipBatch(hub, [`link set ${n.hubVeth} master ${l.bridge}`, `link set ${n.hubVeth} up`]);
  ipBatch(holder, [
    "link set lo up",
    `addr add ${n.ip}/24 dev eth0`,
    "link set eth0 up",
    `route add ${l.linkCidr} via ${l.hubBridgeAddr}`,
    ...l.nodes.filter((o) => o.index !== n.index).map((o) => `route add ${o.podCidr} via ${o.ip}`),
    "link add cni0 type bridge",
    `addr add ${n.podGateway}/24 dev cni0`,
    "link set cni0 up",
    `route add ${l.serviceCidr} dev cni0`,
  ]);
  sysctlIn(holder, { "net.ipv4.ip_forward": "1" });
  // Replies between two pods of one bridge must meet conntrack, or a ClusterIP hairpin breaks.
  sysctlIn(holder, { "net.bridge.bridge-nf-call-iptables": "1" }, true);
}

/** The CNI network of a node: bridge plus host-local, no masquerade, no default route. */
export function cniConfig(l: Layout, n: NodeLayout): string {
  return JSON.stringify(
    {
      cniVersion: "0.4.0",
      name: "websvc",
      plugins: [
        {
          type: "bridge",
          bridge: "cni0",
          isGateway: true,
          isDefaultGateway: false,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: "host-local",
            dataDir: `${n.dir}/cni-ipam`,
            ranges: [[{ subnet: n.podCidr, gateway: n.podGateway }]],
            routes: [{ dst: l.podCidr }, { dst: l.serviceCidr }, { dst: l.nodeSubnet }, { dst: l.linkCidr }],
          },
        },
        { type: "portmap", capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  );
}

export interface RouteCheck {
  where: string;
  address: string;
  via: string; // the `ip route get` answer
  leaks: boolean;
}

/** Whether `ip route get`'s answer leaves through the namespace's default route (`ip route show
 * default`): its gateway, or its device (on that device even an on-link address leaves the VM). No
 * default route: nothing can leak. */
export function followsDefault(defaultRoute: string, answer: string): boolean {
  if (defaultRoute.trim() === "") return false;
  const field = (s: string, k: string) => new RegExp(` ${k} (\\S+)`).exec(` ${s}`)?.[1];
  const [defDev, defVia, dev, via] = [field(defaultRoute, "dev"), field(defaultRoute, "via"), field(answer, "dev"), field(answer, "via")];
  return (defDev !== undefined && dev === defDev) || (defVia !== undefined && via === defVia);
}

const u32 = (a: string) => a.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
const dotted = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
/** The first and last host address of an IPv4 range. */
export function ends(cidr: string): [string, string] {
  const [a, bits] = cidr.split("/");
  const base = u32(a);
  return [dotted(base + 1), dotted(base + 2 ** (32 - Number(bits)) - 2)];
}

/** For each namespace and each range's first and last address: the route the kernel picks, and
 * whether it is the namespace's default route (a range left to it would leave the VM). */
export async function routeChecks(l: Layout, holders: { where: string; pid?: number }[]): Promise<RouteCheck[]> {
  const addrs = [l.podCidr, l.serviceCidr, l.nodeSubnet, ...l.nodes.map((n) => n.podCidr)].flatMap(ends);
  const out: RouteCheck[] = [];
  for (const h of holders) {
    const ip = (args: string[]) => (h.pid === undefined ? runAsync("ip", args) : runAsync("nsenter", [`--net=${netns(h.pid)}`, "--", "ip", ...args]));
    const def = await ip(["route", "show", "default"]);
    for (const address of addrs) {
      let via: string;
      try {
        via = (await ip(["route", "get", address])).trim().split("\n")[0];
      } catch (e) {
        via = `unreachable (${(e as Error).message.split("\n").pop()})`;
      }
      out.push({ where: h.where, address, via, leaks: followsDefault(def, via) });
    }
  }
  return out;
}

export const hostHasLink = (name: string) => fs.existsSync(`/sys/class/net/${name}`);

/** Removes a host link whose veth peer sat in a namespace whose holder was just killed. The kernel
 * tears that namespace down asynchronously, and the pair with it, so the link may vanish on its own
 * between any check and `ip link del` (CI saw "Cannot find device"): wait up to 2 s for that first,
 * then delete it, and count a link gone meanwhile as deleted. */
export async function removeHostLink(name: string): Promise<void> {
  await waitFor(2, `link ${name} gone`, () => !hostHasLink(name), 50).catch(() => undefined);
  if (!hostHasLink(name)) return;
  try {
    run("ip", ["link", "del", name]);
  } catch (e) {
    if (hostHasLink(name)) throw e;
  }
}

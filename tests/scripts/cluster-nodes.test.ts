// The real nodes' layout and route classification (scripts/cluster/nodes), without starting anything.
import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import { layoutFor, MAX_NODES } from "../../scripts/cluster/nodes/layout";
import { ends, followsDefault, hostHasLink, removeHostLink } from "../../scripts/cluster/nodes/net";
import { skipBecause } from "../support/skip";

describe("real-node layout", () => {
  it("two slots share no range, interface or cgroup, and two run dirs no cgroup", () => {
    const a = layoutFor("/tmp/a", 0, 3);
    const b = layoutFor("/tmp/b", 1, 3);
    for (const k of ["linkCidr", "nodeSubnet", "podCidr", "serviceCidr", "hostVeth", "hubVeth", "bridge", "cgroupParent", "hostAddr"] as const) {
      assert.notEqual(a[k], b[k], k);
    }
    assert.notEqual(a.nodes[0].hubVeth, b.nodes[0].hubVeth);
    assert.notEqual(layoutFor("/tmp/a", 5, 1).cgroupParent, layoutFor("/tmp/c", 5, 1).cgroupParent);
  });

  it("every interface name fits Linux's 15 characters, at the highest slot too", () => {
    const l = layoutFor("/tmp/a", 63, MAX_NODES);
    for (const name of [l.hostVeth, l.hubVeth, l.bridge, ...l.nodes.map((n) => n.hubVeth)]) assert.ok(name.length <= 15, name);
  });

  it("node pod ranges lie inside the cluster's pod range, apart from Services, and zones differ", () => {
    const l = layoutFor("/tmp/a", 7, 3);
    assert.equal(l.podCidr, "10.135.64.0/18");
    assert.deepEqual(l.nodes.map((n) => n.podCidr), ["10.135.64.0/24", "10.135.65.0/24", "10.135.66.0/24"]);
    assert.equal(l.serviceCidr, "10.135.128.0/20");
    assert.equal(l.kubernetesServiceIp, "10.135.128.1");
    assert.equal(new Set(l.nodes.map((n) => n.zone)).size, 3);
    assert.equal(new Set(l.nodes.map((n) => n.ip)).size, 3);
  });

  it("refuses node counts outside 1..3 and slots outside 0..63", () => {
    assert.throws(() => layoutFor("/tmp/a", 0, 0), /--real-nodes must be 1\.\.3, got 0/);
    assert.throws(() => layoutFor("/tmp/a", 0, 4), /got 4/);
    assert.throws(() => layoutFor("/tmp/a", 64, 1), /slot 64/);
  });
});

describe("route leak classification", () => {
  const hostDefault = "default via 192.0.2.1 dev eth0 \n";
  it("an address routed by the default route leaks", () => {
    assert.equal(followsDefault(hostDefault, "10.200.0.1 via 192.0.2.1 dev eth0 src 192.0.2.2 uid 0"), true);
  });
  it("an address routed to the cluster's veth does not", () => {
    assert.equal(followsDefault(hostDefault, "10.135.64.1 via 10.135.0.2 dev wsk7h src 10.135.0.1 uid 0"), false);
  });
  it("an address sent out of the default route's device, even on-link, leaks", () => {
    assert.equal(followsDefault(hostDefault, "10.135.64.1 dev eth0 src 192.0.2.2 uid 0"), true);
  });
  it("a device-only default route leaks through that device", () => {
    assert.equal(followsDefault("default dev tun0 scope link", "10.1.2.3 dev tun0 src 10.9.9.9"), true);
  });
  it("a namespace without a default route cannot leak", () => {
    assert.equal(followsDefault("", "unreachable (Network is unreachable)"), false);
  });
  it("first and last host address of a range", () => {
    assert.deepEqual(ends("10.135.64.0/18"), ["10.135.64.1", "10.135.127.254"]);
    assert.deepEqual(ends("10.135.128.0/20"), ["10.135.128.1", "10.135.143.254"]);
  });
});

describe("removing the host link when its peer's namespace dies", function () {
  this.timeout(30_000);
  before(function () {
    if (process.getuid?.() !== 0 || spawnSync("ip", ["-V"]).status !== 0) skipBecause(this, "making links needs root and iproute2");
  });
  // `down` kills the namespace holder, and the kernel then removes the veth pair on its own, at a
  // moment of its choosing. Deleting the host end must not fail when the kernel got there first (CI
  // once failed on `ip link del wsk1h`: "Cannot find device").
  it("leaves no link and does not fail, whoever removes it first (10 rounds)", async () => {
    const name = `wsktest${process.pid % 10000}`;
    for (let round = 0; round < 10; round++) {
      const holder = spawn("unshare", ["--net", "sleep", "20"], { stdio: "ignore" });
      await new Promise((r) => setTimeout(r, 50)); // let unshare enter its namespace
      const made = spawnSync("ip", ["link", "add", name, "type", "veth", "peer", "name", "p0", "netns", String(holder.pid)]);
      assert.equal(made.status, 0, made.stderr.toString());
      holder.kill("SIGKILL");
      await removeHostLink(name);
      assert.equal(hostHasLink(name), false, `round ${round}`);
    }
  });
});

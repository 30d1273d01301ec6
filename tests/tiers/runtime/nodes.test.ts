// Real-node provisioning (scripts/cluster/nodes): the cluster of WEBSVC_CLUSTER_DIR, started with
// `npm run cluster -- up --real-nodes N`, and a second cluster this spec starts and stops itself.
// Run: bash scripts/node22.sh mocha tests/tiers/runtime/nodes.test.ts --reporter tests/support/tally-reporter.ts --reporter-option label=runtime
import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { skipBecause } from "../../support/skip";
import { REAL_NODE_LABEL } from "../../../scripts/cluster/nodes/layout";
import { procStart } from "../../../scripts/cluster/nodes/sh";

const ROOT = path.resolve(__dirname, "../../..");
const RUN = process.env.WEBSVC_CLUSTER_DIR ?? path.join(process.env.XDG_RUNTIME_DIR ?? "/tmp", "websvc-cluster");

interface Layout {
  slot: number;
  id: string;
  podCidr: string;
  serviceCidr: string;
  kubernetesServiceIp: string;
  hostVeth: string;
  cgroupParent: string;
  nodes: { name: string; zone: string; ip: string }[];
}
interface RouteCheck {
  where: string;
  address: string;
  via: string;
  leaks: boolean;
}

function cluster(run: string, args: string[], timeoutMs = 120_000): { rc: number; out: string; err: string } {
  const r = spawnSync("bash", [path.join(ROOT, "scripts/cluster.sh"), ...args], { env: { ...process.env, WEBSVC_CLUSTER_DIR: run }, timeout: timeoutMs });
  return { rc: r.status ?? -1, out: r.stdout?.toString() ?? "", err: r.stderr?.toString() ?? "" };
}
function kubectl(run: string, args: string[]): string {
  const bin = path.join(os.homedir(), ".cache/websvc/cluster-v1.37.2/bin/kubectl");
  return execFileSync(bin, ["--kubeconfig", path.join(run, "kubeconfig"), ...args], { timeout: 60_000 }).toString();
}
const layoutOf = (run: string): Layout | undefined => {
  try {
    return JSON.parse(fs.readFileSync(path.join(run, "nodes", "layout.json"), "utf8")) as Layout;
  } catch {
    return undefined;
  }
};
function cgroupDirs(name: string): string[] {
  return fs.readdirSync("/sys/fs/cgroup").map((h) => path.join("/sys/fs/cgroup", h, name)).filter((d) => fs.existsSync(d));
}

describe("real nodes of the running cluster", function () {
  this.timeout(120_000);
  let layout: Layout;
  before(function () {
    const l = layoutOf(RUN);
    if (!l || cluster(RUN, ["status"]).rc !== 0) skipBecause(this, `no running cluster with real nodes in ${RUN} (npm run cluster -- up --real-nodes 3)`);
    layout = l;
  });

  it("every real node is Ready, untainted, and in a zone of its own", () => {
    const nodes = JSON.parse(kubectl(RUN, ["get", "nodes", "-l", REAL_NODE_LABEL, "-o", "json"])) as {
      items: { metadata: { name: string; labels: Record<string, string> }; spec: { taints?: unknown[] }; status: { conditions: { type: string; status: string }[]; addresses: { type: string; address: string }[] } }[];
    };
    assert.deepEqual(nodes.items.map((n) => n.metadata.name).sort(), layout.nodes.map((n) => n.name).sort());
    for (const n of nodes.items) {
      assert.equal(n.status.conditions.find((c) => c.type === "Ready")?.status, "True", `${n.metadata.name} Ready`);
      assert.deepEqual(n.spec.taints ?? [], [], `${n.metadata.name} has no taints`);
      assert.equal(n.status.addresses.find((a) => a.type === "InternalIP")?.address, layout.nodes.find((x) => x.name === n.metadata.name)?.ip);
    }
    const zones = new Set(nodes.items.map((n) => n.metadata.labels["topology.kubernetes.io/zone"]));
    assert.equal(zones.size, layout.nodes.length, `zones: ${[...zones].join(", ")}`);
  });

  it("the kwok nodes take no pod (NoSchedule), so no Service selects a pod that does not run", () => {
    const out = kubectl(RUN, ["get", "nodes", "-l", "type=kwok", "-o", "jsonpath={range .items[*]}{.metadata.name}={.spec.taints[*].key}/{.spec.taints[*].effect}{\"\\n\"}{end}"]).trim().split("\n");
    assert.ok(out.length >= 1 && out[0] !== "", "kwok nodes exist beside the real ones");
    for (const line of out) assert.match(line, /websvc\.local\/simulated.*NoSchedule/, line);
  });

  it("no route for the pod or Service ranges follows a default route, in the host or any node namespace", () => {
    const r = cluster(RUN, ["routes"]);
    assert.equal(r.rc, 0, r.err);
    const checks = JSON.parse(r.out) as RouteCheck[];
    const wheres = new Set(checks.map((c) => c.where));
    assert.ok(wheres.has("host") && wheres.has("hub") && layout.nodes.every((n) => wheres.has(n.name)), `namespaces checked: ${[...wheres].join(", ")}`);
    const leaks = checks.filter((c) => c.leaks);
    assert.deepEqual(leaks, [], leaks.map((c) => `${c.where}: ${c.address} -> ${c.via}`).join("\n"));
    const host = checks.filter((c) => c.where === "host");
    assert.ok(host.every((c) => c.via.includes(`dev ${layout.hostVeth}`)), host.map((c) => c.via).join("\n"));
  });

  it("the apiserver reaches each kubelet by its InternalIP with its client certificate (nodes/proxy)", () => {
    for (const n of layout.nodes) assert.equal(kubectl(RUN, ["get", "--raw", `/api/v1/nodes/${n.name}/proxy/healthz`]).trim(), "ok", n.name);
  });

  it("`cluster exec` runs inside the nodes' network: the kubernetes ClusterIP answers through kube-proxy", () => {
    const r = cluster(RUN, ["exec", "--", "curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", `https://${layout.kubernetesServiceIp}/readyz`]);
    // Anonymous requests are refused (401): an HTTP answer proves the ClusterIP was translated and routed.
    assert.equal(r.out.trim(), "401", `rc ${r.rc} ${r.err}`);
  });
});

describe("a second cluster with a real node on the same host, then down", function () {
  this.timeout(300_000);
  const run = fs.mkdtempSync(path.join(os.tmpdir(), "websvc-cluster-spec-"));
  let layout: Layout | undefined;
  let procs: { pid: number; start: string }[] = [];
  before(function () {
    if (process.getuid?.() !== 0) skipBecause(this, "real nodes need root (namespaces, cgroups, links)");
    if (!fs.existsSync(path.join(os.homedir(), ".cache/websvc/cluster-v1.37.2/bin/kubelet"))) skipBecause(this, "no kubelet built (npm run cluster -- build)");
    fs.rmSync(run, { recursive: true, force: true });
    const up = cluster(run, ["up", "--real-nodes", "1"], 240_000);
    assert.equal(up.rc, 0, up.err.split("\n").slice(-15).join("\n"));
    layout = layoutOf(run);
    procs = (JSON.parse(fs.readFileSync(path.join(run, "nodes", "state.json"), "utf8")) as { procs: { pid: number; start: string }[] }).procs;
  });
  after(() => {
    if (fs.existsSync(path.join(run, "state.env"))) cluster(run, ["down"]);
  });

  it("gets its own slot: ranges, link and cgroup differ from the other cluster's", function () {
    const other = layoutOf(RUN);
    if (!other) skipBecause(this, `no other cluster with real nodes in ${RUN} to compare with`);
    assert.ok(layout);
    assert.notEqual(layout.slot, other.slot);
    assert.notEqual(layout.podCidr, other.podCidr);
    assert.notEqual(layout.serviceCidr, other.serviceCidr);
    assert.notEqual(layout.hostVeth, other.hostVeth);
    assert.notEqual(layout.cgroupParent, other.cgroupParent);
  });

  it("its node turns Ready", () => {
    assert.ok(layout);
    const ready = kubectl(run, ["get", "node", layout.nodes[0].name, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"]);
    assert.equal(ready, "True");
  });

  it("down stops every process, and leaves no cgroup, link, slot or run dir", () => {
    assert.ok(layout && procs.length > 0, "up recorded its processes");
    const d = cluster(run, ["down"]);
    assert.equal(d.rc, 0, d.err);
    // The same process (pid and start time) still running; a zombie waiting for its adopter's reaping is gone.
    assert.deepEqual(procs.filter((p) => procStart(p.pid) === p.start), []);
    assert.deepEqual(cgroupDirs(layout.cgroupParent), []);
    assert.equal(fs.existsSync(`/sys/class/net/${layout.hostVeth}`), false, `link ${layout.hostVeth}`);
    assert.equal(fs.existsSync(`/run/websvc-cluster-slots/${layout.slot}`), false, `slot ${layout.slot}`);
    assert.equal(fs.existsSync(run), false, run);
    const routes = execFileSync("ip", ["route"]).toString();
    assert.ok(!routes.includes(layout.podCidr) && !routes.includes(layout.serviceCidr), routes);
  });
});

// The built image run the way a runtime would start it: its ENTRYPOINT + CMD as its USER, in its
// WorkingDir with its Env, under `buildah run --isolation chroot` (podman/crun cannot run containers
// on this machine). chroot isolation shares the host's network and PID namespaces, so the app binds
// 127.0.0.1 and the stop signal goes to the node process itself (no PID 1 semantics are tested).
import assert from "node:assert/strict";
import { AppProcess, waitUntilListening } from "../app/support/appProcess";
import { assertGracefulDrain } from "../app/support/drain";
import { json, request } from "../app/support/http";
import { findSamples, parseExposition } from "../app/support/promText";
import { builtImageRef, describeImage, inspectImage, SKIP_REASON, WorkingContainer, type OciConfig } from "./support/buildah";
import { findDescendant, idsOf } from "./support/processes";
import { diff, snapshot, type Snapshot } from "./support/rootfs";

const SHUTDOWN_TIMEOUT_SECONDS = 8;

/** The app in a container: logs from `buildah run`'s stdout, signals to the node process itself. */
class ContainerApp extends AppProcess {
  constructor(
    readonly runner: ReturnType<WorkingContainer["spawn"]>,
    private readonly argv: string[],
  ) {
    super(runner);
  }

  get pid(): number {
    const pid = findDescendant(this.runner.pid!, this.argv);
    if (pid === undefined) throw new Error(`no process ${JSON.stringify(this.argv)} below buildah run (pid ${this.runner.pid})`);
    return pid;
  }

  override signal(signal: NodeJS.Signals): void {
    process.kill(this.pid, signal);
  }

  override async stop(): Promise<void> {
    if (this.runner.exitCode !== null || this.runner.signalCode !== null) return;
    try {
      process.kill(this.pid, "SIGKILL");
    } catch {
      this.runner.kill("SIGKILL");
    }
    await this.exited;
  }
}

async function runNoop(container: WorkingContainer, user: string): Promise<void> {
  const run = await container.run(["node", "-e", ""], user);
  assert.equal(run.code, 0, run.stderr);
}

const commandOf = (config: OciConfig) => [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
// /tmp is the one writable path (an emptyDir in the Deployment); the kernel mounts hold nothing in the image.
const notChecked = (rel: string) => /^(tmp|proc|sys|dev)(\/|$)/.test(rel);

describeImage(`built image: run with buildah (chroot isolation) as its USER${SKIP_REASON}`, function () {
  this.timeout(60_000);
  let config: OciConfig;
  let container: WorkingContainer;
  let app: ContainerApp;
  let baseline: Snapshot;
  let footprint: Set<string>;
  const appChanges = (before: Snapshot) => diff(before, snapshot(container.rootfs, notChecked)).filter((change) => !footprint.has(change));

  before(async () => {
    config = inspectImage(builtImageRef()).config;
    container = WorkingContainer.create(builtImageRef());
    // A first run lets buildah create its own mount points (/run, ...) so the baseline holds them;
    // a second no-op run measures what buildah itself changes on every run (its footprint).
    await runNoop(container, config.User!);
    const first = snapshot(container.rootfs, notChecked);
    await runNoop(container, config.User!);
    baseline = snapshot(container.rootfs, notChecked);
    footprint = new Set(diff(first, baseline));
    console.log(`      buildah run's own footprint per run (not the app's): ${[...footprint].join(", ") || "none"}`);
    const runner = container.spawn(commandOf(config), config.User!, {
      HOST: "127.0.0.1", PORT: "0", METRICS_PORT: "0", ENABLE_TEST_ENDPOINTS: "true",
      SHUTDOWN_DELAY_SECONDS: "1", SHUTDOWN_TIMEOUT_SECONDS: String(SHUTDOWN_TIMEOUT_SECONDS),
    });
    app = await waitUntilListening(new ContainerApp(runner, commandOf(config)));
  });
  after(async () => {
    await app?.stop();
    container?.remove();
  });

  it("the ENTRYPOINT process runs with uid and gid 10001", () => {
    assert.deepEqual(idsOf(app.pid), { uid: 10001, gid: 10001 });
  });

  it("/healthz, /readyz and / answer on the http port", async () => {
    assert.deepEqual(json(await request(app.httpPort, "/healthz")), { status: "ok" });
    const readyz = await request(app.httpPort, "/readyz");
    assert.equal(readyz.status, 200);
    assert.deepEqual(json(readyz), { status: "ready" });
    assert.equal((await request(app.httpPort, "/")).status, 200);
  });

  it("/metrics serves the request histogram and process metrics on the metrics port", async () => {
    const res = await request(app.metricsPort, "/metrics");
    assert.equal(res.status, 200);
    const exposition = parseExposition(res.body);
    assert.equal(exposition.types.get("http_request_duration_seconds"), "histogram");
    assert.ok(findSamples(exposition, "http_request_duration_seconds_count", { route: "/healthz", status_code: "200" }).length > 0);
    assert.ok(findSamples(exposition, "process_resident_memory_bytes", {}).length > 0);
  });

  it(`SIGTERM drains: /readyz fails, the in-flight request finishes, clean exit inside SHUTDOWN_TIMEOUT_SECONDS=${SHUTDOWN_TIMEOUT_SECONDS}`, async () => {
    const elapsedMs = await assertGracefulDrain(app, SHUTDOWN_TIMEOUT_SECONDS);
    console.log(`      drained and exited ${elapsedMs} ms after SIGTERM`);
  });

  it("wrote nothing outside /tmp while it served and drained", () => {
    assert.ok(app.runner.exitCode !== null, "the app is still running");
    assert.deepEqual(appChanges(baseline), []);
  });

  it("control: a write by the same user outside /tmp shows in the diff, /tmp is ignored, /app refuses writes", async () => {
    const before = snapshot(container.rootfs, notChecked);
    const probe = await container.run(["node", "-e", `
      const fs = require("fs");
      fs.writeFileSync("/tmp/websvc-probe", "x");
      fs.writeFileSync("/var/tmp/websvc-probe", "x");
      try { fs.writeFileSync("/app/websvc-probe", "x"); console.log("app-writable"); } catch (e) { console.log(e.code); }`], config.User!);
    assert.equal(probe.code, 0, probe.stderr);
    assert.equal(probe.stdout.trim(), "EACCES");
    assert.deepEqual(appChanges(before), ["~ /var/tmp", "+ /var/tmp/websvc-probe"]);
  });
});

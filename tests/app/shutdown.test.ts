import assert from "node:assert/strict";
import { startApp, stopAllApps } from "./support/appProcess";
import { assertGracefulDrain } from "./support/drain";
import { request } from "./support/http";

const withSlowEndpoint = (env: Record<string, string>) => ({ ENABLE_TEST_ENDPOINTS: "true", ...env });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("app graceful shutdown (SIGTERM)", () => {
  afterEach(stopAllApps);

  it("reports not-ready during the drain delay, finishes the in-flight request, refuses new connections, exits 0 within the deadline", async () => {
    const timeoutSeconds = 6;
    const app = await startApp(withSlowEndpoint({ SHUTDOWN_DELAY_SECONDS: "1", SHUTDOWN_TIMEOUT_SECONDS: String(timeoutSeconds) }));
    await assertGracefulDrain(app, timeoutSeconds);
  });

  it("exits 0 promptly when idle and no drain delay is configured", async () => {
    const app = await startApp();
    const signalledAt = Date.now();
    app.signal("SIGTERM");
    assert.deepEqual(await app.exited, { code: 0, signal: null });
    assert.ok(Date.now() - signalledAt < 1000, "idle shutdown took longer than 1s");
  });

  it("closes idle keep-alive connections instead of waiting for them to time out", async () => {
    const app = await startApp();
    // A keep-alive agent leaves an idle socket open after the response.
    const http = await import("node:http");
    const agent = new http.Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      http.get({ host: "127.0.0.1", port: app.httpPort, path: "/", agent }, (res) => res.resume().on("end", resolve)).on("error", reject);
    });
    const signalledAt = Date.now();
    app.signal("SIGTERM");
    assert.deepEqual(await app.exited, { code: 0, signal: null });
    agent.destroy();
    // keepAliveTimeout is 65s; exiting quickly proves the idle socket was closed.
    assert.ok(Date.now() - signalledAt < 2000, "shutdown waited for an idle keep-alive socket");
  });

  it("forces remaining connections closed and exits 1 when the deadline passes", async () => {
    const app = await startApp(withSlowEndpoint({ SHUTDOWN_TIMEOUT_SECONDS: "1" }));
    const inFlight = request(app.httpPort, "/debug/slow?ms=8000").then(
      () => "completed",
      (err: NodeJS.ErrnoException) => err.code,
    );
    await pause(200);
    const signalledAt = Date.now();
    app.signal("SIGTERM");
    const exit = await app.exited;
    const elapsedMs = Date.now() - signalledAt;
    assert.deepEqual(exit, { code: 1, signal: null });
    assert.ok(elapsedMs >= 900 && elapsedMs < 3000, `exited after ${elapsedMs}ms with a 1s deadline`);
    assert.equal(await inFlight, "ECONNRESET");
    assert.ok(app.logs().some((line) => line.level === "error" && line.msg === "shutdown deadline reached, closing remaining connections"));
  });

  it("a second signal during the drain does not restart or skip it", async () => {
    const app = await startApp(withSlowEndpoint({ SHUTDOWN_TIMEOUT_SECONDS: "5" }));
    const inFlight = request(app.httpPort, "/debug/slow?ms=1000");
    await pause(200);
    app.signal("SIGTERM");
    await app.waitForLog((line) => line.msg === "shutdown started");
    app.signal("SIGINT");
    assert.equal((await inFlight).status, 200);
    assert.deepEqual(await app.exited, { code: 0, signal: null });
    assert.equal(app.logs().filter((line) => line.msg === "shutdown started").length, 1);
    assert.ok(app.logs().some((line) => line.msg === "shutdown already in progress" && line.signal === "SIGINT"));
  });
});

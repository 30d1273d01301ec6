// The graceful-drain scenario, shared by the app tests (node on the host) and the image tier (the
// built image under buildah): an in-flight request, the stop signal, readiness failing while
// liveness stays green, listeners closing, the request finishing, a clean exit before the deadline.
// The app must run with ENABLE_TEST_ENDPOINTS=true, SHUTDOWN_DELAY_SECONDS > 0 and the given timeout.
import assert from "node:assert/strict";
import type { AppProcess } from "./appProcess";
import { json, request } from "./http";

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function connectionError(port: number): Promise<string | undefined> {
  return request(port, "/healthz").then(
    () => undefined,
    (err: NodeJS.ErrnoException) => err.code,
  );
}

/** Runs the scenario against a started app; resolves with the ms from signal to exit. */
export async function assertGracefulDrain(app: AppProcess, timeoutSeconds: number, slowMs = 2500): Promise<number> {
  assert.equal((await request(app.httpPort, "/readyz")).status, 200);

  const inFlight = request(app.httpPort, `/debug/slow?ms=${slowMs}`);
  await pause(200); // let the slow request reach the handler
  const signalledAt = Date.now();
  app.signal("SIGTERM");
  await app.waitForLog((line) => line.msg === "shutdown started");

  // Drain delay: still serving, but readiness fails and keep-alive clients are told to leave.
  const readyz = await request(app.httpPort, "/readyz");
  assert.equal(readyz.status, 503);
  assert.deepEqual(json(readyz), { status: "draining" });
  assert.equal(readyz.headers.connection, "close");
  assert.equal((await request(app.httpPort, "/healthz")).status, 200, "liveness must stay green while draining");

  // After the delay the listener is closed while the slow request is still running.
  await app.waitForLog((line) => line.msg === "listeners closed");
  assert.equal(await connectionError(app.httpPort), "ECONNREFUSED");
  assert.equal(await connectionError(app.metricsPort), "ECONNREFUSED");

  const slow = await inFlight;
  assert.equal(slow.status, 200);
  assert.deepEqual(json(slow), { sleptMs: slowMs });

  const exit = await app.exited;
  const elapsedMs = Date.now() - signalledAt;
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.ok(elapsedMs < timeoutSeconds * 1000, `took ${elapsedMs}ms, deadline ${timeoutSeconds}s`);
  assert.ok(app.logs().some((line) => line.msg === "shutdown complete"));
  return elapsedMs;
}

import assert from "node:assert/strict";
import { startApp, stopAllApps, type AppProcess } from "./support/appProcess";
import { json, request } from "./support/http";
import { findSamples, parseExposition } from "./support/promText";

describe("app endpoints", () => {
  let app: AppProcess;

  before(async () => {
    app = await startApp({ APP_NAME: "websvc-under-test", APP_ENVIRONMENT: "test", APP_GREETING: "hi there" });
  });
  after(stopAllApps);

  it("GET / returns a small JSON body built from the APP_* config", async () => {
    const res = await request(app.httpPort, "/");
    assert.equal(res.status, 200);
    assert.match(String(res.headers["content-type"]), /^application\/json/);
    assert.deepEqual(json(res), { service: "websvc-under-test", environment: "test", message: "hi there" });
  });

  it("HEAD / returns 200 with headers and no body", async () => {
    const res = await request(app.httpPort, "/", "HEAD");
    assert.equal(res.status, 200);
    assert.match(String(res.headers["content-type"]), /^application\/json/);
    assert.equal(res.body, "");
  });

  it("GET /healthz is 200 JSON (liveness)", async () => {
    const res = await request(app.httpPort, "/healthz");
    assert.equal(res.status, 200);
    assert.match(String(res.headers["content-type"]), /^application\/json/);
    assert.deepEqual(json(res), { status: "ok" });
  });

  it("GET /readyz is 200 JSON while not draining", async () => {
    const res = await request(app.httpPort, "/readyz");
    assert.equal(res.status, 200);
    assert.match(String(res.headers["content-type"]), /^application\/json/);
    assert.deepEqual(json(res), { status: "ready" });
  });

  it("unknown paths are 404 JSON and other methods are 405 with Allow", async () => {
    const missing = await request(app.httpPort, "/nope");
    assert.equal(missing.status, 404);
    assert.match(String(missing.headers["content-type"]), /^application\/json/);
    const post = await request(app.httpPort, "/", "POST");
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, "GET, HEAD");
  });

  it("the test-only slow endpoint does not exist unless ENABLE_TEST_ENDPOINTS=true", async () => {
    const res = await request(app.httpPort, "/debug/slow?ms=1");
    assert.equal(res.status, 404);
  });

  it("serves /metrics on the metrics port only, and nothing else there", async () => {
    assert.equal((await request(app.httpPort, "/metrics")).status, 404);
    assert.equal((await request(app.metricsPort, "/")).status, 404);
    assert.equal((await request(app.metricsPort, "/healthz")).status, 404);
    const res = await request(app.metricsPort, "/metrics");
    assert.equal(res.status, 200);
    // Prometheus text exposition format 0.0.4.
    assert.match(String(res.headers["content-type"]), /^text\/plain; version=0\.0\.4/);
  });

  it("exposes default process metrics", async () => {
    const exposition = parseExposition((await request(app.metricsPort, "/metrics")).body);
    for (const name of ["process_cpu_user_seconds_total", "process_resident_memory_bytes", "nodejs_heap_size_used_bytes"]) {
      assert.ok(findSamples(exposition, name).length > 0, `missing default metric ${name}`);
    }
  });

  it("records http_request_duration_seconds with method/route/status_code labels after requests", async () => {
    // A separate app keeps the counts exact regardless of the other tests' requests.
    const fresh = await startApp();
    for (let i = 0; i < 3; i++) assert.equal((await request(fresh.httpPort, "/")).status, 200);
    assert.equal((await request(fresh.httpPort, "/does/not/exist")).status, 404);
    await request(fresh.metricsPort, "/metrics");

    const exposition = parseExposition((await request(fresh.metricsPort, "/metrics")).body);
    assert.equal(exposition.types.get("http_request_duration_seconds"), "histogram");
    const rootCount = findSamples(exposition, "http_request_duration_seconds_count", { route: "/" });
    assert.deepEqual(
      rootCount.map((s) => ({ labels: s.labels, value: s.value })),
      [{ labels: { method: "GET", route: "/", status_code: "200" }, value: 3 }],
    );
    // Unknown paths share one bounded route label instead of one series per path.
    const unmatched = findSamples(exposition, "http_request_duration_seconds_count", { status_code: "404" });
    assert.deepEqual(unmatched.map((s) => [s.labels.route, s.value]), [["unmatched", 1]]);
    const infBucket = findSamples(exposition, "http_request_duration_seconds_bucket", { route: "/", le: "+Inf" });
    assert.equal(infBucket[0]?.value, 3);
    // Scrapes of the metrics port are not application traffic.
    assert.equal(findSamples(exposition, "http_request_duration_seconds_count", { route: "/metrics" }).length, 0);
  });
});

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { findFreePort, spawnApp, startApp, stopAllApps, type AppProcess } from "./support/appProcess";
import { request } from "./support/http";

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

async function stopGracefully(app: AppProcess): Promise<void> {
  app.signal("SIGTERM");
  assert.equal((await app.exited).code, 0);
}

describe("app JSON logs", () => {
  afterEach(stopAllApps);

  it("writes one JSON object per stdout line with time, level and msg", async () => {
    const app = await startApp();
    await request(app.httpPort, "/");
    await stopGracefully(app);
    const lines = app.logs(); // throws if any line is not JSON
    assert.ok(lines.length >= 4, `expected startup, request and shutdown lines, got ${lines.length}`);
    for (const line of lines) {
      assert.match(line.time, ISO_8601);
      assert.ok(["debug", "info", "warn", "error"].includes(line.level), `bad level ${line.level}`);
      assert.equal(typeof line.msg, "string");
    }
    assert.equal(app.stderr, "");
  });

  it("logs each request with method, path (without query string), status and duration_ms", async () => {
    const app = await startApp();
    await request(app.httpPort, "/?token=abc123");
    await request(app.httpPort, "/missing");
    await stopGracefully(app);
    const requests = app.logs().filter((line) => line.msg === "request");
    assert.deepEqual(
      requests.map(({ level, method, path, status }) => ({ level, method, path, status })),
      [
        { level: "info", method: "GET", path: "/", status: 200 },
        { level: "info", method: "GET", path: "/missing", status: 404 },
      ],
    );
    for (const line of requests) {
      assert.equal(typeof line.duration_ms, "number");
      assert.ok((line.duration_ms as number) >= 0);
    }
    assert.ok(!app.stdoutLines.join("\n").includes("abc123"), "query string reached the logs");
  });

  it("LOG_LEVEL=debug also logs probe requests; the default (info) does not", async () => {
    const probeLines = async (env: Record<string, string>) => {
      const app = await startApp(env);
      await request(app.httpPort, "/healthz");
      await request(app.httpPort, "/readyz");
      await stopGracefully(app);
      return app.logs().filter((line) => line.msg === "request").map((line) => `${line.level} ${line.path}`);
    };
    assert.deepEqual(await probeLines({ LOG_LEVEL: "debug" }), ["debug /healthz", "debug /readyz"]);
    assert.deepEqual(await probeLines({}), []);
  });

  it("LOG_LEVEL=warn suppresses info lines entirely", async () => {
    // No "listening" line at this level, so the ports are chosen up front.
    const [httpPort, metricsPort] = [await findFreePort(), await findFreePort()];
    const app = spawnApp({ LOG_LEVEL: "warn", PORT: String(httpPort), METRICS_PORT: String(metricsPort) });
    let served = false;
    for (let attempt = 0; attempt < 50 && !served; attempt++) {
      served = await request(httpPort, "/").then((res) => res.status === 200, () => false);
      if (!served) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(served, "app never answered on its port");
    await stopGracefully(app);
    assert.deepEqual(app.logs(), []);
  });

  it("rejects an invalid LOG_LEVEL with one JSON error line and exit code 2", async () => {
    const app = spawnApp({ LOG_LEVEL: "verbose" });
    const exit = await app.exited;
    assert.equal(exit.code, 2);
    const [line, ...rest] = app.logs();
    assert.deepEqual(rest, []);
    assert.equal(line.level, "error");
    assert.equal(line.msg, "invalid configuration");
    assert.match(String(line.error), /LOG_LEVEL/);
  });

  it("never writes secret env values to stdout, stderr or responses", async () => {
    const secrets = { SESSION_SECRET: randomBytes(24).toString("hex"), DATABASE_PASSWORD: randomBytes(24).toString("hex") };
    const app = await startApp({ ...secrets, LOG_LEVEL: "debug", APP_GREETING: "hello" });
    const bodies: string[] = [];
    for (const path of ["/", "/healthz", "/readyz", `/?q=${secrets.SESSION_SECRET}`, "/nope"]) {
      bodies.push((await request(app.httpPort, path)).body);
    }
    bodies.push((await request(app.metricsPort, "/metrics")).body);
    await stopGracefully(app);
    const everything = [app.stdoutLines.join("\n"), app.stderr, ...bodies].join("\n");
    for (const [name, value] of Object.entries(secrets)) {
      assert.ok(!everything.includes(value), `${name}'s value leaked`);
    }
  });
});

describe("app configuration errors", () => {
  afterEach(stopAllApps);

  const invalid: Array<[string, Record<string, string>, RegExp]> = [
    ["a non-numeric PORT", { PORT: "http" }, /PORT/],
    ["an out-of-range METRICS_PORT", { METRICS_PORT: "70000" }, /METRICS_PORT/],
    ["the same PORT and METRICS_PORT", { PORT: "18080", METRICS_PORT: "18080" }, /must differ/],
    ["a drain delay not shorter than the timeout", { SHUTDOWN_DELAY_SECONDS: "5", SHUTDOWN_TIMEOUT_SECONDS: "5" }, /SHUTDOWN_DELAY_SECONDS/],
    ["a non-numeric SHUTDOWN_TIMEOUT_SECONDS", { SHUTDOWN_TIMEOUT_SECONDS: "soon" }, /SHUTDOWN_TIMEOUT_SECONDS/],
  ];
  for (const [what, env, message] of invalid) {
    it(`exits 2 with a JSON error for ${what}`, async () => {
      const app = spawnApp(env);
      assert.equal((await app.exited).code, 2);
      const errors = app.logs().filter((line) => line.level === "error");
      assert.equal(errors.length, 1);
      assert.match(String(errors[0].error), message);
    });
  }
});

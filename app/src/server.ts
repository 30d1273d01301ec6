// HTTP servers and lifecycle: the application port (/, /healthz, /readyz) and a separate
// metrics port (/metrics) so a NetworkPolicy can open metrics to Prometheus only.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { AppConfig } from "./config";
import type { Logger } from "./logger";
import { createMetrics, normaliseMethod, type AppMetrics } from "./metrics";

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => void | Promise<void>;

const JSON_CONTENT_TYPE = "application/json; charset=utf-8";
const ALLOWED_METHODS = "GET, HEAD";
// Route label for paths that match no handler: keeps the histogram's cardinality bounded.
const UNMATCHED_ROUTE = "unmatched";
const MAX_TEST_DELAY_MS = 10_000;

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": JSON_CONTENT_TYPE, "Content-Length": Buffer.byteLength(payload) });
  res.end(payload);
}

function parseUrl(req: http.IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? "/", "http://localhost");
  } catch {
    return undefined;
  }
}

function listen(server: http.Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface RunningApp {
  appAddress: AddressInfo;
  metricsAddress: AddressInfo;
  /** Drains and stops both servers; resolves with the exit code the process should use. */
  shutdown(signal: string): Promise<number>;
}

export async function startApp(config: AppConfig, logger: Logger): Promise<RunningApp> {
  const metrics: AppMetrics = createMetrics();
  let draining = false;

  const routes = new Map<string, Handler>([
    [
      "/",
      (_req, res) =>
        sendJson(res, 200, {
          service: config.app.name ?? "websvc",
          environment: config.app.environment ?? "unknown",
          message: config.app.greeting ?? "hello",
        }),
    ],
    // Liveness stays green while draining: restarting a pod that is shutting down cleanly helps nobody.
    ["/healthz", (_req, res) => sendJson(res, 200, { status: "ok" })],
    ["/readyz", (_req, res) => sendJson(res, draining ? 503 : 200, { status: draining ? "draining" : "ready" })],
  ]);
  if (config.testEndpointsEnabled) {
    // Holds a request open for ?ms=N so tests can prove in-flight requests survive a drain.
    routes.set("/debug/slow", async (_req, res, url) => {
      const ms = Math.min(Number(url.searchParams.get("ms")) || 0, MAX_TEST_DELAY_MS);
      await sleep(ms);
      sendJson(res, 200, { sleptMs: ms });
    });
  }

  const appServer = http.createServer((req, res) => {
    const started = process.hrtime.bigint();
    const url = parseUrl(req);
    const handler = url ? routes.get(url.pathname) : undefined;
    const route = handler && url ? url.pathname : UNMATCHED_ROUTE;

    res.once("close", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const statusCode = String(res.statusCode);
      metrics.requestDuration.observe({ method: normaliseMethod(req.method), route, status_code: statusCode }, seconds);
      // Probe traffic is logged at debug so it does not drown the access log at info.
      const log = route === "/healthz" || route === "/readyz" ? logger.debug : logger.info;
      log("request", {
        method: req.method,
        // Path only: query strings can carry tokens and must not reach the logs.
        path: url?.pathname ?? "(invalid)",
        status: res.statusCode,
        duration_ms: Math.round(seconds * 1e6) / 1e3,
        aborted: res.writableFinished ? undefined : true,
      });
    });

    // While draining, tell keep-alive clients to reconnect (to another pod) after this response.
    if (draining) res.setHeader("Connection", "close");
    if (!url) return sendJson(res, 400, { error: "bad request" });
    if (!handler) return sendJson(res, 404, { error: "not found" });
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("Allow", ALLOWED_METHODS);
      return sendJson(res, 405, { error: "method not allowed" });
    }
    Promise.resolve(handler(req, res, url)).catch((err: unknown) => {
      logger.error("handler failed", { route, error: err instanceof Error ? err.message : String(err) });
      if (!res.headersSent) sendJson(res, 500, { error: "internal error" });
      else res.destroy();
    });
  });
  // Longer than ingress-nginx's 60s upstream keep-alive, so the proxy (not the app) closes
  // idle connections and never reuses one the app has just closed (a classic source of 502s).
  appServer.keepAliveTimeout = 65_000;
  appServer.headersTimeout = 66_000;
  appServer.requestTimeout = 30_000;

  const metricsServer = http.createServer((req, res) => {
    const url = parseUrl(req);
    if (url?.pathname !== "/metrics") return sendJson(res, 404, { error: "not found" });
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("Allow", ALLOWED_METHODS);
      return sendJson(res, 405, { error: "method not allowed" });
    }
    metrics.registry.metrics().then(
      (text) => {
        res.writeHead(200, { "Content-Type": metrics.registry.contentType });
        res.end(text);
      },
      (err: unknown) => {
        logger.error("metrics collection failed", { error: err instanceof Error ? err.message : String(err) });
        sendJson(res, 500, { error: "internal error" });
      },
    );
  });

  const appAddress = await listen(appServer, config.port, config.host);
  const metricsAddress = await listen(metricsServer, config.metricsPort, config.host);

  let shutdownResult: Promise<number> | undefined;
  const shutdown = (signal: string): Promise<number> => {
    if (shutdownResult) {
      logger.warn("shutdown already in progress", { signal });
      return shutdownResult;
    }
    draining = true;
    logger.info("shutdown started", {
      signal,
      delay_seconds: config.shutdownDelaySeconds,
      timeout_seconds: config.shutdownTimeoutSeconds,
    });
    const drained = (async (): Promise<number> => {
      // Keep serving while /readyz reports 503 so endpoints and load balancers stop
      // routing here before the listener goes away.
      await sleep(config.shutdownDelaySeconds * 1000);
      // server.close() stops accepting at once, closes idle keep-alive sockets and waits for
      // in-flight requests. Log after calling it, so "listeners closed" is true when read.
      const closing = Promise.all([close(appServer), close(metricsServer)]);
      logger.info("listeners closed");
      await closing;
      logger.info("shutdown complete");
      return 0;
    })();
    const deadline = new Promise<number>((resolve) => {
      const timer = setTimeout(() => {
        logger.error("shutdown deadline reached, closing remaining connections", {
          timeout_seconds: config.shutdownTimeoutSeconds,
        });
        appServer.closeAllConnections();
        metricsServer.closeAllConnections();
        resolve(1);
      }, config.shutdownTimeoutSeconds * 1000);
      // A clean drain must not wait for this timer.
      void drained.then(() => clearTimeout(timer));
    });
    shutdownResult = Promise.race([drained, deadline]);
    return shutdownResult;
  };

  return { appAddress, metricsAddress, shutdown };
}

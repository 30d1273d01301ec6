// Prometheus metrics on a private registry (not prom-client's global one), so tests and
// a future second server instance never see each other's series.
import { collectDefaultMetrics, Histogram, Registry } from "prom-client";

export interface AppMetrics {
  registry: Registry;
  requestDuration: Histogram<"method" | "route" | "status_code">;
}

// Methods outside this set collapse to "OTHER" to keep label cardinality bounded.
const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

export function normaliseMethod(method: string | undefined): string {
  const upper = (method ?? "").toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : "OTHER";
}

export function createMetrics(): AppMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requestDuration = new Histogram({
    name: "http_request_duration_seconds",
    help: "Duration of HTTP requests served on the application port, in seconds",
    labelNames: ["method", "route", "status_code"] as const,
    // Web-latency buckets from 5ms to 10s; SLO thresholds (0.25s, 0.5s, 1s) are bucket edges.
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return { registry, requestDuration };
}

// Typed runtime configuration read once from the environment.
// Non-secret settings arrive as APP_* variables from a ConfigMap; secrets arrive as other
// env vars (secretKeyRef) and are deliberately never read into this object, so nothing
// that logs or serialises the config can leak them.

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface AppConfig {
  host: string;
  port: number;
  metricsPort: number;
  logLevel: LogLevel;
  /** Seconds from SIGTERM until the process must have exited. */
  shutdownTimeoutSeconds: number;
  /** Seconds to keep serving (while /readyz says 503) before closing the listener. */
  shutdownDelaySeconds: number;
  /** Enables GET /debug/slow, used only by tests to hold a request open during drain. */
  testEndpointsEnabled: boolean;
  /** All APP_* variables, keyed by their name without the prefix, lower-cased. */
  app: Record<string, string>;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

const APP_PREFIX = "APP_";

function readPort(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  // 0 is allowed on purpose: the OS picks a free port (tests read it from the startup log).
  if (!/^\d+$/.test(raw) || Number(raw) > 65535) {
    throw new ConfigError(`${name} must be an integer port 0-65535, got "${raw}"`);
  }
  return Number(raw);
}

function readSeconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || !Number.isFinite(value)) {
    throw new ConfigError(`${name} must be a non-negative number of seconds, got "${raw}"`);
  }
  return value;
}

function readLogLevel(env: NodeJS.ProcessEnv): LogLevel {
  const raw = (env.LOG_LEVEL ?? "info").trim().toLowerCase();
  const level = LOG_LEVELS.find((candidate) => candidate === raw);
  if (!level) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got "${env.LOG_LEVEL}"`);
  }
  return level;
}

function readAppSettings(env: NodeJS.ProcessEnv): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith(APP_PREFIX) && value !== undefined) {
      settings[name.slice(APP_PREFIX.length).toLowerCase()] = value;
    }
  }
  return settings;
}

export function loadConfig(env: NodeJS.ProcessEnv): AppConfig {
  const config: AppConfig = {
    host: env.HOST || "0.0.0.0",
    port: readPort(env, "PORT", 8080),
    metricsPort: readPort(env, "METRICS_PORT", 9090),
    logLevel: readLogLevel(env),
    // 25s leaves headroom inside Kubernetes' default terminationGracePeriodSeconds (30s).
    shutdownTimeoutSeconds: readSeconds(env, "SHUTDOWN_TIMEOUT_SECONDS", 25),
    shutdownDelaySeconds: readSeconds(env, "SHUTDOWN_DELAY_SECONDS", 0),
    testEndpointsEnabled: env.ENABLE_TEST_ENDPOINTS === "true",
    app: readAppSettings(env),
  };
  if (config.port !== 0 && config.port === config.metricsPort) {
    throw new ConfigError(`PORT and METRICS_PORT must differ (both are ${config.port})`);
  }
  if (config.shutdownTimeoutSeconds <= 0) {
    throw new ConfigError("SHUTDOWN_TIMEOUT_SECONDS must be greater than 0");
  }
  if (config.shutdownDelaySeconds >= config.shutdownTimeoutSeconds) {
    throw new ConfigError(
      `SHUTDOWN_DELAY_SECONDS (${config.shutdownDelaySeconds}) must be less than SHUTDOWN_TIMEOUT_SECONDS (${config.shutdownTimeoutSeconds})`,
    );
  }
  return config;
}

// Process entry point: config from env, start servers, drain on SIGTERM/SIGINT.
// Runs directly as PID 1 in the container (no npm wrapper), so the signal reaches this handler.
import { ConfigError, loadConfig, type AppConfig } from "./config";
import { createLogger, type Logger } from "./logger";
import { startApp } from "./server";

function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    // LOG_LEVEL itself may be the invalid value, so report with a default logger.
    createLogger("info").error("invalid configuration", { error: describeError(err) });
    process.exit(err instanceof ConfigError ? 2 : 1);
  }
  const logger: Logger = createLogger(config.logLevel);

  process.on("uncaughtException", (err) => {
    logger.error("uncaught exception", { error: describeError(err) });
    process.exit(1);
  });

  const app = await startApp(config, logger);
  // Handlers go in before "listening" is logged: anything that reacts to that line may signal at once.
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => {
      void app.shutdown(signal).then((code) => process.exit(code));
    });
  }
  logger.info("listening", {
    host: config.host,
    http_port: app.appAddress.port,
    metrics_port: app.metricsAddress.port,
    log_level: config.logLevel,
    // Names only: values come from a ConfigMap, but logs are a bad place to copy config to.
    app_settings: Object.keys(config.app).sort().join(","),
  });
}

main().catch((err: unknown) => {
  createLogger("info").error("startup failed", { error: describeError(err) });
  process.exit(1);
});

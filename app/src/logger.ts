// One JSON object per line on stdout, so the cluster's log collector needs no parsing rules.
import { LOG_LEVELS, type LogLevel } from "./config";

export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

type Sink = (line: string) => void;

const writeStdout: Sink = (line) => {
  // stdout to a pipe or file is synchronous on Linux, so lines written right before
  // process.exit() are not lost.
  process.stdout.write(line + "\n");
};

export function createLogger(minLevel: LogLevel, sink: Sink = writeStdout): Logger {
  const threshold = LOG_LEVELS.indexOf(minLevel);
  const log = (level: LogLevel, msg: string, fields: LogFields = {}): void => {
    if (LOG_LEVELS.indexOf(level) < threshold) return;
    const fixed = { time: new Date().toISOString(), level, msg };
    // Fixed keys first for readability, and re-applied last so a field can never overwrite them.
    sink(JSON.stringify(Object.assign({}, fixed, fields, fixed)));
  };
  return {
    debug: (msg, fields) => log("debug", msg, fields),
    info: (msg, fields) => log("info", msg, fields),
    warn: (msg, fields) => log("warn", msg, fields),
    error: (msg, fields) => log("error", msg, fields),
  };
}

// Runs the compiled app (app/dist/main.js) as a child process on 127.0.0.1, the way the
// container runs it (plain `node dist/main.js`), and exposes its parsed JSON log lines.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import net from "node:net";
import path from "node:path";

export const APP_DIR = path.resolve(__dirname, "..", "..", "..", "app");
const ENTRY = path.join(APP_DIR, "dist", "main.js");
const STARTUP_TIMEOUT_MS = 10_000;

export interface LogLine {
  time: string;
  level: string;
  msg: string;
  [field: string]: unknown;
}

let built = false;

/** True when dist/main.js is newer than every source file and the tsconfig (a rebuild would change nothing). */
function distIsFresh(): boolean {
  if (!existsSync(ENTRY)) return false;
  const srcDir = path.join(APP_DIR, "src");
  const inputs = [path.join(APP_DIR, "tsconfig.json"), ...readdirSync(srcDir).map((file) => path.join(srcDir, file))];
  const builtAt = statSync(ENTRY).mtimeMs;
  return inputs.every((input) => statSync(input).mtimeMs <= builtAt);
}

/** Compiles app/ with its own TypeScript (installed by `npm ci --prefix app`), once per test run. */
export function buildAppOnce(): void {
  if (built || distIsFresh()) return;
  const tsc = path.join(APP_DIR, "node_modules", "typescript", "bin", "tsc");
  if (!existsSync(tsc)) {
    throw new Error(`app dependencies are missing: run \`npm ci --prefix app\` first (looked for ${tsc})`);
  }
  execFileSync(process.execPath, [tsc, "-p", path.join(APP_DIR, "tsconfig.json")], { stdio: "inherit" });
  built = true;
}

/** A port that was free a moment ago; only for tests that cannot read the port from the startup log. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface ExitResult {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class AppProcess {
  readonly stdoutLines: string[] = [];
  stderr = "";
  httpPort = 0;
  metricsPort = 0;
  readonly exited: Promise<ExitResult>;
  private readonly lineWaiters: Array<() => void> = [];

  constructor(readonly child: ChildProcess) {
    let partial = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      const pieces = (partial + chunk).split("\n");
      partial = pieces.pop() ?? "";
      this.stdoutLines.push(...pieces.filter((line) => line !== ""));
      this.lineWaiters.splice(0).forEach((wake) => wake());
    });
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.lineWaiters.splice(0).forEach((wake) => wake());
        resolve({ code, signal });
      });
    });
  }

  /** Every stdout line parsed as JSON; throws (failing the test) on a line that is not JSON. */
  logs(): LogLine[] {
    return this.stdoutLines.map((line) => {
      try {
        return JSON.parse(line) as LogLine;
      } catch {
        throw new Error(`stdout line is not JSON: ${line}`);
      }
    });
  }

  /** Resolves with the first log line matching `predicate`, or rejects after `timeoutMs`. */
  async waitForLog(predicate: (line: LogLine) => boolean, timeoutMs = STARTUP_TIMEOUT_MS): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    for (;;) {
      const found = this.logs().find(predicate);
      if (found) return found;
      if (exited) throw new Error(`app exited before the expected log line; stdout:\n${this.stdoutLines.join("\n")}\nstderr:\n${this.stderr}`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out waiting for log line; stdout:\n${this.stdoutLines.join("\n")}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(remaining, 100));
        this.lineWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Kills the process if a test left it running. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill("SIGKILL");
      await this.exited;
    }
  }
}

const running = new Set<AppProcess>();

/**
 * Spawns the app with a minimal environment (nothing inherited but PATH) plus `env`.
 * By default PORT and METRICS_PORT are 0 and the bound ports are read from the "listening" log line.
 */
export function spawnApp(env: Record<string, string> = {}): AppProcess {
  buildAppOnce();
  const child = spawn(process.execPath, [ENTRY], {
    cwd: APP_DIR,
    env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: "0", METRICS_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const app = new AppProcess(child);
  running.add(app);
  void app.exited.then(() => running.delete(app));
  return app;
}

/** Waits until the app logs that it is listening, and records the ports it bound. */
export async function waitUntilListening<T extends AppProcess>(app: T): Promise<T> {
  const listening = await app.waitForLog((line) => line.msg === "listening");
  app.httpPort = Number(listening.http_port);
  app.metricsPort = Number(listening.metrics_port);
  return app;
}

/** Spawns the app and waits until it logs that it is listening. */
export function startApp(env: Record<string, string> = {}): Promise<AppProcess> {
  return waitUntilListening(spawnApp(env));
}

export async function stopAllApps(): Promise<void> {
  await Promise.all([...running].map((app) => app.stop()));
}

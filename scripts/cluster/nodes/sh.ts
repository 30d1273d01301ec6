// Running commands: synchronous for quick host tools (ip, openssl, kubectl), detached for the long-lived
// processes of a node (their pid and start time are recorded, so `down` stops exactly them).
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";

export class CommandError extends Error {}

/** Runs a command, returns its stdout; a failure names the command and quotes its stderr. */
export function run(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): string {
  try {
    return execFileSync(cmd, args, {
      input: opts.input,
      env: opts.env ?? process.env,
      timeout: opts.timeoutMs ?? 60_000,
      stdio: ["pipe", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
    }).toString();
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    const stderr = err.stderr?.toString().trim().split("\n").slice(-5).join("\n") ?? "";
    throw new CommandError(`${cmd} ${args.join(" ")} failed: ${stderr || err.message}`);
  }
}

/** The same, asynchronously (for steps that run on every node at once). */
export function runAsync(cmd: string, args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: opts.env ?? process.env });
    let out = "";
    let errText = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (errText += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new CommandError(`${cmd} ${args.join(" ")} exited ${code}: ${errText.trim().split("\n").slice(-5).join("\n")}`));
    });
  });
}

/** The fields of /proc/<pid>/stat after "pid (comm)", from field 3 (state) on: comm may hold spaces and
 * parentheses, so the split is after the last ')'. Undefined when the process is gone. */
export function procStatFields(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat: the start time that makes a pid ours (pids are reused). A zombie
 * (exited, not yet reaped by whoever adopted it) counts as gone. */
export function procStart(pid: number): string | undefined {
  const fields = procStatFields(pid);
  return fields === undefined || fields[0] === "Z" ? undefined : fields[19];
}

export interface Proc {
  name: string;
  pid: number;
  start: string;
  log: string;
}

export function alive(p: Proc): boolean {
  return procStart(p.pid) === p.start;
}

/** Starts a detached process in its own session, output to its log file. */
export function startDetached(name: string, cmd: string, args: string[], log: string, env?: NodeJS.ProcessEnv): Proc {
  const fd = fs.openSync(log, "a");
  const child = spawn(cmd, args, { detached: true, stdio: ["ignore", fd, fd], env: env ?? process.env });
  fs.closeSync(fd);
  child.unref();
  if (child.pid === undefined) throw new CommandError(`${name}: could not start ${cmd}`);
  const start = procStart(child.pid);
  if (start === undefined) throw new CommandError(`${name}: ${cmd} exited at once; log ${log}:\n${tail(log)}`);
  return { name, pid: child.pid, start, log };
}

export function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every `everyMs` until it is true, or throws `what` after `seconds`. */
export async function waitFor(seconds: number, what: string, check: () => boolean | Promise<boolean>, everyMs = 100): Promise<void> {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > until) throw new CommandError(`${what}: not within ${seconds} s`);
    await sleep(everyMs);
  }
}

// What the nodes share: the hub namespace (its holder), the forwarders to the apiserver and the registry,
// and the registry itself (distribution v3, on loopback, storage in the run dir).
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { createCgroup, joinScript } from "./cgroups";
import { Layout } from "./layout";
import { setUpHub } from "./net";
import { Proc, startDetached, waitFor } from "./sh";

const INFRA = (l: Layout) => `${l.cgroupParent}/infra`;

function inInfra(l: Layout, name: string, logs: string, cmd: string[], env?: NodeJS.ProcessEnv): Proc {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return startDetached(name, "sh", ["-c", `${joinScript(INFRA(l))} && exec ${cmd.map(q).join(" ")}`], path.join(logs, `${name}.log`), env);
}

export async function startHub(l: Layout, logs: string, record: (p: Proc) => void): Promise<Proc> {
  createCgroup(INFRA(l));
  const hub = inInfra(l, "hub", logs, ["unshare", "--net", "--", "sleep", "infinity"]);
  record(hub);
  const own = fs.readlinkSync("/proc/self/ns/net");
  await waitFor(5, "the hub namespace", () => fs.readlinkSync(`/proc/${hub.pid}/ns/net`) !== own, 10);
  setUpHub(l, hub.pid);
  return hub;
}

export function registryConfig(l: Layout, port: number): string {
  return `version: 0.1
log:
  level: warn
  accesslog: {disabled: true}
storage:
  filesystem: {rootdirectory: ${path.join(l.run, "registry")}}
  delete: {enabled: true}
http:
  addr: 127.0.0.1:${port}
  secret: ${crypto.randomBytes(16).toString("hex")}
  debug: {addr: ""}
`;
}

export async function startRegistryAndForwarders(l: Layout, opts: { registryBin: string; registryPort: number; apiserverPort: number; root: string; logs: string; record: (p: Proc) => void }): Promise<void> {
  const cfg = path.join(l.dir, "registry.yaml");
  fs.writeFileSync(cfg, registryConfig(l, opts.registryPort), { mode: 0o600 });
  // Telemetry stays off: no exporter may try to reach anything.
  const env = { ...process.env, OTEL_SDK_DISABLED: "true", OTEL_TRACES_EXPORTER: "none", OTEL_METRICS_EXPORTER: "none", OTEL_LOGS_EXPORTER: "none" };
  opts.record(inInfra(l, "registry", opts.logs, [opts.registryBin, "serve", cfg], env));
  opts.record(inInfra(l, "forwarder", opts.logs, [
    process.execPath, "-r", path.join(opts.root, "node_modules/ts-node/register/transpile-only"), path.join(__dirname, "forwarder.ts"),
    `${l.hostAddr}:${l.apiserverProxyPort}=127.0.0.1:${opts.apiserverPort}`,
    `${l.hostAddr}:${l.registryProxyPort}=127.0.0.1:${opts.registryPort}`,
  ]));
  await waitFor(15, `the registry on 127.0.0.1:${opts.registryPort} (log ${opts.logs}/registry.log)`, async () => (await fetch(`http://127.0.0.1:${opts.registryPort}/v2/`)).ok);
  await waitFor(15, `the forwarders on ${l.hostAddr} (log ${opts.logs}/forwarder.log)`, async () => (await fetch(`http://${l.hostAddr}:${l.registryProxyPort}/v2/`)).ok);
}

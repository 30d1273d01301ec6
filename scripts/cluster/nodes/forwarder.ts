// TCP forwarder (a long-lived process started by `up`): the node namespaces reach the apiserver and the
// registry, which listen on host loopback only, through the host end of the hub link.
// Usage: forwarder.ts <listen-host:port>=<target-host:port>...
import * as net from "net";

for (const spec of process.argv.slice(2)) {
  const m = /^([\d.]+):(\d+)=([\d.]+):(\d+)$/.exec(spec);
  if (!m) throw new Error(`forwarder: bad mapping ${spec} (want a.b.c.d:port=a.b.c.d:port)`);
  const [, lh, lp, th, tp] = m;
  const server = net.createServer((c) => {
    const up = net.connect(Number(tp), th);
    c.pipe(up).pipe(c);
    const end = () => {
      c.destroy();
      up.destroy();
    };
    c.on("error", end);
    up.on("error", end);
    c.on("close", end);
    up.on("close", end);
  });
  server.on("error", (e) => {
    console.error(`forwarder ${spec}: ${e.message}`);
    process.exit(1);
  });
  server.listen(Number(lp), lh, () => console.log(`forwarder: ${lh}:${lp} -> ${th}:${tp}`));
}

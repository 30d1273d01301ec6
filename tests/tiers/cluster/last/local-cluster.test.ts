// The local cluster's own lifecycle (scripts/cluster.sh), last in the tier because it stops the
// cluster: a second `up` reuses the running one, and `down` stops exactly its processes. Runs only
// when KUBECONFIG belongs to a cluster of scripts/cluster.sh and TIER_CLUSTER_LIFECYCLE=1 says the
// tier may stop it (.ci/run sets it for the cluster it started); otherwise it skips and says so.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { note, ROOT, run, skipUnlessProvisioned, tail } from "../../lib/tier";

describe("cluster: the local cluster's lifecycle (scripts/cluster.sh)", function () {
    this.timeout(300_000);
    let runDir: string;
    const cluster = (command: string) => run("bash", [path.join(ROOT, "scripts/cluster.sh"), command], { env: { ...process.env, WEBSVC_CLUSTER_DIR: runDir } });

    before(function () {
        runDir = path.dirname(process.env.KUBECONFIG ?? "/nonexistent/kubeconfig");
        const missing = [];
        if (!fs.existsSync(path.join(runDir, "state.env"))) {
            missing.push({ what: `KUBECONFIG (${process.env.KUBECONFIG ?? "unset"}) is not a cluster of scripts/cluster.sh`, provide: "`eval \"$(npm run --silent cluster -- up)\"`" });
        } else if (process.env.TIER_CLUSTER_LIFECYCLE !== "1") {
            missing.push({ what: "TIER_CLUSTER_LIFECYCLE is not 1, so the tier leaves the local cluster running", provide: "set it to let the tier check `up` again and `down`" });
        }
        skipUnlessProvisioned(this, "cluster", missing);
    });

    it("a second `up` reuses the running cluster", async () => {
        const before = await cluster("env");
        assert.equal(before.code, 0, before.output);
        const again = await cluster("up");
        assert.equal(again.code, 0, tail(again.output));
        assert.match(again.output, /reusing the running cluster/, tail(again.output));
        for (const line of before.output.split("\n").filter((l) => l.startsWith("export "))) assert.ok(again.output.includes(line), `\`up\` printed a different ${line.split("=")[0]}`);
    });

    it("`down` stops exactly its processes and removes the run directory", async () => {
        const pids = [...fs.readFileSync(path.join(runDir, "state.env"), "utf8").matchAll(/^PID_[a-z-]+=(\d+)$/gm)].map((m) => Number(m[1]));
        assert.ok(pids.length > 0, "no pids in state.env");
        const down = await cluster("down");
        assert.equal(down.code, 0, tail(down.output));
        const alive = pids.filter((pid) => fs.existsSync(`/proc/${pid}`));
        assert.deepEqual(alive, [], "processes left after `down`");
        assert.ok(!fs.existsSync(runDir), `${runDir} still exists`);
        assert.notEqual((await cluster("status")).code, 0, "`status` still reports a cluster");
        note(`\`down\` stopped its ${pids.length} processes and removed ${runDir}`);
    });
});

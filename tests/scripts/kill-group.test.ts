// The deploy-safety tier's fault kill (tests/tiers/lib/safety-engine.ts killGroup): the CLI's process
// group and every process below it, including those in groups of their own, as the engine starts its plugins.
import { strict as assert } from "assert";
import { spawn } from "child_process";
import { procStart } from "../../scripts/cluster/nodes/sh";
import { killGroup } from "../tiers/lib/safety-engine";

/** Running: neither gone nor a zombie. */
const alive = (pid: number) => procStart(pid) !== undefined;

describe("killGroup (the deploy-safety tier's SIGKILL of a CLI and its plugins)", function () {
    this.timeout(15_000);
    it("kills a child that moved to a process group of its own, not only the CLI's group", async () => {
        // A stand-in CLI in its own group (as the tier starts it) whose "plugin" leaves for a new session, as plugins do.
        const cli = spawn("bash", ["-c", "setsid sleep 30 & echo $!; sleep 30"], { detached: true, stdio: ["ignore", "pipe", "ignore"] });
        const plugin = await new Promise<number>((resolve) => cli.stdout!.once("data", (d) => resolve(Number(String(d).trim()))));
        await new Promise((r) => setTimeout(r, 100)); // let setsid exec sleep
        assert.ok(alive(plugin), "the plugin stand-in runs");
        killGroup(cli);
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(alive(cli.pid!), false, "the CLI");
        assert.equal(alive(plugin), false, "the plugin in its own group outlived the kill");
    });
});

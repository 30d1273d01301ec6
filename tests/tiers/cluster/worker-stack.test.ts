// A second consumer beside the service: examples/worker-stack deploys with the pack installed as a
// package (node_modules/@websvc/k8s-policy-pack) and its staging config.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { Stack } from "@pulumi/pulumi/automation";
import YAML from "yaml";
import { copyProgram, describeChanges, describeViolations, Engine, EngineEvents, engineMissing, initStack, prepareEngine } from "../lib/engine";
import { clusterMissing, kubectl } from "../lib/kube";
import { Lifecycle, note, ROOT, skipUnlessProvisioned } from "../lib/tier";

const SOURCE = path.join(ROOT, "examples/worker-stack");
const PACK = path.join(SOURCE, "node_modules/@websvc/k8s-policy-pack");

describe("cluster: reuse (examples/worker-stack)", function () {
    this.timeout(600_000);
    let engine: Engine;
    let stack: Stack;
    let dir: string;
    const steps = new Lifecycle("worker-stack");

    before(async function () {
        skipUnlessProvisioned(this, "cluster", [...engineMissing(), ...clusterMissing()]);
        if (!fs.existsSync(PACK)) {
            skipUnlessProvisioned(this, "cluster", [{ what: "examples/worker-stack is not installed", provide: "run `npm run test:example` first: it installs the pack as a package" }]);
        }
        engine = await prepareEngine("cluster");
        dir = path.join(engine.work, "worker-stack");
        copyProgram(engine, SOURCE, dir);
        // The package's node_modules is the example's own installed tree (with the pack in it).
        stack = await initStack(engine, dir, "staging");
    });

    steps.it("deployed beside the service with the pack as a package: queue-worker rolled out, CronJob live", async () => {
        const events = new EngineEvents();
        const result = await stack.up({ policyPacks: [PACK], policyPackConfigs: [path.join(PACK, "config/staging.json")], onEvent: events.onEvent });
        assert.deepEqual(events.violations("mandatory"), [], describeViolations(events));
        const ns = YAML.parse(fs.readFileSync(path.join(dir, "Pulumi.staging.yaml"), "utf8")).config["worker-stack:namespace"];
        kubectl(["-n", ns, "rollout", "status", "deployment/queue-worker", "--timeout", "60s"]);
        assert.notEqual(kubectl(["-n", ns, "get", "cronjob", "-o", "name"]).trim(), "", `no CronJob in ${ns}`);
        note(describeChanges(result.summary.resourceChanges ?? {}));
    }, { required: true });

    steps.it("destroyed", async () => {
        await stack.destroy();
    });
});

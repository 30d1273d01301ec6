// The privileged variant (scripts/fixtures/bad-stack without renderDir: the ambient KUBECONFIG) is
// blocked by the pack's mandatory policies, read from the engine's policy events, and creates nothing.
import { strict as assert } from "assert";
import { Stack } from "@pulumi/pulumi/automation";
import { commandText, describeViolations, Engine, EngineEvents, engineMissing, fixtureStack, packOptions, prepareEngine, tail } from "../lib/engine";
import { clusterMissing, exists, kubectl } from "../lib/kube";
import { note, skipUnlessProvisioned } from "../lib/tier";

describe("cluster: bad variant", function () {
    this.timeout(600_000);
    let engine: Engine;
    let stack: Stack;

    before(async function () {
        skipUnlessProvisioned(this, "cluster", [...engineMissing(), ...clusterMissing()]);
        engine = await prepareEngine("cluster");
        stack = await fixtureStack(engine, "bad");
    });

    it("`pulumi up` of a privileged root Pod is BLOCKED by the pack; nothing is created in the cluster", async () => {
        const events = new EngineEvents();
        const error = await stack.up({ ...packOptions(engine), onEvent: events.onEvent }).then(() => undefined, (e: unknown) => e);
        assert.ok(error, "`pulumi up` of a privileged root Pod passed the pack");
        const mandatory = events.violations("mandatory");
        assert.ok(mandatory.some((v) => /privileged/i.test(`${v.policyName} ${v.message}`)),
            `up failed, but not with a mandatory violation about privileged containers:\n${describeViolations(events)}\n${tail(commandText(error))}`);
        const left = [
            ...(exists(["ns", "engine-check"]) ? ["namespace/engine-check"] : []),
            ...kubectl(["get", "pods,networkpolicies", "-A", "-o", "name"]).split("\n").filter((n) => /root-pod|engine-check-deny-all/.test(n)),
        ];
        assert.deepEqual(left, [], "blocked, but objects exist in the cluster");
        note(`${mandatory.length} mandatory violation(s); nothing created`);
    });
});

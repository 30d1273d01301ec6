// Production's guard on the whole program (index.ts + components/lib/protection.ts), as the real stack
// files render it: every object of production is protected, so `pulumi destroy` is refused before it
// deletes anything; the random generators are not (a rotation replaces them); staging guards nothing.
import { strict as assert } from "assert";
import { sharedSynth, type SynthRun } from "../support/synth-run";

type Entry = { type: string; name: string; custom: boolean; options?: { protect?: boolean; retainOnDelete?: boolean } };
const entries = (run: SynthRun) => run.resources as unknown as Entry[];
const kubernetesObjects = (run: SynthRun) => entries(run).filter((r) => r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:"));
const STORAGE = ["--set", 'storage={"enabled":true,"size":"1Gi","mountPath":"/data"}'];

describe("stack protection (offline synth of the real program)", function () {
    this.timeout(120_000);
    let production: SynthRun;
    let productionWithStorage: SynthRun;
    let staging: SynthRun;
    before(() => {
        staging = sharedSynth("staging", ["--no-policy"]);
        production = sharedSynth("production", ["--no-policy"]);
        productionWithStorage = sharedSynth("production", ["--no-policy", ...STORAGE]);
        for (const r of [staging, production, productionWithStorage]) assert.equal(r.result.status, 0, r.result.stderr);
    });

    it("production: every Kubernetes object is protected but the Secret and ConfigMap that routine changes replace (a destroy is refused before its first deletion)", () => {
        const objects = kubernetesObjects(production);
        assert.ok(objects.length >= 12, `only ${objects.length} objects`);
        const unprotected = objects.filter((r) => r.options?.protect !== true);
        assert.deepEqual(unprotected.map((r) => r.type).sort(), ["kubernetes:core/v1:ConfigMap", "kubernetes:core/v1:Secret"]);
        assert.ok(unprotected.every((r) => r.options?.protect === false), "unprotected explicitly, not by accident");
    });

    it("production: the random generators, the Secret and the settings ConfigMap are not protected (routine changes replace them), and they are the only unprotected custom resources", () => {
        const unprotected = entries(production).filter((r) => r.custom && !r.type.startsWith("pulumi:providers:") && r.options?.protect !== true);
        assert.ok(unprotected.length >= 4, "no random generator rendered");
        assert.deepEqual([...new Set(unprotected.map((r) => r.type))].sort(), ["kubernetes:core/v1:ConfigMap", "kubernetes:core/v1:Secret", "random:index/randomBytes:RandomBytes", "random:index/randomPassword:RandomPassword"]);
        assert.ok(unprotected.every((r) => r.options?.protect === false), "the generators must be unprotected explicitly, not by accident");
    });

    it("production with storage: the PersistentVolumeClaim is protected and retained on delete; nothing else is retained", () => {
        const retained = entries(productionWithStorage).filter((r) => r.options?.retainOnDelete === true).map((r) => r.type);
        assert.deepEqual(retained, ["kubernetes:core/v1:PersistentVolumeClaim"]);
    });

    it("staging: nothing is protected or retained", () => {
        const guarded = entries(staging).filter((r) => r.options?.protect || r.options?.retainOnDelete).map((r) => `${r.type} ${r.name}`);
        assert.deepEqual(guarded, []);
        assert.ok(kubernetesObjects(staging).length >= 12);
    });
});

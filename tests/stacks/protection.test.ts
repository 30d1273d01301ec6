// Production's guard (components/lib/protection.ts), as the real stack files render it: the Namespace
// and the claim are protected by the Workload; what routine changes replace is explicitly not. (A
// stack-wide guard was withdrawn: see index.ts.) Below, the rest of the original note:
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

    it("production: the Namespace is the one protected object without storage (the Workload guards it; no stack-wide guard)", () => {
        const objects = kubernetesObjects(production);
        assert.ok(objects.length >= 12, `only ${objects.length} objects`);
        assert.deepEqual(objects.filter((r) => r.options?.protect === true).map((r) => r.type), ["kubernetes:core/v1:Namespace"]);
    });

    it("production: the settings ConfigMap, the Secret and the random generators are explicitly unprotected (routine changes replace them)", () => {
        const explicit = entries(production).filter((r) => r.custom && r.options?.protect === false).map((r) => r.type);
        for (const t of ["kubernetes:core/v1:ConfigMap", "kubernetes:core/v1:Secret", "random:index/randomBytes:RandomBytes", "random:index/randomPassword:RandomPassword"]) {
            assert.ok(explicit.includes(t), `${t} is not explicitly unprotected`);
        }
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

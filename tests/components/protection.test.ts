// What each environment refuses to delete (components/lib/protection.ts), as the Workload registers
// it on the wire: the resource options the engine stores in state and enforces on destroy/replace.
import { recorder } from "../harness";
import { strict as assert } from "assert";
import { protectionFor } from "../../components/lib/protection";
import { ENVIRONMENTS } from "../../components/lib/environment";
import { renderWorkload, type Rendered } from "./workload-fixtures";

const STORAGE = { enabled: true, size: "1Gi", mountPath: "/data" };
const kindOf = (r: Rendered, i: number) => r.objects[i].kind;
const optionsOf = (r: Rendered, kind: string) => {
    const i = r.objects.findIndex((o) => o.kind === kind);
    assert.ok(i >= 0, `no ${kind} rendered`);
    return r.children[i].options;
};

describe("Protection per environment", function () {
    const rendered = new Map<string, Rendered>();
    before(async () => {
        for (const environment of ENVIRONMENTS) {
            rendered.set(environment, await renderWorkload(`prot-${environment}`, { environment, storage: STORAGE }));
        }
    });

    it("production: the Namespace is protected and not retained (a deliberate destroy deletes it)", () => {
        assert.deepEqual(optionsOf(rendered.get("production")!, "Namespace"), { protect: true, retainOnDelete: undefined });
    });

    it("production: the PersistentVolumeClaim is protected and retained on delete", () => {
        assert.deepEqual(optionsOf(rendered.get("production")!, "PersistentVolumeClaim"), { protect: true, retainOnDelete: true });
    });

    it("production: the Workload itself guards only those two (no stack-wide guard: tests/stacks/protection.test.ts)", () => {
        const r = rendered.get("production")!;
        const guarded = r.children.map((c, i) => ({ kind: kindOf(r, i), ...c.options })).filter((o) => o.protect || o.retainOnDelete).map((o) => o.kind).sort();
        assert.deepEqual(guarded, ["Namespace", "PersistentVolumeClaim"]);
    });

    it("staging: no object is protected or retained, so CI and the tiers can destroy and rebuild it", () => {
        const r = rendered.get("staging")!;
        assert.ok(r.all("PersistentVolumeClaim").length === 1, "staging rendered without its claim");
        for (const [i, child] of r.children.entries()) {
            assert.notEqual(child.options.protect, true, `${kindOf(r, i)} ${child.name}`);
            assert.equal(child.options.retainOnDelete, undefined, `${kindOf(r, i)} ${child.name}`);
        }
    });

    it("staging: a caller protecting the whole Workload still protects its children (options inherit, none is forced off)", async () => {
        const r = await renderWorkload("prot-staging-opted-in", { environment: "staging", storage: STORAGE }, { protect: true });
        assert.equal(optionsOf(r, "Namespace").protect, true);
        assert.equal(optionsOf(r, "PersistentVolumeClaim").protect, true);
        assert.equal(recorder.ofType("kubernetes:core/v1:Namespace").filter((n) => n.name.startsWith("prot-staging-opted-in")).length, 1);
    });

    it("protectionFor covers every environment and guards only production", () => {
        assert.deepEqual(ENVIRONMENTS.filter((e) => protectionFor(e).namespace.protect === true), ["production"]);
    });
});

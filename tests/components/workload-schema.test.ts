import "../harness";
import { strict as assert } from "assert";
import { sharedRender, VARIANTS, type KubeObject, type Rendered, type VariantName } from "./workload-fixtures";

interface ValidatingModel {
    validate(): void;
}
type ModelClass = new (data: object) => ValidatingModel;

// kubernetes-models is ESM-only ("import" exports, no "require"). TypeScript compiles `import()` to
// require() under module=commonjs, so the native dynamic import is reached through Function.
const importEsm = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<Record<string, unknown>>;

/** The kubernetes-models class for an object, from its apiVersion and kind (e.g. "apps/v1" + "Deployment"). */
async function modelFor(object: KubeObject): Promise<ModelClass> {
    const module = await importEsm(`kubernetes-models/${object.apiVersion}/${object.kind}`);
    const model = module[object.kind];
    if (typeof model !== "function") throw new Error(`kubernetes-models has no ${object.apiVersion} ${object.kind}`);
    return model as ModelClass;
}

async function schemaErrors(object: KubeObject): Promise<string | undefined> {
    const Model = await modelFor(object);
    try {
        new Model(object).validate();
        return undefined;
    } catch (err) {
        return `${object.kind} ${object.metadata.name}: ${err instanceof Error ? err.message : String(err)}`;
    }
}

describe("Workload objects against the Kubernetes OpenAPI schema (kubernetes-models)", () => {
    for (const variant of Object.keys(VARIANTS) as VariantName[]) {
        it(`${variant}: every object validates`, async () => {
            const rendered: Rendered = await sharedRender(variant);
            assert.ok(rendered.objects.length >= 8);
            const errors = (await Promise.all(rendered.objects.map(schemaErrors))).filter((e) => e !== undefined);
            assert.deepEqual(errors, []);
        });
    }

    it("the validator rejects an invalid object (so a pass above means something)", async () => {
        const rendered = await sharedRender("staging-defaults");
        const deployment = structuredClone(rendered.one("Deployment"));
        deployment.spec.template.spec.containers[0].resources.limits.cpu = "one core";
        deployment.spec.strategy.rollingUpdate.maxSurge = { percent: 25 };
        const error = await schemaErrors(deployment);
        assert.match(error ?? "", /resources\/limits\/cpu/);
        assert.match(error ?? "", /rollingUpdate\/maxSurge/);
    });
});

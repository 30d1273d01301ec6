import "../harness";
import { strict as assert } from "assert";
import { runPolicies } from "../../policy/lib/run";
import type { WorkloadArgs } from "../../components/workload";
import { asManifests, baseArgs, sharedRender, VARIANTS, type VariantName } from "./workload-fixtures";

// The component is meant to pass the project's own policy pack untouched (secure by default):
// run every policy over what it renders, as CrossGuard would, for both environments. The
// ServiceMonitor for the metrics port belongs to the monitoring component, so that stack policy
// is off here. The component sets no priorityClassName yet (hygiene-priority-class, advisory in
// both pack configs): off here until the component grows one.
const WITHOUT_MONITORING = { "stack-service-monitor": "disabled", "hygiene-priority-class": "disabled" } as const;
describe("Workload objects against the websvc policy pack", () => {
    for (const variant of Object.keys(VARIANTS) as VariantName[]) {
        it(`${variant}: no violations`, async () => {
            const rendered = await sharedRender(variant);
            const kubernetesVersion = (VARIANTS[variant] as Partial<WorkloadArgs>).kubernetesVersion ?? baseArgs().kubernetesVersion;
            const violations = runPolicies(asManifests(rendered), { kubernetesVersion, config: WITHOUT_MONITORING });
            assert.deepEqual(violations.map((v) => `${v.policy}: ${v.message}`), []);
        });
    }

    it("the pack does flag a weakened copy (so a clean run above means something)", async () => {
        const rendered = await sharedRender("staging-defaults");
        const objects = rendered.objects.map((o) => structuredClone(o));
        const deployment = objects.find((o) => o.kind === "Deployment")!;
        deployment.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = true;
        const violations = runPolicies(asManifests(rendered, objects), { kubernetesVersion: "1.34", config: WITHOUT_MONITORING });
        assert.ok(violations.some((v) => /privilege/i.test(`${v.policy} ${v.message}`)), JSON.stringify(violations));
    });
});

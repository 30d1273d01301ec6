// The worker stack checked by the websvc policy pack, imported as an installed package, with the
// pack's own per-environment configs: what `pulumi preview --policy-pack ... --policy-pack-config
// .../config/<env>.json` would report for each stack.
import { strict as assert } from "assert";
import * as fs from "fs";
import { runPolicies } from "@websvc/k8s-policy-pack/lib/run";
import type { ManifestResource, PolicyConfigFile, Violation } from "@websvc/k8s-policy-pack/lib/run";
import { runProgram } from "./harness";

function packConfig(environment: "staging" | "production"): PolicyConfigFile {
    return JSON.parse(fs.readFileSync(require.resolve(`@websvc/k8s-policy-pack/config/${environment}.json`), "utf8")) as PolicyConfigFile;
}

function check(resources: ManifestResource[], environment: "staging" | "production", config = packConfig(environment)): Violation[] {
    // The pack reads the environment from the `environment` stack tag (pulumi stack tag set environment <env>).
    return runPolicies(resources, { config, stackTags: { environment } });
}

const pairs = (violations: Violation[]) => violations.map((v) => `${v.policy} ${v.resource?.name ?? "(stack)"}`).sort();
const mandatory = (violations: Violation[]) => violations.filter((v) => v.enforcementLevel === "mandatory");

describe("worker-stack under the websvc policy pack (installed package)", () => {
    let staging: ManifestResource[];
    let production: ManifestResource[];

    before(async () => {
        staging = await runProgram("staging");
        production = await runProgram("production");
    });

    it("registers a worker and a CronJob but nothing that serves traffic", () => {
        const kinds = staging.map((r) => `${r.type} ${r.name}`).sort();
        assert.deepEqual(kinds, [
            "kubernetes:apps/v1:Deployment queue-worker",
            "kubernetes:batch/v1:CronJob nightly-report",
            "kubernetes:core/v1:Namespace workers",
            "kubernetes:core/v1:ServiceAccount queue-worker",
        ]);
        assert.ok(!production.some((r) => /:(Service|Ingress)$/.test(r.type)), "no Service or Ingress in production either");
    });

    it("staging: findings are advisory only, so `pulumi up` proceeds", () => {
        const violations = check(staging, "staging");
        // Staging deploys no NetworkPolicy (Pulumi.staging.yaml networkPolicy: false). Pack 2.0's
        // advisory checks (ephemeral storage, priority class, startup probe, one replica without
        // an HPA, topology spread) report what the worker does not set yet.
        assert.deepEqual(pairs(violations), [
            "hygiene-ephemeral-storage-limits nightly-report",
            "hygiene-ephemeral-storage-limits queue-worker",
            "hygiene-ephemeral-storage-requests nightly-report",
            "hygiene-ephemeral-storage-requests queue-worker",
            "hygiene-priority-class nightly-report",
            "hygiene-priority-class queue-worker",
            "hygiene-startup-probe queue-worker",
            "stack-multiple-replicas queue-worker",
            "stack-network-policy nightly-report",
            "stack-network-policy queue-worker",
            "stack-topology-spread queue-worker",
        ]);
        assert.deepEqual(mandatory(violations), []);
    });

    it("production: the production stack passes production.json", () => {
        assert.deepEqual(pairs(mandatory(check(production, "production"))), []);
    });

    it("production.json blocks the staging settings: tag-pinned image and no NetworkPolicy", () => {
        const blocking = mandatory(check(staging, "production"));
        assert.deepEqual(pairs(blocking), [
            "hygiene-image-tag nightly-report",
            "hygiene-image-tag queue-worker",
            // Staging runs one worker replica without an HPA (pack 2.0's stack-multiple-replicas).
            "stack-multiple-replicas queue-worker",
            "stack-network-policy nightly-report",
            "stack-network-policy queue-worker",
        ]);
    });

    it("the CronJob's writable root filesystem is allowed only by its exemption by name", () => {
        const shipped = packConfig("production");
        const withoutExemption: PolicyConfigFile = {
            ...shipped,
            "hygiene-read-only-root-filesystem": { enforcementLevel: "mandatory" },
        };
        assert.deepEqual(pairs(mandatory(check(production, "production", withoutExemption))), ["hygiene-read-only-root-filesystem nightly-report"]);
        assert.ok(!pairs(check(production, "production", shipped)).includes("hygiene-read-only-root-filesystem nightly-report"));
    });
});

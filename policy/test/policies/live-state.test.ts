// After the first deploy, stack policies see live outputs, not the program's inputs: server
// defaults, controller-owned fields (the HPA's spec.replicas) and status, with the program's inputs
// under `__inputs` (the Kubernetes provider's checkpoint format, as `pulumi stack export` shows it).
// A deployed, compliant stack must stay compliant on every later preview.
import * as assert from "assert";
import type { ResourceInit } from "../../lib/args";
import { allPolicies, selectPolicies } from "../../policies";
import { validateStack } from "./support/harness";

type Json = Record<string, any>;
const ns = "web";
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));

const obj = (type: string, apiVersion: string, kind: string, name: string, { metadata, ...body }: Json): ResourceInit => ({
    type, name, props: { apiVersion, kind, metadata: { name, namespace: ns, ...(metadata ?? {}) }, ...body },
});

/** What the program registers: an autoscaled Deployment (no spec.replicas) with its companions. */
function programInputs(): ResourceInit[] {
    const labels = { app: "web" };
    return [
        obj("kubernetes:apps/v1:Deployment", "apps/v1", "Deployment", "web", {
            metadata: { labels },
            spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: {
                topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: labels } }],
                containers: [{ name: "web", image: "ghcr.io/acme/web@sha256:" + "a".repeat(64) }],
            } } },
        }),
        obj("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "autoscaling/v2", "HorizontalPodAutoscaler", "web", {
            spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, minReplicas: 3, maxReplicas: 12 },
        }),
        obj("kubernetes:policy/v1:PodDisruptionBudget", "policy/v1", "PodDisruptionBudget", "web", { spec: { maxUnavailable: 1, selector: { matchLabels: labels } } }),
        obj("kubernetes:networking.k8s.io/v1:NetworkPolicy", "networking.k8s.io/v1", "NetworkPolicy", "web", { spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } }),
        obj("kubernetes:core/v1:Service", "v1", "Service", "web", { metadata: { labels }, spec: { selector: labels, ports: [{ name: "http", port: 80 }, { name: "metrics", port: 9090 }] } }),
        obj("kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "monitoring.coreos.com/v1", "ServiceMonitor", "web", { spec: { selector: { matchLabels: labels }, endpoints: [{ port: "metrics" }] } }),
        obj("kubernetes:networking.k8s.io/v1:Ingress", "networking.k8s.io/v1", "Ingress", "web", { spec: { tls: [{ hosts: ["web.example.com"], secretName: "web-tls" }], rules: [{ host: "web.example.com" }] } }),
    ];
}

/** The same objects as the provider reports them after `up`, with the HPA having scaled to its minimum. */
function liveState(inputs: ResourceInit[], recordInputs = true): ResourceInit[] {
    const minReplicas = (inputs.find((r) => r.name === "web" && r.type.endsWith("HorizontalPodAutoscaler"))!.props as Json).spec.minReplicas;
    return inputs.map((r, i) => {
        const props = clone(r.props) as Json;
        props.metadata = { ...props.metadata, uid: `00000000-0000-0000-0000-00000000000${i}`, resourceVersion: String(1000 + i), generation: 1, creationTimestamp: "2026-12-01T20:00:00Z" };
        if (props.kind === "Deployment") {
            // The API default (1) first, then the HPA controller's writes through the scale subresource.
            props.spec = { ...props.spec, replicas: minReplicas, revisionHistoryLimit: 10, progressDeadlineSeconds: 600, strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } } };
            props.status = { replicas: minReplicas, readyReplicas: minReplicas, availableReplicas: minReplicas, observedGeneration: 1 };
        } else if (props.kind === "HorizontalPodAutoscaler") {
            props.status = { currentReplicas: minReplicas, desiredReplicas: minReplicas };
        } else if (props.kind === "Service") {
            props.spec = { ...props.spec, type: "ClusterIP", clusterIP: "10.96.12.34", sessionAffinity: "None" };
        } else if (props.kind === "PodDisruptionBudget") {
            props.status = { currentHealthy: minReplicas, desiredHealthy: minReplicas - 1, disruptionsAllowed: 1, expectedPods: minReplicas };
        }
        if (recordInputs) {
            props.__inputs = clone(r.props);
        }
        return { ...r, props };
    });
}

const prod = { stackTags: { environment: "production" } };
const hpaPolicy = allPolicies.find((p) => p.name === "stack-hpa-min-replicas")!;

describe("stack policies on live state (after the first deploy)", () => {
    for (const p of selectPolicies("stack")) {
        it(`${p.name}: the deployed stack passes as its inputs do`, () => {
            assert.deepStrictEqual(validateStack(p, programInputs(), prod).messages, [], "inputs must pass first");
            assert.deepStrictEqual(validateStack(p, liveState(programInputs()), prod).messages, []);
        });
    }

    it("stack-hpa-min-replicas: an HPA-set live spec.replicas is not the program's", () => {
        const live = liveState(programInputs());
        assert.strictEqual((live[0].props as Json).spec.replicas, 3, "the fixture is live-shaped");
        assert.deepStrictEqual(validateStack(hpaPolicy, live, prod).messages, []);
    });

    it("stack-hpa-min-replicas: spec.replicas the program wrote is still reported on live state", () => {
        const inputs = programInputs();
        (inputs[0].props as Json).spec.replicas = 3;
        assert.deepStrictEqual(validateStack(hpaPolicy, liveState(inputs), prod).messages,
            ["Deployment web/web sets spec.replicas although an HPA scales it; omit it"]);
    });

    it("stack-hpa-min-replicas: live state without the provider's record of inputs is not judged on spec.replicas", () => {
        assert.deepStrictEqual(validateStack(hpaPolicy, liveState(programInputs(), false), prod).messages, []);
    });

    it("stack-hpa-min-replicas: the HPA's own minReplicas is still judged on live state", () => {
        const inputs = programInputs();
        (inputs[1].props as Json).spec.minReplicas = 1;
        assert.deepStrictEqual(validateStack(hpaPolicy, liveState(inputs), prod).messages,
            ["HorizontalPodAutoscaler web/web minReplicas 1 is below the required 2 in production"]);
    });
});

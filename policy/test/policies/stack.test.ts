import * as assert from "assert";
import type { ResourceInit } from "../../lib/args";
import { runPolicies, type ManifestResource } from "../../run";
import { allPolicies, selectPolicies } from "../../policies";
import type { PackPolicy } from "../../lib/types";
import { validateStack, type RunOneOptions } from "./support/harness";

type Json = Record<string, any>;
const ns = "web";

const obj = (apiVersion: string, kind: string, name: string, rest: Json): ResourceInit => {
    const { metadata, ...body } = rest;
    return {
        type: `kubernetes:${apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`}:${kind}`,
        name,
        props: { apiVersion, kind, metadata: { name, namespace: ns, ...(metadata ?? {}) }, ...body },
    };
};

/** A compliant stack: autoscaled Deployment with PDB, NetworkPolicy, Service + ServiceMonitor, TLS Ingress. */
function compliantStack(): Record<string, ResourceInit> {
    return {
        deployment: obj("apps/v1", "Deployment", "web", { spec: { selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web", tier: "frontend" } }, spec: { containers: [{ name: "web", image: "ghcr.io/acme/web:1.0" }], topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { app: "web" } } }] } } } }),
        hpa: obj("autoscaling/v2", "HorizontalPodAutoscaler", "web", { spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, minReplicas: 2, maxReplicas: 6 } }),
        pdb: obj("policy/v1", "PodDisruptionBudget", "web", { spec: { maxUnavailable: 1, selector: { matchLabels: { app: "web" } } } }),
        netpol: obj("networking.k8s.io/v1", "NetworkPolicy", "web", { spec: { podSelector: { matchExpressions: [{ key: "tier", operator: "In", values: ["frontend"] }] }, policyTypes: ["Ingress"] } }),
        service: obj("v1", "Service", "web", { metadata: { labels: { app: "web" } }, spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80 }, { name: "metrics", port: 9090 }] } }),
        monitor: obj("monitoring.coreos.com/v1", "ServiceMonitor", "web", { spec: { selector: { matchLabels: { app: "web" } }, endpoints: [{ port: "metrics" }] } }),
        ingress: obj("networking.k8s.io/v1", "Ingress", "web", { spec: { tls: [{ hosts: ["web.example.com"], secretName: "web-tls" }], rules: [{ host: "web.example.com" }] } }),
    };
}

const policy = (id: string): PackPolicy => allPolicies.find((p) => p.name === id)!;
function run(id: string, mutate: (s: Record<string, ResourceInit>) => void = () => undefined, o: RunOneOptions = {}) {
    const stack = compliantStack();
    mutate(stack);
    return validateStack(policy(id), Object.values(stack), o).messages;
}
const props = (r: ResourceInit) => r.props as Json;

describe("stack policies: the compliant stack passes all of them", () => {
    for (const p of selectPolicies("stack")) {
        it(p.name, () => assert.deepStrictEqual(run(p.name, () => undefined, { stackTags: { environment: "production" } }), []));
    }
});

describe("stack-pod-disruption-budget", () => {
    const id = "stack-pod-disruption-budget";
    it("reports a replicated workload without PDB", () => {
        assert.deepStrictEqual(run(id, (s) => { delete s.pdb; }), ["Deployment web/web runs 2 replicas but no PodDisruptionBudget selects its pods"]);
    });
    it("reports a PDB that allows no disruption", () => {
        assert.deepStrictEqual(run(id, (s) => { props(s.pdb).spec = { minAvailable: 2, selector: { matchLabels: { app: "web" } } }; }), ["Deployment web/web: PodDisruptionBudget web allows no disruption at 2 replicas"]);
        assert.strictEqual(run(id, (s) => { props(s.pdb).spec = { minAvailable: "100%", selector: { matchLabels: { app: "web" } } }; }).length, 1);
        assert.deepStrictEqual(run(id, (s) => { props(s.pdb).spec = { minAvailable: "50%", selector: { matchLabels: { app: "web" } } }; }), []);
    });
    it("ignores a PDB in another namespace or with a non-matching selector", () => {
        assert.strictEqual(run(id, (s) => { props(s.pdb).metadata.namespace = "other"; }).length, 1);
        assert.strictEqual(run(id, (s) => { props(s.pdb).spec.selector = { matchLabels: { app: "api" } }; }).length, 1);
    });
    it("uses spec.replicas without HPA; single replica needs no PDB", () => {
        assert.deepStrictEqual(run(id, (s) => { delete s.hpa; delete s.pdb; }), []);
        assert.strictEqual(run(id, (s) => { delete s.hpa; delete s.pdb; props(s.deployment).spec.replicas = 3; }).length, 1);
    });
    it("exempt namespaces are skipped", () => {
        assert.deepStrictEqual(run(id, (s) => { delete s.pdb; }, { config: { exemptNamespaces: ["web"] } }), []);
    });
});

describe("stack-hpa-min-replicas", () => {
    const id = "stack-hpa-min-replicas";
    const prod = { stackTags: { environment: "production" } };
    it("requires minReplicas >= 2 in production", () => {
        assert.deepStrictEqual(run(id, (s) => { props(s.hpa).spec.minReplicas = 1; }, prod), ["HorizontalPodAutoscaler web/web minReplicas 1 is below the required 2 in production"]);
        assert.deepStrictEqual(run(id, (s) => { delete props(s.hpa).spec.minReplicas; }, prod), ["HorizontalPodAutoscaler web/web minReplicas 1 is below the required 2 in production"]);
    });
    it("is lenient outside production, configurable", () => {
        assert.deepStrictEqual(run(id, (s) => { props(s.hpa).spec.minReplicas = 1; }, { stackTags: { environment: "dev" } }), []);
        assert.strictEqual(run(id, (s) => { props(s.hpa).spec.minReplicas = 2; }, { ...prod, config: { minReplicas: 3 } }).length, 1);
    });
    it("flags spec.replicas on a workload the HPA scales", () => {
        assert.deepStrictEqual(run(id, (s) => { props(s.deployment).spec.replicas = 2; }), ["Deployment web/web sets spec.replicas although an HPA scales it; omit it"]);
    });
});

describe("stack-network-policy", () => {
    const id = "stack-network-policy";
    it("reports uncovered workloads", () => {
        assert.deepStrictEqual(run(id, (s) => { delete s.netpol; }), ['Deployment web/web: no NetworkPolicy in namespace "web" selects its pods']);
        assert.strictEqual(run(id, (s) => { props(s.netpol).spec.podSelector = { matchLabels: { app: "api" } }; }).length, 1);
        assert.strictEqual(run(id, (s) => { props(s.netpol).spec.podSelector = { matchExpressions: [{ key: "tier", operator: "NotIn", values: ["frontend"] }] }; }).length, 1);
    });
    it("an empty podSelector covers the whole namespace", () => {
        assert.deepStrictEqual(run(id, (s) => { props(s.netpol).spec.podSelector = {}; }), []);
    });
});

describe("stack-service-type", () => {
    const id = "stack-service-type";
    it("reports LoadBalancer and NodePort", () => {
        assert.deepStrictEqual(run(id, (s) => { props(s.service).spec.type = "LoadBalancer"; }), ["Service web/web has type LoadBalancer; allowed: ClusterIP, ExternalName"]);
        assert.strictEqual(run(id, (s) => { props(s.service).spec.type = "NodePort"; }).length, 1);
    });
    it("allows configured types and services", () => {
        assert.deepStrictEqual(run(id, (s) => { props(s.service).spec.type = "LoadBalancer"; }, { config: { allowedServices: ["web"] } }), []);
        assert.deepStrictEqual(run(id, (s) => { props(s.service).spec.type = "NodePort"; }, { config: { allowedTypes: ["ClusterIP", "NodePort"] } }), []);
    });
    it("rejects an unknown type name in config", () => {
        assert.throws(() => run(id, () => undefined, { config: { allowedTypes: ["Public"] } }), /invalid config for policy "stack-service-type": allowedTypes\.0/);
    });
});

describe("stack-ingress-tls", () => {
    const id = "stack-ingress-tls";
    it("reports missing TLS and uncovered hosts", () => {
        assert.deepStrictEqual(run(id, (s) => { delete props(s.ingress).spec.tls; }), ["Ingress web/web has no spec.tls"]);
        assert.deepStrictEqual(run(id, (s) => { props(s.ingress).spec.rules.push({ host: "api.example.com" }); }), ["Ingress web/web: hosts without TLS: api.example.com"]);
    });
});

describe("stack-service-monitor", () => {
    const id = "stack-service-monitor";
    it("reports a metrics port nobody scrapes", () => {
        assert.deepStrictEqual(run(id, (s) => { delete s.monitor; }), ['Service web/web exposes port "metrics" but no ServiceMonitor scrapes it']);
        assert.strictEqual(run(id, (s) => { props(s.monitor).spec.endpoints = [{ port: "http" }]; }).length, 1);
    });
    it("honours namespaceSelector", () => {
        const elsewhere = (s: Record<string, ResourceInit>, nsSel: Json) => { props(s.monitor).metadata.namespace = "monitoring"; props(s.monitor).spec.namespaceSelector = nsSel; };
        assert.deepStrictEqual(run(id, (s) => elsewhere(s, { matchNames: ["web"] })), []);
        assert.deepStrictEqual(run(id, (s) => elsewhere(s, { any: true })), []);
        assert.strictEqual(run(id, (s) => elsewhere(s, { matchNames: ["api"] })).length, 1);
    });
    it("services without a metrics port need no monitor", () => {
        assert.deepStrictEqual(run(id, (s) => { delete s.monitor; props(s.service).spec.ports = [{ name: "http", port: 80 }]; }), []);
    });
});

describe("stack findings through runPolicies carry the resource", () => {
    it("ties a stack finding to the offending resource's URN", () => {
        const stack = compliantStack();
        delete stack.netpol;
        const v = runPolicies(Object.values(stack) as ManifestResource[], { policies: selectPolicies("stack-network-policy") });
        assert.deepStrictEqual(v.map((x) => [x.policy, x.resource?.type, x.resource?.name]), [["stack-network-policy", "kubernetes:apps/v1:Deployment", "web"]]);
    });
});

describe("stack-multiple-replicas", () => {
    const id = "stack-multiple-replicas";
    it("never flags replicas omitted under an HPA", () => {
        assert.deepStrictEqual(run(id), []);
        assert.deepStrictEqual(run(id, (st) => { props(st.hpa).spec.minReplicas = 1; }), [], "the HPA minimum is stack-hpa-min-replicas' business");
    });
    it("reports a Deployment without HPA that runs one replica, explicit or by default", () => {
        assert.deepStrictEqual(run(id, (st) => { delete st.hpa; }), ["Deployment web/web runs 1 replica (spec.replicas omitted, no HPA)"]);
        assert.deepStrictEqual(run(id, (st) => { delete st.hpa; props(st.deployment).spec.replicas = 1; }), ["Deployment web/web runs 1 replica"]);
        assert.deepStrictEqual(run(id, (st) => { delete st.hpa; props(st.deployment).spec.replicas = 3; }), []);
    });
});

describe("stack-topology-spread", () => {
    const id = "stack-topology-spread";
    const spec = (st: Record<string, ResourceInit>) => props(st.deployment).spec.template.spec;
    it("reports a workload without constraints, with an empty list, or spreading over another key", () => {
        assert.deepStrictEqual(run(id, (st) => { delete spec(st).topologySpreadConstraints; }), ["Deployment web/web has no topologySpreadConstraints"]);
        assert.deepStrictEqual(run(id, (st) => { spec(st).topologySpreadConstraints = []; }), ["Deployment web/web has no topologySpreadConstraints"]);
        assert.deepStrictEqual(run(id, (st) => { spec(st).topologySpreadConstraints[0].topologyKey = "rack"; }), ['Deployment web/web spreads over "rack"; expected one of kubernetes.io/hostname, topology.kubernetes.io/zone']);
    });
    it("accepts zone spreading and leaves DaemonSets and Jobs alone", () => {
        assert.deepStrictEqual(run(id, (st) => { spec(st).topologySpreadConstraints[0].topologyKey = "topology.kubernetes.io/zone"; }), []);
        const daemon = obj("apps/v1", "DaemonSet", "agent", { spec: { template: { spec: { containers: [{ name: "a", image: "a:1" }] } } } });
        assert.deepStrictEqual(run(id, (st) => { st.daemon = daemon; }), []);
    });
});

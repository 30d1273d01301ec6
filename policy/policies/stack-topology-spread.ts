import { asArray, isObj } from "../lib/k8s";
import { objectLabel, stackPolicy, type StackFinding } from "../lib/stack-policy";

interface SpreadConfig { topologyKeys: string[] }

// Every long-running workload that can run several pods, single-replica ones included: an HPA may
// scale them out, and a constraint costs nothing at one replica. DaemonSets run one pod per node
// by definition; Jobs and CronJobs run to completion.
const spreadKinds = ["Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"];

export const stackTopologySpread = stackPolicy<SpreadConfig>({
    id: "stack-topology-spread",
    title: "Pods spread across nodes or zones",
    description: "Workloads that run pods continuously (single-replica ones too: an HPA may scale them out) must spread their pods with topologySpreadConstraints over nodes or zones, so one node or zone failure does not take every replica.",
    // Low: it costs availability only when a node or zone fails, and the scheduler's default
    // spreading (kube-scheduler's PodTopologySpread defaults) already prefers spreading.
    severity: "low",
    enforcementLevel: "advisory",
    frameworks: { polaris: "topologySpreadConstraint" },
    remediation: "Add spec.template.spec.topologySpreadConstraints with topologyKey kubernetes.io/hostname (and topology.kubernetes.io/zone) and a labelSelector matching the pods.",
    config: {
        topologyKeys: { type: "array", items: { type: "string" }, default: ["kubernetes.io/hostname", "topology.kubernetes.io/zone"], description: "Topology keys a constraint may spread over." },
    },
    kinds: spreadKinds,
    check: (objects, cfg) => objects.workloads(spreadKinds).flatMap(({ obj, view }): StackFinding[] => {
        const constraints = asArray(view.podSpec.topologySpreadConstraints).filter(isObj);
        if (constraints.length === 0) {
            return [{ resource: obj.resource, message: `${objectLabel(obj)} has no topologySpreadConstraints` }];
        }
        const other = constraints.map((c) => c.topologyKey).filter((k) => !cfg.topologyKeys.includes(String(k)));
        return other.length ? [{ resource: obj.resource, message: `${objectLabel(obj)} spreads over ${other.map((k) => JSON.stringify(k)).join(", ")}; expected one of ${cfg.topologyKeys.join(", ")}` }] : [];
    }),
});

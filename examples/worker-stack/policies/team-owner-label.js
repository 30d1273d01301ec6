// A team's own policy for k8s-policy-check --policy-module, and for both the checker and the
// CrossGuard pack through a pack config's "policy-modules" entry (pack-config.json beside it; README
// "Own policies"): every workload names its owning team in a `team` label, so an alert reaches
// someone. Written on the pack's public factory API, which the checker and the pack hand to this
// function, so the file works wherever it sits; `resourcePolicy` gives it the same outputs, exemption annotations
// (exempt.websvc-k8s/team-owner-label), baselines and enforcement levels as the built-in policies.
const WORKLOADS = ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"];

module.exports = ({ resourcePolicy }) => [
    resourcePolicy({
        id: "team-owner-label",
        title: "Workloads name their owning team",
        description: "Every workload carries a `team` label naming the team that owns it.",
        severity: "medium",
        enforcementLevel: "mandatory",
        frameworks: {},
        remediation: "Add metadata.labels.team (the owning team's slug) to the workload.",
        check: (args) => {
            const kind = args.type.split(":").pop();
            if (!WORKLOADS.includes(kind)) args.notApplicable("not a workload");
            const team = args.props.metadata?.labels?.team;
            return typeof team === "string" && team !== "" ? [] : [{ path: "metadata.labels.team", message: `${kind} must name its owning team` }];
        },
    }),
];

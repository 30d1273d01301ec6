// Measures how the pack's Polaris mappings (frameworks.polaris) agree with Polaris on Polaris's own
// test cases, from a local copy the user provides (a checkout's test/checks: one folder per check,
// success*.yaml and failure*.yaml cases). No case is kept in this repository.
//   ts-node --transpile-only policy/scripts/polaris-agreement.ts <polaris>/test/checks [--json]
//
// A case is a failure case when its file name contains "failure", a success case otherwise, as in
// Polaris' test/schema_test.go; mutated*.yaml are Polaris' mutation fixtures and check.yaml a custom
// check definition, neither a verdict case. Agreement: a failure case gets a finding from the mapped
// policy on an object of the kind the check targets (checks/<id>.yaml `target`); a success case gets
// no finding from it at all.
import * as fs from "fs";
import * as path from "path";
import { checkPaths } from "../cli/checker";
import { peerIds } from "../lib/types";
import { allPolicies } from "../policies";

const WORKLOAD_KINDS = ["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "ReplicationController"];

/** Kinds of the checks that do not target a pod spec or container (Polaris' `target`). */
const TARGET_KINDS: Record<string, string[]> = {
    clusterrolePodExecAttach: ["ClusterRole"],
    rolePodExecAttach: ["Role"],
    clusterrolebindingClusterAdmin: ["ClusterRoleBinding"],
    clusterrolebindingPodExecAttach: ["ClusterRoleBinding"],
    rolebindingClusterAdminClusterRole: ["RoleBinding"],
    rolebindingClusterAdminRole: ["RoleBinding"],
    rolebindingClusterRolePodExecAttach: ["RoleBinding"],
    rolebindingRolePodExecAttach: ["RoleBinding"],
    tlsSettingsMissing: ["Ingress"],
    deploymentMissingReplicas: ["Deployment"],
    sensitiveConfigmapContent: ["ConfigMap"],
    pdbDisruptionsIsZero: ["PodDisruptionBudget"],
    hpaMinAvailability: ["HorizontalPodAutoscaler"],
    hpaMaxAvailability: ["HorizontalPodAutoscaler"],
};

export interface CaseResult { file: string; expectFailure: boolean; agree: boolean; findings: string[] }
export interface CheckResult { check: string; policy: string; cases: CaseResult[] }

/** Polaris check id -> the pack policy that declares it. */
export function polarisMapping(): Map<string, string> {
    const mapping = new Map<string, string>();
    for (const p of allPolicies) {
        for (const id of peerIds(p.metadata.frameworks.polaris)) mapping.set(id, p.name);
    }
    return mapping;
}

export function isVerdictCase(file: string): boolean {
    return /\.ya?ml$/.test(file) && !file.includes("mutated") && file !== "check.yaml";
}

export function measure(casesDir: string, mapping = polarisMapping()): CheckResult[] {
    const results: CheckResult[] = [];
    for (const check of fs.readdirSync(casesDir).sort()) {
        const policy = mapping.get(check);
        const dir = path.join(casesDir, check);
        if (!policy || !fs.statSync(dir).isDirectory()) continue;
        const targets = TARGET_KINDS[check] ?? WORKLOAD_KINDS;
        const cases = fs.readdirSync(dir).filter(isVerdictCase).sort().map((file): CaseResult => {
            const expectFailure = file.includes("failure");
            const { reports } = checkPaths([path.join(dir, file)], { only: policy });
            const found = reports.flatMap((r) => [...r.violations, ...r.exempted].map((v) => ({ kind: r.kind, text: `${r.kind} ${r.name}: ${v.message}` })));
            const agree = expectFailure ? found.some((f) => targets.includes(f.kind)) : found.length === 0;
            return { file, expectFailure, agree, findings: found.map((f) => f.text) };
        });
        results.push({ check, policy, cases });
    }
    return results;
}

export function summary(results: CheckResult[]): string {
    const lines: string[] = [];
    let cases = 0;
    let agreed = 0;
    for (const r of results) {
        const a = r.cases.filter((c) => c.agree).length;
        cases += r.cases.length;
        agreed += a;
        lines.push(`${r.check.padEnd(36)} ${r.policy.padEnd(42)} ${a}/${r.cases.length}`);
        for (const c of r.cases.filter((x) => !x.agree)) {
            lines.push(`    disagree: ${c.file} (Polaris: ${c.expectFailure ? "failure" : "success"}) ${c.findings.length ? c.findings.join(" | ") : "no finding"}`);
        }
    }
    const pct = cases ? ((100 * agreed) / cases).toFixed(1) : "n/a";
    lines.push(`${results.length} mapped checks with cases; ${agreed}/${cases} cases agree (${pct}%)`);
    return lines.join("\n");
}

if (require.main === module) {
    const args = process.argv.slice(2);
    const dir = args.find((a) => !a.startsWith("--"));
    if (!dir || !fs.existsSync(dir)) {
        console.error("usage: polaris-agreement.ts <polaris checkout>/test/checks [--json]");
        process.exit(2);
    }
    const results = measure(dir);
    console.log(args.includes("--json") ? JSON.stringify(results, null, 2) : summary(results));
}

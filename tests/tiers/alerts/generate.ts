// Generates promtool rule unit tests for one stack, next to the PrometheusRule they test:
//   <out>/rules.yaml             the PrometheusRule's groups exactly as the program registers them
//                                (index.ts run on the stack's real config under the mock runtime)
//   <out>/kubernetes-rules.yaml  the kubernetesMixinAlerts group, when the stack leaves it off (so
//                                the setting's rules are proven too; not deployed by that stack)
//   <out>/<scenario>.test.yaml   one promtool test file per scenario (pass/fail)
//   <out>/<scenario>.probe.yaml  the same series with one query that reports when each alert first
//                                fired (its expectation is a sentinel: promtool prints what it got)
//   <out>/manifest.json          the parameters read from the config, and each scenario's bounds
// The SLO parameters come from the stack config through the project's own code (loadConfig,
// monitoringArgs, appRuleParams), never copied by hand.
//
// Usage: ts-node tests/tiers/alerts/generate.ts --stack <staging|production> --out <dir>
// One stack per process: the program reads its config once, as under the Pulumi CLI.
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { loadStackConfig } from "../../../scripts/lib/stack-config";
import { installMockRuntime, outputValue } from "../../../scripts/lib/mock-runtime";
import { appIdentity, loadConfig, monitoringArgs } from "../../../config";
import { appRuleParams } from "../../../components/monitoring";
import { RULE_GROUPS, buildAppRuleGroups, isAlertingRule } from "../../../components/lib/alert-rules";
import { APP_LATENCY_BUCKETS_SECONDS } from "../../../components/lib/metrics-catalog";
import { Expectation, Scenario, EnvironmentParams, buildScenarios } from "./scenarios";

const ROOT = path.resolve(__dirname, "..", "..", "..");
export const PROBE_SENTINEL = '{probe="time-to-fire"}';

export interface ManifestScenario {
    name: string;
    title: string;
    testFile: string;
    probeFile: string;
    minutes: number;
    evalMinutes: number;
    faultMinute?: number;
    allowed?: Scenario["allowed"];
    expectations: string[];
}

export interface Manifest {
    stack: string;
    params: EnvironmentParams;
    ruleFiles: string[];
    alertNames: string[];
    scenarios: ManifestScenario[];
}

const labelText = (labels: Record<string, string>) => `{${Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ")}}`;
const matchers = (match: Record<string, string>) => ['alertstate="firing"', ...Object.entries(match).map(([k, v]) => `${k}=${JSON.stringify(v)}`)].join(", ");

/** One expectation as a promtool promql_expr_test (queries run after every rule evaluation of the test). */
export function exprTest(e: Expectation): Record<string, unknown> {
    switch (e.kind) {
        case "fires": {
            const keys = [...new Set(e.expect.flatMap((l) => Object.keys(l)))].sort();
            return {
                expr: `max by (${keys.join(", ")}) (ALERTS{${matchers(e.match)}})`,
                eval_time: `${e.byMinute}m`,
                exp_samples: e.expect.map((l) => ({ labels: labelText(l), value: 1 })),
            };
        }
        case "silent":
            return {
                expr: `max by (alertname, slo, action, pod) (max_over_time(ALERTS{${matchers(e.match)}}[${e.toMinute - e.fromMinute + 1}m]))`,
                eval_time: `${e.toMinute}m`,
                exp_samples: [],
            };
        case "value":
            return { expr: e.expr, eval_time: `${e.atMinute}m`, exp_samples: [{ labels: labelText(e.labels), value: e.value }] };
    }
}

/** The query whose (deliberately unmatched) result says when each alert first fired, in seconds since t=0. */
export function probeExpr(minutes: number, evalMinutes: number): string {
    return `min by (alertname, slo, action) (min_over_time(timestamp(ALERTS{alertstate="firing"})[${minutes + 1}m:${evalMinutes}m]))`;
}

function testFile(ruleFiles: string[], groupOrder: string[], s: Scenario, tests: Array<Record<string, unknown>>): string {
    const doc = {
        rule_files: ruleFiles,
        evaluation_interval: `${s.evalMinutes}m`,
        // Recording groups first, as the files list them. Without an order promtool evaluates the
        // groups in Go's random map order, and an alert evaluated before the rule it reads sees the
        // previous evaluation's sample, which a 5m interval puts just outside the 5m lookback: the
        // alert then reads nothing. (A real Prometheus evaluates every 30s or so: a lag of one
        // interval stays well inside the lookback.)
        group_eval_order: groupOrder,
        tests: [{ name: s.name, interval: "1m", input_series: s.series, promql_expr_test: tests }],
    };
    return YAML.stringify(doc, { lineWidth: 0 });
}

async function generate(stack: string, outDir: string): Promise<Manifest> {
    const loaded = loadStackConfig(ROOT, stack);
    const recorder = installMockRuntime({ project: loaded.project, stack, config: loaded.config, secretKeys: loaded.secretKeys });
    // The real program, as the CLI runs it: config read once, every resource registered.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the mocks are set, as the CLI does
    const program = require(path.join(ROOT, "index")) as Record<string, any>;
    const [namespace, service, deployment] = await Promise.all([program.namespace, program.serviceName, program.deploymentName].map(outputValue)) as string[];
    await recorder.settled();
    const objects = recorder.kubernetesObjects().map((o) => o.object);
    const rule = objects.find((o) => o.kind === "PrometheusRule");
    if (!rule) throw new Error(`stack ${stack}: the program registered no PrometheusRule`);
    const hpa = objects.find((o) => o.kind === "HorizontalPodAutoscaler")?.metadata?.name as string | undefined;

    // The parameters, through the project's own config code (the same path index.ts takes).
    const cfg = loadConfig();
    const rp = appRuleParams({ ...monitoringArgs(cfg, undefined), identity: appIdentity(cfg) }, { namespace, service, deployment, hpa });

    fs.rmSync(outDir, { recursive: true, force: true });
    fs.mkdirSync(outDir, { recursive: true });
    const groups = rule.spec.groups as Array<{ name: string; rules: any[] }>;
    fs.writeFileSync(path.join(outDir, "rules.yaml"), YAML.stringify({ groups }, { lineWidth: 0 }));
    const ruleFiles = ["rules.yaml"];
    let allGroups = groups;
    if (!rp.kubernetesMixinAlerts) {
        const extra = buildAppRuleGroups({ ...rp, kubernetesMixinAlerts: true }).filter((g) => g.name === RULE_GROUPS.kubernetes);
        fs.writeFileSync(path.join(outDir, "kubernetes-rules.yaml"),
            `# Not deployed by stack ${stack} (monitoring.kubernetesMixinAlerts is false); tested so the setting's rules are proven.\n` +
            YAML.stringify({ groups: extra }, { lineWidth: 0 }));
        ruleFiles.push("kubernetes-rules.yaml");
        allGroups = [...groups, ...extra];
    }

    const params: EnvironmentParams = {
        stack, namespace, service, deployment, hpa,
        availabilityObjective: rp.availabilityObjective,
        latencyObjective: rp.latencyObjective,
        latencyThresholdSeconds: rp.latencyThresholdSeconds,
        p99ThresholdSeconds: rp.p99ThresholdSeconds,
        errorRateThreshold: rp.errorRateThreshold,
        cpuThrottlingThreshold: rp.cpuThrottlingThreshold,
        crashLoopRestarts: rp.crashLoopRestarts,
        pageSeverity: rp.pageSeverity,
        ticketSeverity: rp.ticketSeverity,
        bucketsSeconds: APP_LATENCY_BUCKETS_SECONDS,
        kubernetesAlerts: allGroups.some((g) => g.name === RULE_GROUPS.kubernetes),
    };
    const scenarios: ManifestScenario[] = [];
    for (const s of buildScenarios(params)) {
        const testName = `${s.name}.test.yaml`;
        const probeName = `${s.name}.probe.yaml`;
        const order = allGroups.map((g) => g.name);
        fs.writeFileSync(path.join(outDir, testName), testFile(ruleFiles, order, s, s.expectations.map(exprTest)));
        fs.writeFileSync(path.join(outDir, probeName), testFile(ruleFiles, order, s, [{
            expr: probeExpr(s.minutes, s.evalMinutes), eval_time: `${s.minutes}m`, exp_samples: [{ labels: PROBE_SENTINEL, value: -1 }],
        }]));
        scenarios.push({
            name: s.name, title: s.title, testFile: testName, probeFile: probeName, minutes: s.minutes, evalMinutes: s.evalMinutes, faultMinute: s.faultMinute, allowed: s.allowed,
            expectations: s.expectations.map((e) => e.why),
        });
    }
    const alertNames = [...new Set(allGroups.flatMap((g) => g.rules).filter(isAlertingRule).map((r) => r.alert))];
    const manifest: Manifest = { stack, params, ruleFiles, alertNames, scenarios };
    fs.writeFileSync(path.join(outDir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
    return manifest;
}

if (require.main === module) {
    const arg = (flag: string) => {
        const i = process.argv.indexOf(flag);
        if (i < 0 || !process.argv[i + 1]) throw new Error(`usage: generate.ts --stack <name> --out <dir> (missing ${flag})`);
        return process.argv[i + 1];
    };
    generate(arg("--stack"), path.resolve(arg("--out"))).then(
        (m) => console.log(`alerts: stack ${m.stack}: ${m.scenarios.length} scenarios, rule files ${m.ruleFiles.join(", ")}`),
        (err) => {
            console.error(err instanceof Error ? err.stack ?? err.message : String(err));
            process.exit(1);
        },
    );
}

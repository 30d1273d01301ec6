// One own policy module, written once in a pack config's "policy-modules" entry, gives the same
// findings through the checker's bin (`--config FILE`) and through the CrossGuard pack (the pack's
// policy list as policy/index.ts builds it from WEBSVC_K8S_POLICY_PACK_CONFIG, run by the
// @pulumi/policy runtime's analyze RPCs), on the same objects. The real engine runs it in
// tests/tiers/engine/policy-modules.test.ts.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parseManifestText } from "../../policy/cli/manifests";
import { typeTokenFor, type ManifestResource } from "../../policy/lib/run";
import { exemptionReportPolicy, EXEMPTION_REPORT_POLICY_ID } from "../../policy/lib/exemption-report";
import { PACK_CONFIG_ENV, packPolicies, POLICY_MODULES_KEY } from "../../policy/lib/pack-modules";
import { allPolicies } from "../../policy/policies";
import { analyzeAll, analyzerproto, type Diagnostic } from "./runtime-rpc";
import { REPO_ROOT, runCheckCli, suiteDir } from "./support";

const MODULE = path.join(REPO_ROOT, "examples", "worker-stack", "policies", "team-owner-label.js");
const MODULE_ID = "team-owner-label";
const REASON = "moving owners (OPS-9)";

const workload = (kind: string, name: string, namespace: string, labels: string, annotations = "{}") =>
    `apiVersion: ${kind === "CronJob" ? "batch/v1" : "apps/v1"}\nkind: ${kind}\nmetadata: {name: ${name}, namespace: ${namespace}, labels: ${labels}, annotations: ${annotations}}\nspec:\n` +
    (kind === "CronJob" ? `  schedule: "0 3 * * *"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers: [{name: c, image: "registry.example.com/w:1"}]\n` : `  template:\n    spec:\n      containers: [{name: c, image: "registry.example.com/w:1"}]\n`);

const MANIFESTS = [
    workload("Deployment", "unowned", "jobs", "{app: w}"),
    workload("Deployment", "owned", "jobs", "{app: w, team: payments}"),
    workload("Deployment", "legacy", "jobs", "{app: w}", `{"exempt.websvc-k8s/${MODULE_ID}": "${REASON}"}`),
    workload("CronJob", "nightly", "jobs", "{app: w}"),
    workload("CronJob", "system", "kube-system", "{app: w}"),
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: jobs}\ndata: {a: b}\n",
].join("---\n");

interface Sarif { runs: { results: { ruleId: string; message: { text: string }; properties: { enforcementLevel: string }; suppressions?: { justification: string }[] }[] }[] }
/** "<policy> <level>: <Kind> <namespace/name>: <message>" */
type Finding = string;
const LEVELS: Record<number, string> = { [analyzerproto.EnforcementLevel.ADVISORY]: "advisory", [analyzerproto.EnforcementLevel.MANDATORY]: "mandatory" };

describe("policy-modules in the pack config: the checker and the CrossGuard pack agree", function () {
    this.timeout(120_000);
    const suite = suiteDir("pack-modules-", { "objects.yaml": MANIFESTS });
    let config: string;
    let cli: { findings: Finding[]; exempted: string[]; code: number | null };
    let pack: { findings: Finding[]; exempted: string[] };

    before(async () => {
        fs.mkdirSync(suite.path("policies"));
        fs.copyFileSync(MODULE, suite.path("policies", "team-owner-label.js"));
        config = suite.path("production.json");
        // Only the modules: these RPCs get no Configure call, so the pack side runs every policy at its
        // defaults; the engine tier checks that the config's levels and settings reach a module's policy.
        fs.writeFileSync(config, JSON.stringify({ [POLICY_MODULES_KEY]: { modules: ["./policies/team-owner-label.js"] } }));

        // SARIF: it carries each finding's enforcement level, and exempted ones as suppressions.
        const run = runCheckCli(["--format", "sarif", "--config", config, suite.path("objects.yaml")]);
        const results = (JSON.parse(run.stdout) as Sarif).runs[0].results;
        cli = {
            code: run.code,
            findings: results.filter((r) => !r.suppressions).map((r) => `${r.ruleId} ${r.properties.enforcementLevel}: ${r.message.text}`).sort(),
            exempted: results.filter((r) => r.suppressions).map((r) => `${r.ruleId}: ${r.message.text.replace(/ \(exempted by .*\)$/, "")} "${r.suppressions![0].justification}"`).sort(),
        };

        const resources: ManifestResource[] = parseManifestText(MANIFESTS, "objects.yaml").objects.map((o) => ({ type: typeTokenFor(o.apiVersion, o.kind), name: o.name, props: o.body }));
        const urnOf = (r: ManifestResource) => `urn:pulumi:production::app::${r.type}::${r.name.replace("/", "-")}`;
        const byUrn = new Map(resources.map((r) => [urnOf(r), r]));
        // The pack's list as index.ts builds it, minus its policy-modules guard: that one compares the
        // config the engine sends (Configure), which these RPCs never get (lib/pack-modules.test.ts tests it).
        const policies = packPolicies(allPolicies, exemptionReportPolicy, { [PACK_CONFIG_ENV]: config }).filter((p) => p.name !== POLICY_MODULES_KEY);
        const { perResource, stack } = await analyzeAll(policies, resources, urnOf);
        const described = (r: ManifestResource | undefined) => (r ? `${r.props.kind} ${r.name}` : "");
        // The runtime's message is the policy's description, a newline, then the reported message.
        const descriptions = new Map(policies.map((p) => [p.name, p.description ?? ""]));
        const reported = (d: Diagnostic) => d.message.slice((descriptions.get(d.policyName) ?? "").length).replace(/^\n/, "");
        const reportOf = (r: ManifestResource | undefined, d: Diagnostic) => `${d.policyName} ${LEVELS[d.enforcementLevel]}: ${described(r)}: ${reported(d)}`;
        const waived = stack.filter((d) => d.policyName === EXEMPTION_REPORT_POLICY_ID);
        pack = {
            findings: [
                ...resources.flatMap((r) => (perResource.get(r.name) ?? []).map((d) => reportOf(r, d))),
                ...stack.filter((d) => !waived.includes(d)).map((d) => reportOf(byUrn.get(d.urn), d)),
            ].sort(),
            // "<policy> exempted by <annotation>: "<reason>" (waived finding: <message>)"
            exempted: waived.map((d) => d.message.replace(/^(\S+) exempted by \S+: ("[^"]*") \(waived finding: (.*)\)$/, (_m, policy, reason, message) => `${policy}: ${described(byUrn.get(d.urn))}: ${message} ${reason}`)).sort(),
        };
    });

    it("the module's findings: the same objects, messages and level", () => {
        const mine = (found: Finding[]) => found.filter((f) => f.startsWith(`${MODULE_ID} `));
        assert.deepEqual(mine(cli.findings), [
            "team-owner-label mandatory: CronJob jobs/nightly: metadata.labels.team: CronJob must name its owning team",
            "team-owner-label mandatory: Deployment jobs/unowned: metadata.labels.team: Deployment must name its owning team",
        ]);
        assert.deepEqual(mine(pack.findings), mine(cli.findings));
    });

    it("every finding, built-in ones included, is the same through both", () => {
        assert.ok(cli.findings.length > 10, `only ${cli.findings.length} findings`);
        assert.deepEqual(pack.findings, cli.findings);
        assert.equal(cli.code, 1);
    });

    it("the exemption annotation waives the module's finding in both, with its reason", () => {
        assert.deepEqual(cli.exempted, [`${MODULE_ID}: Deployment jobs/legacy: metadata.labels.team: Deployment must name its owning team "${REASON}"`]);
        assert.deepEqual(pack.exempted, cli.exempted);
    });
});

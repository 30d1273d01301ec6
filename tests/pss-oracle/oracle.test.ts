// Compares the pack's PSS verdicts with the real k8s.io/pod-security-admission library.
// Opt-in (needs Go and the Go module proxy): PSS_ORACLE=1 npx mocha tests/pss-oracle/oracle.test.ts
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import YAML from "yaml";
import { allPolicies, selectPolicies } from "../../policy/policies";
import { runPolicies } from "../../policy/lib/run";
import { asResource, workloadKinds, type WorkloadKind } from "../../policy/test/policies/support/workloads";
import { evaluateWithOracle, type OracleRequest } from "./oracle";
import { defaultingFixtures, oracleFixtures, type NamedPod } from "./fixtures";

const enabled = process.env.PSS_ORACLE === "1";
const versions = [...Array.from({ length: 13 }, (_, i) => `1.${25 + i}`), "latest"];
const levels = ["baseline", "restricted"] as const;
const podAndCronJob = workloadKinds.filter((k) => k.kind === "Pod" || k.kind === "CronJob");

const policiesAt = { baseline: selectPolicies("pss-baseline"), restricted: selectPolicies("pss-restricted") };
const psaCheckOf = new Map(allPolicies.map((p) => [p.name, p.metadata.psaCheckId]));

/** The pod-security-admission check ids our policies report for this pod (via runPolicies, like the checker). */
function ourFailingChecks(level: (typeof levels)[number], version: string, kind: WorkloadKind, pod: OracleRequest): string[] {
    const r = asResource(kind, { metadata: pod.metadata, spec: pod.spec } as never);
    const violations = runPolicies([{ type: r.type, name: r.name, props: r.props }], { policies: policiesAt[level], kubernetesVersion: version });
    return [...new Set(violations.map((v) => psaCheckOf.get(v.policy) ?? v.policy))].sort();
}

/** Every fixture x level x version x kind, ours vs the library (which defaults the pod first). */
function compareWithOracle(label: string, fixtures: NamedPod[], kinds: WorkloadKind[]): void {
    const requests: (OracleRequest & { fixture: number; kind: WorkloadKind })[] = [];
    for (const [fi, f] of fixtures.entries()) {
        for (const level of levels) {
            for (const version of versions) {
                for (const kind of kinds) {
                    requests.push({ id: `${fi}|${level}|${version}|${kind.kind}`, level, version, metadata: f.pod.metadata, spec: f.pod.spec, fixture: fi, kind });
                }
            }
        }
    }
    const answers = evaluateWithOracle(requests.map(({ fixture: _f, kind: _k, ...r }) => r));
    let verdictAgree = 0;
    let checksAgree = 0;
    const mismatches: string[] = [];
    answers.forEach((answer, i) => {
        const req = requests[i];
        assert.strictEqual(answer.error, undefined, `oracle error for ${req.id}: ${answer.error}`);
        const ours = ourFailingChecks(req.level, req.version, req.kind, req);
        const sameVerdict = (ours.length === 0) === answer.allowed;
        const sameChecks = JSON.stringify(ours) === JSON.stringify(answer.failing);
        verdictAgree += sameVerdict ? 1 : 0;
        checksAgree += sameChecks ? 1 : 0;
        if (!sameVerdict || !sameChecks) {
            mismatches.push(`${fixtures[req.fixture].name} [${req.level} ${req.version} ${req.kind.kind}]: ours ${JSON.stringify(ours)} vs library ${JSON.stringify(answer.failing)} (allowed=${answer.allowed})`);
        }
    });
    console.log(`      ${label}: ${requests.length} evaluations (${fixtures.length} pods x ${levels.length} levels x ${versions.length} versions x ${kinds.length} kinds); verdicts agree ${verdictAgree}/${requests.length}, failing-check sets agree ${checksAgree}/${requests.length}`);
    assert.deepStrictEqual(mismatches.slice(0, 20), [], `${mismatches.length} mismatches`);
}

(enabled ? describe : describe.skip)(`PSS verdicts agree with k8s.io/pod-security-admission${enabled ? "" : " (skipped: set PSS_ORACLE=1; needs Go + module proxy)"}`, function () {
    this.timeout(15 * 60 * 1000);

    it("every fixture x level x version x kind gets the same verdict and the same failing checks", () => {
        compareWithOracle("oracle", oracleFixtures(), podAndCronJob);
    });

    it("pods whose verdict depends on API defaulting agree in every pod-bearing kind", () => {
        const fixtures = defaultingFixtures();
        // The library must really disagree with the undefaulted pod on some of them, or they test nothing.
        const undefaulted = fixtures.filter((f) => ourFailingChecks("restricted", "1.37", workloadKinds[0], { id: "", level: "restricted", version: "1.37", ...f.pod }).length === 0);
        assert.ok(undefaulted.length < fixtures.length, "every defaulting fixture passes restricted: they would not exercise a failing check");
        compareWithOracle("oracle, defaulting fixtures", fixtures, workloadKinds);
    });

    it("the policy:check CLI (the conformance entry point) agrees on the failing checks of every pod", () => {
        const fixtures = oracleFixtures(150);
        const pods = fixtures.map((f, i) => ({ apiVersion: "v1", kind: "Pod", metadata: { ...f.pod.metadata, name: `fixture-${i}` }, spec: f.pod.spec }));
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pss-oracle-cli-"));
        const file = path.join(dir, "pods.yaml");
        fs.writeFileSync(file, pods.map((p) => YAML.stringify(p)).join("---\n"));
        let agree = 0;
        let total = 0;
        const mismatches: string[] = [];
        for (const level of levels) {
            for (const version of ["1.25", "1.31", "1.34", "1.35", "1.37"]) {
                const args = ["run", "--silent", "policy:check", "--", "--only", `pss-${level}`, "--k8s-version", version, "--format", "json", file];
                let stdout: string;
                try {
                    stdout = execFileSync("npm", args, { cwd: path.resolve(__dirname, "../.."), maxBuffer: 64 * 1024 * 1024 }).toString();
                } catch (e) {
                    stdout = String((e as { stdout?: Buffer }).stdout ?? ""); // exit 1 = violations found
                }
                const reports = JSON.parse(stdout) as { name: string; violations: { policy: string }[] }[];
                const answers = evaluateWithOracle(pods.map((p, i) => ({ id: String(i), level, version, metadata: p.metadata, spec: p.spec })));
                assert.strictEqual(reports.length, pods.length);
                reports.forEach((report, i) => {
                    const ours = [...new Set(report.violations.map((v) => psaCheckOf.get(v.policy) ?? v.policy))].sort();
                    total += 1;
                    if (JSON.stringify(ours) === JSON.stringify(answers[i].failing)) {
                        agree += 1;
                    } else {
                        mismatches.push(`${fixtures[i].name} [${level} ${version}]: CLI ${JSON.stringify(ours)} vs library ${JSON.stringify(answers[i].failing)}`);
                    }
                });
            }
        }
        console.log(`      oracle via policy:check: failing-check sets agree ${agree}/${total} (${pods.length} pods x ${levels.length} levels x 5 versions)`);
        assert.deepStrictEqual(mismatches.slice(0, 20), [], `${mismatches.length} mismatches`);
    });
});

// Validates .github/workflows against the published GitHub workflow JSON schema (through
// @action-validator/core) and asserts the deployment rules the schema cannot express.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { validateWorkflow } from "@action-validator/core";
import { parse } from "yaml";

const dir = path.join(__dirname, "..", "..", ".github", "workflows");
const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));

interface Step {
    id?: string;
    name?: string;
    if?: string;
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
    "working-directory"?: string;
    "continue-on-error"?: boolean | string;
}
interface Job {
    if?: string;
    environment?: string | { name: string };
    permissions?: Record<string, string>;
    strategy?: { "fail-fast"?: boolean; matrix?: { stack?: string[] } };
    "continue-on-error"?: boolean | string;
    steps?: Step[];
}
interface Workflow {
    on: Record<string, unknown>;
    concurrency?: { group: string; "cancel-in-progress"?: boolean };
    permissions?: Record<string, string>;
    jobs: Record<string, Job>;
}

const text = (f: string) => fs.readFileSync(path.join(dir, f), "utf8");
const load = (f: string) => parse(text(f), { merge: true }) as Workflow;
const steps = (job: Job) => job.steps ?? [];
const pulumiSteps = (job: Job) => steps(job).filter((s) => s.uses?.startsWith("pulumi/actions@"));
/** pulumi/actions steps that run a command that goes through the policy pack. */
const packSteps = (job: Job) => pulumiSteps(job).filter((s) => s.with?.command === "preview" || s.with?.command === "up");
const root = path.join(__dirname, "..", "..");
/** The stacks this repository has (Pulumi.<stack>.yaml). */
const STACKS = fs.readdirSync(root).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => s !== undefined).sort();

describe("GitHub workflows", () => {
    it("has the preview, deploy and drift workflows", () => {
        for (const f of ["deploy.yml", "preview.yml", "drift.yml"]) assert.ok(files.includes(f), `${f} is missing`);
        assert.deepEqual(STACKS, ["production", "staging"]);
    });

    for (const f of files) {
        it(`${f} is valid against the GitHub workflow schema`, () => {
            assert.deepEqual(validateWorkflow(text(f)).errors, []);
        });
    }

    it("the schema validator rejects a broken workflow (so the check above can fail)", () => {
        const broken = text("preview.yml").replace("runs-on: ubuntu-latest", "runs_on: ubuntu-latest");
        assert.notEqual(broken, text("preview.yml"));
        assert.ok(validateWorkflow(broken).errors.length > 0);
    });

    describe("action pinning", () => {
        // A full commit SHA with the release it matches as a comment, or an exact release tag;
        // never a moving major tag such as @v6 or a branch.
        const pinned = /^\s*(?:-\s+)?uses:\s+([\w.-]+\/[\w./-]+)@(?:([0-9a-f]{40})\s+#\s+v\d+\.\d+\.\d+|(v\d+\.\d+\.\d+))\s*$/;
        for (const f of files) {
            it(`${f}: every action is pinned to a commit SHA or an exact version`, () => {
                const uses = text(f).split("\n").filter((l) => /^\s*(-\s+)?uses:/.test(l));
                assert.ok(uses.length > 0);
                for (const line of uses) assert.match(line, pinned);
            });
        }
        it("the pinning rule rejects a floating tag", () => {
            assert.doesNotMatch("      - uses: pulumi/actions@v6", pinned);
            assert.doesNotMatch("      - uses: actions/checkout@main", pinned);
        });
    });

    for (const f of files) {
        describe(`${f}: every job that runs Pulumi`, () => {
            const jobs = Object.entries(load(f).jobs).filter(([, j]) => pulumiSteps(j).length > 0);
            it("exists", () => assert.ok(jobs.length > 0));
            for (const [name, job] of jobs) {
                it(`${name}: installs the program (and the pack, when Pulumi runs it) with npm ci before Pulumi runs`, () => {
                    const all = steps(job);
                    const at = all.indexOf(pulumiSteps(job)[0]);
                    const ci = all.slice(0, at).filter((s) => s.run?.trim() === "npm ci");
                    assert.deepEqual(ci.map((s) => s["working-directory"] ?? "."), packSteps(job).length > 0 ? [".", "policy"] : ["."]);
                });
                it(`${name}: logs in with OIDC (pulumi/auth-actions) before Pulumi runs, no static token`, () => {
                    const all = steps(job);
                    const auth = all.findIndex((s) => s.uses?.startsWith("pulumi/auth-actions@"));
                    assert.ok(auth >= 0 && auth < all.indexOf(pulumiSteps(job)[0]));
                    assert.equal(all[auth].with?.["requested-token-type"], "urn:pulumi:token-type:access_token:organization");
                    assert.doesNotMatch(text(f), /secrets\.PULUMI_ACCESS_TOKEN/);
                });
                it(`${name}: runs the local policy pack with the stack's environment config, as the README does`, () => {
                    for (const s of packSteps(job)) {
                        assert.equal(s.with?.policyPacks, "policy");
                        // The same expression that names the stack names its pack config, and that file exists for every stack.
                        const stackExpr = /\$\{\{ (matrix\.stack|github\.job) \}\}$/.exec(String(s.with?.["stack-name"]))?.[1];
                        assert.ok(stackExpr, `stack-name ${s.with?.["stack-name"]}`);
                        assert.equal(s.with?.policyPackConfigs, `policy/config/\${{ ${stackExpr} }}.json`);
                        for (const stack of STACKS) assert.ok(fs.existsSync(path.join(root, "policy/config", `${stack}.json`)), `policy/config/${stack}.json`);
                    }
                });
            }
            it("may request an OIDC token", () => assert.equal(load(f).permissions?.["id-token"], "write"));
        });
    }

    describe("preview.yml", () => {
        const wf = load("preview.yml");
        it("runs on pull requests only", () => assert.deepEqual(Object.keys(wf.on), ["pull_request"]));
        it("cancels the previous preview of the same PR", () => {
            assert.match(wf.concurrency?.group ?? "", /\$\{\{\s*github\.event\.pull_request\.number\s*\}\}/);
            assert.equal(wf.concurrency?.["cancel-in-progress"], true);
        });
        it("previews with a PR comment and may write it", () => {
            const s = pulumiSteps(wf.jobs.preview);
            assert.deepEqual(s.map((x) => [x.with?.command, x.with?.["comment-on-pr"]]), [["preview", true]]);
            assert.equal(wf.permissions?.["pull-requests"], "write");
            assert.equal(wf.permissions?.contents, "read");
        });
        it("never deploys", () => assert.doesNotMatch(text("preview.yml"), /command:\s*(up|destroy|refresh)\b/));
    });

    describe("deploy.yml", () => {
        const wf = load("deploy.yml");
        const on = wf.on as { push: { branches: string[]; tags: string[] } };
        it("deploys on pushes to main and on version tags", () => {
            assert.deepEqual(on.push.branches, ["main"]);
            assert.deepEqual(on.push.tags, ["v[0-9]+.[0-9]+.[0-9]+"]);
        });
        it("queues every deployment in one group and never cancels a running one", () => {
            assert.ok(wf.concurrency?.group);
            assert.doesNotMatch(wf.concurrency!.group, /\$\{\{/);
            assert.equal(wf.concurrency?.["cancel-in-progress"], false);
        });
        it("staging deploys from main in the staging environment", () => {
            assert.equal(wf.jobs.staging.if, "github.ref == 'refs/heads/main'");
            assert.equal(wf.jobs.staging.environment, "staging");
        });
        it("production deploys only from tags, behind the protected production environment", () => {
            assert.equal(wf.jobs.production.if, "startsWith(github.ref, 'refs/tags/v')");
            assert.equal(wf.jobs.production.environment, "production");
        });
        it("runs `pulumi up` on the stack named after the job", () => {
            for (const job of ["staging", "production"]) {
                const s = pulumiSteps(wf.jobs[job]);
                assert.deepEqual(s.map((x) => x.with?.command), ["up"]);
                assert.match(String(s[0].with?.["stack-name"]), /\/websvc\/\$\{\{ github\.job \}\}$/);
            }
        });
        it("has no pull_request trigger (deployments run only on trusted refs)", () => {
            assert.deepEqual(Object.keys(wf.on), ["push"]);
        });
    });

    describe("preview.yml: the pack's findings over the synthesized stacks go to code scanning", () => {
        const wf = load("preview.yml");
        const job = wf.jobs["policy-sarif"];
        it("exists, for every stack, and may write security events (and nothing else)", () => {
            assert.ok(job, "no policy-sarif job");
            assert.deepEqual([...(job.strategy?.matrix?.stack ?? [])].sort(), STACKS);
            assert.equal(job.strategy?.["fail-fast"], false);
            assert.deepEqual(job.permissions, { contents: "read", "security-events": "write" });
        });
        it("synthesizes the stack offline, checks those objects as SARIF with the stack's config, and uploads that file", () => {
            const all = steps(job);
            const synth = all.findIndex((s) => /^npm run synth -- --stack "\$STACK" --out "dist\/manifests\/\$STACK" --source-map "dist\/manifests\/\$STACK\.sources\.json" --no-policy$/.test(s.run?.trim() ?? ""));
            const check = all.findIndex((s) => /^npm run --silent policy:check -- --format sarif /.test(s.run?.trim() ?? ""));
            const upload = all.findIndex((s) => s.uses?.startsWith("github/codeql-action/upload-sarif@"));
            assert.ok(synth >= 0 && synth < check && check < upload, JSON.stringify(all.map((s) => s.name ?? s.uses)));
            for (const i of [synth, check]) assert.equal(all[i].env?.STACK, "${{ matrix.stack }}");
            const run = all[check].run!;
            assert.match(run, /--format sarif/);
            assert.match(run, /--config "policy\/config\/\$STACK\.json"/);
            assert.match(run, /--stack-tag "environment=\$STACK"/);
            // Findings point at the program source that built each object (tests/workflows/sarif-locations.test.ts).
            assert.match(run, /--source-map "dist\/manifests\/\$STACK\.sources\.json"/);
            // synth writes resources.json and outputs.json beside the manifests; the checker reads .json
            // files in directories like kubectl does, and those two are no Kubernetes objects (exit 2).
            assert.match(run, /--ignore-path resources\.json --ignore-path outputs\.json /);
            assert.match(run, / "dist\/manifests\/\$STACK" > "policy-\$STACK\.sarif"$/);
            assert.equal(all[upload].with?.sarif_file, "policy-${{ matrix.stack }}.sarif");
            assert.match(String(all[upload].with?.category), /\$\{\{ matrix\.stack \}\}/);
        });
        it("uploads even when the check failed, and never hides the failure", () => {
            const all = steps(job);
            const upload = all.find((s) => s.uses?.startsWith("github/codeql-action/upload-sarif@"))!;
            assert.match(upload.if ?? "", /!cancelled\(\)/);
            assert.ok(all.every((s) => s["continue-on-error"] === undefined) && job["continue-on-error"] === undefined);
        });
        it("pins upload-sarif to a commit like the other actions", () => {
            assert.match(text("preview.yml"), /uses: github\/codeql-action\/upload-sarif@[0-9a-f]{40} # v\d+\.\d+\.\d+\n/);
        });
    });

    describe("drift.yml", () => {
        const wf = load("drift.yml");
        const on = wf.on as { schedule?: Array<{ cron: string }> };
        const job = wf.jobs.drift;
        it("runs on a schedule (and by hand), never on code changes", () => {
            assert.ok((on.schedule ?? []).length > 0);
            for (const { cron } of on.schedule!) assert.match(cron, /^(\S+\s+){4}\S+$/, "a five-field cron");
            assert.deepEqual(Object.keys(wf.on).sort(), ["schedule", "workflow_dispatch"]);
        });
        it("checks every stack, each on its own (one drifting stack does not hide the other)", () => {
            assert.deepEqual([...(job.strategy?.matrix?.stack ?? [])].sort(), STACKS);
            assert.equal(job.strategy?.["fail-fast"], false);
        });
        it("runs `pulumi refresh --preview-only --expect-no-changes` on the matrix stack and fails visibly", () => {
            const all = steps(job);
            const refresh = all.filter((s) => /^pulumi refresh\b/.test(s.run?.trim() ?? ""));
            assert.equal(refresh.length, 1);
            assert.match(refresh[0].run!, /^pulumi refresh --preview-only --expect-no-changes .*--stack "\$STACK"$/);
            assert.equal(refresh[0].env?.STACK, "${{ vars.PULUMI_ORG }}/websvc/${{ matrix.stack }}");
            assert.ok(all.every((s) => s["continue-on-error"] === undefined) && job["continue-on-error"] === undefined, "a drift must fail the run");
            const report = all.find((s) => s.if?.includes(`steps.${refresh[0].id}.outcome == 'failure'`));
            assert.ok(report, "no step reports the drift");
            assert.match(report!.run!, /::error /);
            assert.match(report!.run!, /GITHUB_STEP_SUMMARY/);
            assert.doesNotMatch(text("drift.yml"), /command:\s*(up|destroy|refresh|preview)\b/, "the action only installs the CLI; refresh itself is read-only");
        });
        it("uses only the drift identity's read-only kubeconfig (not the deployer's, not the previewer's) and its own concurrency group", () => {
            assert.doesNotMatch(text("drift.yml"), /secrets\.(PREVIEW_)?KUBECONFIG\b/);
            assert.match(text("drift.yml"), /secrets\.DRIFT_KUBECONFIG/);
            assert.notEqual(wf.concurrency?.group, load("deploy.yml").concurrency?.group);
            assert.equal(wf.concurrency?.["cancel-in-progress"], false);
        });
    });
});

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
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    "working-directory"?: string;
}
interface Job {
    if?: string;
    environment?: string | { name: string };
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

describe("GitHub workflows", () => {
    it("has the preview and deploy workflows", () => {
        for (const f of ["deploy.yml", "preview.yml"]) assert.ok(files.includes(f), `${f} is missing`);
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
                it(`${name}: installs program and pack with npm ci before Pulumi runs`, () => {
                    const all = steps(job);
                    const at = all.indexOf(pulumiSteps(job)[0]);
                    const ci = all.slice(0, at).filter((s) => s.run?.trim() === "npm ci");
                    assert.deepEqual(ci.map((s) => s["working-directory"] ?? "."), [".", "policy"]);
                });
                it(`${name}: logs in with OIDC (pulumi/auth-actions) before Pulumi runs, no static token`, () => {
                    const all = steps(job);
                    const auth = all.findIndex((s) => s.uses?.startsWith("pulumi/auth-actions@"));
                    assert.ok(auth >= 0 && auth < all.indexOf(pulumiSteps(job)[0]));
                    assert.equal(all[auth].with?.["requested-token-type"], "urn:pulumi:token-type:access_token:organization");
                    assert.doesNotMatch(text(f), /secrets\.PULUMI_ACCESS_TOKEN/);
                });
                it(`${name}: runs the local policy pack`, () => {
                    for (const s of pulumiSteps(job)) assert.equal(s.with?.policyPacks, "policy");
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
});

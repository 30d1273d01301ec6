// The README's commands are what people copy. The checker example runs here as written against
// what `npm run synth` renders (the Quick start renders production into dist/manifests/production);
// every other command is mapped to the step of .ci/run or the test that runs it (issue 21: "every
// command in the README is run by a test or by .ci/run"), so a command added to the README without
// a place that runs it fails here.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT, sharedSynth } from "../support/synth-run";

const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

/** Shell commands of the README's ```bash blocks, continuation lines joined, comments dropped. */
function readmeCommands(): string[] {
    const blocks = [...README.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]);
    return blocks.flatMap((b) => b.replace(/\\\n\s*/g, " ").split("\n"))
        .map((l) => l.replace(/\s+#.*$/, "").replace(/\s+/g, " ").trim())
        .filter((l) => l.length > 0);
}

/** The README's commands: its ```bash lines (readmeCommands) and its inline `npm …`/`pulumi …` spans, a table cell's shorthand expanded ("`npm run test:engine` / `test:cluster`"). */
function readmeInlineCommands(): string[] {
    const found: string[] = [];
    for (const line of README.split("\n").filter((l) => !/^\s*(```|\s{4})/.test(l))) {
        const spans = [...line.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);
        let previous: string | undefined;
        for (const span of spans) {
            const shorthand = previous !== undefined && line.includes(`\`${previous}\` / \`${span}\``);
            if (/^(npm|pulumi|kubectl|bash|eval|node|npx) /.test(span)) found.push(span);
            else if (shorthand && previous!.startsWith("npm run ")) {
                // "`npm run image -- build` / `test`" and "`npm run test:pss-oracle` / `test:yaml-oracle`"
                found.push(previous!.includes(" -- ") ? `${previous!.slice(0, previous!.indexOf(" -- ") + 4)}${span}` : `npm run ${span}`);
            }
            previous = span;
        }
    }
    return found;
}

/**
 * Where each README command runs: a file of .ci/run's steps or of a test, and a string that must stay
 * in it. `as` says how the run differs from the README's line ("written": as it stands). A command
 * the README gains without an entry here fails, and so does an entry whose string left its file.
 */
interface Exercised { file: string; needle: string; as: string }
const CI = ".ci/run";
const PROVISIONED = "scripts/tiers/provisioned.sh"; // .ci/run's tier steps
const EXERCISED: Record<string, Exercised> = {
    // Quick start
    "npm run setup": { file: CI, needle: "\nnpm run setup\n", as: "written" },
    "npm test": { file: CI, needle: "\nnpm test\n", as: "written" },
    // The real workflow: the engine and cluster tiers run its steps with the real CLI, through the Automation API where it reaches
    "pulumi login": { file: "tests/tiers/lib/cli-config.ts", needle: '["login", `file://', as: "the README comment's file:// backend, in a scratch directory" },
    "pulumi stack select production": { file: "tests/tiers/lib/engine.ts", needle: "LocalWorkspace.createStack({ stackName, workDir }", as: "the Automation API creates and selects each tier stack" },
    "pulumi config set --secret kubeconfig < ~/.kube/prod.yaml": { file: "tests/tiers/lib/cli-config.ts", needle: '"config", "set", "-s", stack, "--secret", key, ""', as: "the real CLI sets kubeconfig as a secret (empty: the tiers take their cluster from KUBECONFIG, their contract); a kubeconfig's content through this key is not run by a test" },
    "pulumi config set --path 'image.ref' ghcr.io/acme/websvc@sha256:<digest>": { file: "tests/tiers/lib/cli-config-cases.ts", needle: 'c("image.ref", "main", `registry.example.com/websvc/app@${DIGEST}`', as: "the engine tier's CLI check writes image.ref (and every nested key) with the real `pulumi config set --path`" },
    "pulumi preview --policy-pack policy --policy-pack-config policy/config/production.json": { file: "tests/tiers/engine/control.test.ts", needle: "stack.preview({ ...pack(), onEvent: events.onEvent })", as: "the Automation API's preview with policyPacks and policyPackConfigs (tests/tiers/lib/engine.ts packOptions)" },
    "pulumi up --stack production --policy-pack policy --policy-pack-config policy/config/production.json": { file: "tests/tiers/cluster/stacks.test.ts", needle: "p.stack.up({ ...pack(), onEvent: events.onEvent })", as: "the Automation API's up with the stack's pack config, on the local cluster (and on real nodes: tests/tiers/lib/runtime-stack.ts)" },
    // Try it on a local cluster: the runtime tier's provisioning and checks
    "npm run image -- build": { file: CI, needle: "npm run --silent image -- build --budget-seconds 900", as: "with a build budget" },
    "npm run image -- test": { file: CI, needle: "npm run --silent image -- test --budget-seconds 600", as: "with a budget" },
    'eval "$(npm run --silent cluster -- up --real-nodes 3)"': { file: PROVISIONED, needle: 'cluster_env="$(bash scripts/cluster.sh up "${up_args[@]}" | grep \'^export \')"', as: "the runtime tier's provisioning, up_args=(--real-nodes 3), then eval of the export lines" },
    "pulumi config set --stack production --path image.ref \"$(npm run --silent cluster -- status | sed -n 's/^IMAGE=//p')\"": { file: "tests/tiers/lib/runtime-env.ts", needle: "parseKeyValues(status.out).IMAGE", as: "the runtime tier reads IMAGE= from `cluster.sh status` and deploys both stacks with that image.ref" },
    "ip=$(kubectl -n websvc-production get service -l app.kubernetes.io/name=websvc -o jsonpath='{.items[0].spec.clusterIP}')": { file: "tests/tiers/runtime/runtime.test.ts", needle: "const ip = svc.spec.clusterIP;", as: "kubectl get service by the stack's selector, read as JSON" },
    'npm run --silent cluster -- exec -- curl -s "http://$ip/healthz"': { file: "tests/tiers/runtime/runtime.test.ts", needle: 'clusterCommand(env, ["exec", "--", "curl"', as: "`cluster.sh exec -- curl` on /healthz, /readyz, / and /metrics, status and body checked" },
    "npm run cluster -- down": { file: "tests/tiers/cluster/last/local-cluster.test.ts", needle: "`down` stops exactly its processes", as: "`cluster.sh down`, checked to stop exactly its processes (provisioned.sh also runs it at exit)" },
    // Policy pack and checker
    "npm run --silent policy:check -- --config policy/config/production.json --ignore-path resources.json --ignore-path outputs.json dist/manifests/production": { file: "tests/scripts/readme-commands.test.ts", needle: 'c.startsWith("npm run --silent policy:check")', as: "written, on a fresh synth of production" },
    // Prose and the Testing table
    "npm run synth -- --stack <staging|production>": { file: CI, needle: "npm run synth -- --stack staging", as: "staging in .ci/run; production by npm run setup (scripts/setup.sh)" },
    "npm run toolchain": { file: PROVISIONED, needle: "bash scripts/pulumi-toolchain.sh", as: "the script npm run toolchain runs, with a budget" },
    "pulumi config set --path": { file: "tests/tiers/lib/cli-config.ts", needle: '["--path", ...(type ? ["--type", type]', as: "the engine tier's CLI check" },
    "pulumi up": { file: "tests/tiers/cluster/stacks.test.ts", needle: "p.stack.up({ ...pack(), onEvent: events.onEvent })", as: "the Automation API's up" },
    "npm run lint": { file: CI, needle: "\nnpm run lint\n", as: "written" },
    "npm run typecheck": { file: CI, needle: "\nnpm run typecheck\n", as: "written" },
    "npm run test:checker-cli": { file: CI, needle: "\nnpm run test:checker-cli\n", as: "written" },
    "npm run test:pss-oracle": { file: CI, needle: "\nnpm run test:pss-oracle\n", as: "written" },
    "npm run test:yaml-oracle": { file: CI, needle: "\nnpm run test:yaml-oracle\n", as: "written" },
    "npm run test:alerts": { file: CI, needle: "then npm run test:alerts\n", as: "written, once promtool is built" },
    "npm run test:engine": { file: CI, needle: "provisioned.sh engine ", as: "npm run test:engine after provisioning (provisioned.sh)" },
    "npm run test:cluster": { file: CI, needle: "provisioned.sh cluster ", as: "npm run test:cluster after provisioning (provisioned.sh)" },
    "npm run test:runtime": { file: CI, needle: "provisioned.sh runtime ", as: "npm run test:runtime after provisioning (provisioned.sh)" },
    "npm run test:deploy-safety": { file: CI, needle: "provisioned.sh deploy-safety ", as: "npm run test:deploy-safety after provisioning (provisioned.sh)" },
};

describe("README commands", function () {
    this.timeout(180_000);

    it("the checker example runs as written on the rendered production stack: exit 0 (advisory findings at most)", () => {
        const examples = readmeCommands().filter((c) => c.startsWith("npm run --silent policy:check"));
        assert.equal(examples.length, 1, `expected one checker example, found ${examples.length}`);
        const synth = sharedSynth("production", ["--no-policy"]);
        assert.equal(synth.result.status, 0, synth.result.stderr);
        const command = examples[0].replace("dist/manifests/production", synth.outDir);
        assert.notEqual(command, examples[0], "the example no longer names dist/manifests/production");
        const r = spawnSync("bash", ["-c", command], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
        assert.equal(r.status, 0, `${command}\n${r.stdout}${r.stderr}`);
        assert.match(r.stdout, /objects in \d+ files checked against \d+ policies/);
    });

    it("every npm script the README names exists", () => {
        const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts as Record<string, string>;
        const named = [...README.matchAll(/npm run (?:--silent )?([a-z][a-z:-]*)/g)].map((m) => m[1]);
        assert.ok(named.length >= 8, `only ${named.length} npm scripts named`);
        const missing = [...new Set(named)].filter((n) => !(n in scripts));
        assert.deepEqual(missing, []);
    });

    describe("each is run by .ci/run or a test", () => {
        const commands = [...new Set([...readmeCommands(), ...readmeInlineCommands()])];

        it("finds the README's commands (fenced and inline)", () => {
            assert.ok(readmeCommands().length >= 10, String(readmeCommands().length));
            assert.ok(readmeInlineCommands().includes("npm run test:cluster"), "the table's shorthand `test:cluster` is not expanded");
            assert.ok(readmeInlineCommands().includes("npm run image -- test"), "the table's shorthand `test` is not expanded");
        });

        it("every README command has a place that runs it", () => {
            assert.deepEqual(commands.filter((c) => !(c in EXERCISED)), [], "add the command to EXERCISED with the .ci/run step or test that runs it");
        });

        it("every place named still holds its command", () => {
            const gone = Object.entries(EXERCISED)
                .filter(([, e]) => !fs.existsSync(path.join(ROOT, e.file)) || !fs.readFileSync(path.join(ROOT, e.file), "utf8").includes(e.needle))
                .map(([c, e]) => `${c}: ${JSON.stringify(e.needle)} is not in ${e.file}`);
            assert.deepEqual(gone, []);
        });

        it("names only commands the README still shows", () => {
            assert.deepEqual(Object.keys(EXERCISED).filter((c) => !commands.includes(c)), []);
        });

        it("the places are .ci/run, the provisioning it calls, or tests", () => {
            const elsewhere = Object.values(EXERCISED).map((e) => e.file).filter((f) => f !== CI && f !== PROVISIONED && !f.startsWith("tests/"));
            assert.deepEqual(elsewhere, []);
            // .ci/run's tier steps reach the tiers' npm scripts through provisioned.sh.
            assert.ok(fs.readFileSync(path.join(ROOT, PROVISIONED), "utf8").includes('npm run --silent "test:$tier"'));
        });
    });
});

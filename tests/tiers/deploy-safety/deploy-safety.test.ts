// Cluster tier, deploy safety (issue 19; docs/deploy-safety.md, docs/runbook.md): the CI identities of
// deploy/rbac tried for real, generated secrets through the real engine (random TEST STAND-IN), faults
// during a deploy and their documented recovery, and production's protection.
// Contract: a cluster from KUBECONFIG (the local one of `npm run cluster -- up`; the API server restart
// needs its WEBSVC_CLUSTER_DIR), and for the engine part `pulumi` with its plugins on PATH.
// Everything deploys as websvc-deployer, never as admin; admin only applies RBAC, plays the
// organisation's admission rules and the out-of-band changes, and reads for the checks.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { findSecretLeaks } from "../../../scripts/lib/leaks";
import { SafetyEngine, SafetyStack, killGroup, readEventLog, tailOf, waitUntil, which, type CliResult } from "../lib/safety-engine";
import { CI_NAMESPACE, RBAC_DIR, clusterProblem, compareLiveWithState, identityKubeconfig, kubectlAs, liveObjects, restartApiServer, stateObjects, type Kubectl } from "../lib/safety-kube";
import { Steps, note } from "../lib/safety-steps";
import { generatedSecret, rolledPods, secretKeyRefProblems, unchangedKeys } from "../lib/secret-checks";

const TIER = "cluster";
const IDENTITY_FILES = ["stack-roles.yaml", "preview-identity.yaml", "deploy-identity.yaml"].map((f) => path.join(RBAC_DIR, f));
const DRIFT_FILE = path.join(RBAC_DIR, "drift-identity.yaml");
const PREVIEWER_REFUSAL = /websvc-previewer may only dry-run/;
const DEPLOYER_REFUSAL = /websvc-deployer writes only in the app namespaces/;
// The stand-in for an organisation's admission rule: a ConfigMap value it refuses.
const ORG_POLICY = "websvc-test-org-rule";
const REFUSED_SETTING = "refused-by-admission";
// The keys of config.ts's default appSecrets, which both stack files keep.
const GENERATED_KEYS = ["session-key", "jwt-signing-key"];

function imageRef(): string {
    const built = path.join(process.env.XDG_CACHE_HOME ?? path.join(process.env.HOME ?? "/root", ".cache"), "websvc/image/IMAGE");
    const ref = fs.existsSync(built) ? fs.readFileSync(built, "utf8").trim() : "";
    // kwok runs no container, so nothing is pulled: a placeholder digest serves as well.
    return /@sha256:[0-9a-f]{64}$/.test(ref) ? ref : `registry.example.com/websvc/app@sha256:${"5a".repeat(32)}`;
}

const missing: string[] = [];
function requireCluster(ctx: Mocha.Context): void {
    if (missing.length > 0) {
        console.log(`SKIPPED: ${TIER} tier (deploy safety): ${missing.join("; ")}`);
        ctx.skip();
    }
}

describe("deploy safety (cluster tier)", function () {
    this.timeout(900_000);
    const admin: Kubectl = kubectlAs();
    const kubeconfigs: Record<"deployer" | "previewer" | "drift", string> = { deployer: "", previewer: "", drift: "" };
    let scratch = "";

    before(function () {
        missing.length = 0;
        if (!which("kubectl")) missing.push("no kubectl on PATH (start a cluster: `eval \"$(npm run --silent cluster -- up)\"`)");
        else {
            const problem = clusterProblem();
            if (problem) missing.push(problem);
        }
        if (missing.length > 0) return; // each part that needs the cluster skips, saying why
        scratch = fs.mkdtempSync(path.join(process.env.TMPDIR ?? "/tmp", "websvc-safety-identities-"));
        admin(["apply", "--server-side", ...IDENTITY_FILES.flatMap((f) => ["-f", f])]);
        // The drift identity's ServiceAccount and cluster-wide reads; its Secret RoleBindings need the app namespaces.
        admin(["apply", "--server-side", "-f", "-"], fs.readFileSync(DRIFT_FILE, "utf8").split(/^---$/m).filter((d) => !/kind: RoleBinding/.test(d)).join("---\n"));
        kubeconfigs.deployer = identityKubeconfig(admin, "websvc-deployer", scratch);
        kubeconfigs.previewer = identityKubeconfig(admin, "websvc-previewer", scratch);
        kubeconfigs.drift = identityKubeconfig(admin, "websvc-drift", scratch);
    });
    after(() => {
        if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
    });

    describe("identities, with kubectl (no engine needed)", function () {
        const previewer = () => kubectlAs(kubeconfigs.previewer);
        const deployer = () => kubectlAs(kubeconfigs.deployer);
        const drift = () => kubectlAs(kubeconfigs.drift);
        // `kubectl auth can-i`'s answer (its first line; warnings follow on stderr).
        const canI = (k: Kubectl, args: string[]) => k.attempt(["auth", "can-i", ...args]).output.trim().split("\n")[0];
        const probeConfigMap = (ns: string) => ["-n", ns, "create", "configmap", "websvc-safety-probe", "--from-literal=k=v"];
        before(function () {
            requireCluster(this);
        });

        it("the admission policies are active (the previewer's real write is refused, within 30 s of applying them)", async () => {
            // A ValidatingAdmissionPolicy takes effect asynchronously after it is created.
            const t0 = Date.now();
            const refused = await waitUntil(30, () => {
                const r = previewer().attempt(probeConfigMap(CI_NAMESPACE));
                if (r.ok) admin(["-n", CI_NAMESPACE, "delete", "configmap", "websvc-safety-probe"]);
                return PREVIEWER_REFUSAL.test(r.output) ? r.output : undefined;
            }, "the previewer's non-dry-run create to be refused");
            note(`refused after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${refused.trim().split("\n").pop()}`);
        });

        it("the previewer's server-side dry-run of a create and of an apply passes (RBAC allows it, admission lets dry runs through)", () => {
            const create = previewer().attempt([...probeConfigMap(CI_NAMESPACE), "--dry-run=server"]);
            assert.ok(create.ok, create.output);
            const manifest = JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "websvc-safety-probe", namespace: CI_NAMESPACE }, data: { k: "v" } });
            const apply = previewer().attempt(["apply", "--server-side", "--dry-run=server", "-f", "-"], manifest);
            assert.ok(apply.ok, apply.output);
            assert.equal(admin.attempt(["-n", CI_NAMESPACE, "get", "configmap", "websvc-safety-probe"]).ok, false, "a dry run left an object behind");
        });

        it("the previewer cannot write for real: create, server-side apply, patch and delete are refused by admission", () => {
            const manifest = JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "websvc-safety-probe", namespace: CI_NAMESPACE }, data: { k: "v" } });
            const attempts = {
                create: previewer().attempt(probeConfigMap(CI_NAMESPACE)),
                apply: previewer().attempt(["apply", "--server-side", "-f", "-"], manifest),
                patch: previewer().attempt(["-n", CI_NAMESPACE, "patch", "configmap", "kube-root-ca.crt", "--type", "merge", "-p", '{"metadata":{"labels":{"x":"y"}}}']),
            };
            for (const [what, r] of Object.entries(attempts)) assert.ok(!r.ok && PREVIEWER_REFUSAL.test(r.output), `${what}: ${r.output}`);
            const del = previewer().attempt(["-n", CI_NAMESPACE, "delete", "configmap", "kube-root-ca.crt"]);
            assert.ok(!del.ok && /forbidden/i.test(del.output), `delete: ${del.output}`);
            assert.ok(admin.attempt(["-n", CI_NAMESPACE, "get", "configmap", "kube-root-ca.crt"]).ok);
        });

        it("the previewer holds no right on Secrets, not even a dry run", () => {
            const cases = [["get", "secrets"], ["list", "secrets"], ["create", "secrets"], ["patch", "secrets"]];
            for (const [verb, res] of cases) assert.equal(canI(previewer(), [verb, res, "-n", "websvc-production"]), "no", `${verb} ${res}`);
        });

        it("the deployer writes in the app namespaces only: elsewhere its writes are refused by admission", () => {
            for (const ns of ["default", CI_NAMESPACE, "kube-system"]) {
                const r = deployer().attempt(probeConfigMap(ns));
                assert.ok(!r.ok && DEPLOYER_REFUSAL.test(r.output), `${ns}: ${r.output}`);
            }
            const otherNs = deployer().attempt(["create", "namespace", "another-team"]);
            assert.ok(!otherNs.ok && DEPLOYER_REFUSAL.test(otherNs.output), otherNs.output);
            for (const [verb, res] of [["create", "clusterroles"], ["create", "clusterrolebindings"], ["delete", "validatingadmissionpolicies"], ["create", "customresourcedefinitions"]]) {
                assert.equal(canI(deployer(), [verb, res]), "no", `${verb} ${res}`);
            }
        });

        it("the drift identity reads the stack's kinds cluster-wide and writes nothing", () => {
            for (const res of ["configmaps", "deployments.apps", "servicemonitors.monitoring.coreos.com", "prometheusrules.monitoring.coreos.com", "alertmanagerconfigs.monitoring.coreos.com"]) {
                assert.equal(canI(drift(), ["get", res, "-n", "websvc-production"]), "yes", `get ${res}`);
            }
            for (const [verb, res] of [["create", "configmaps"], ["patch", "deployments.apps"], ["delete", "namespaces"], ["get", "secrets"]]) {
                assert.equal(canI(drift(), [verb, res, "-n", "default"]), "no", `${verb} ${res} in default`);
            }
        });
    });

    describe("the random TEST STAND-IN through the real engine (no cluster needed)", function () {
        let engine: SafetyEngine | undefined;
        let probe: SafetyStack;
        const outputs = async (): Promise<string[]> => {
            const r = await probe.must(["stack", "output", "--json", "--show-secrets"]);
            return Object.values(JSON.parse(r.stdout) as Record<string, string>);
        };
        before(async function () {
            const engineMissing = ["pulumi", "pulumi-language-nodejs"].filter((b) => !which(b));
            if (engineMissing.length > 0) {
                console.log(`SKIPPED: ${TIER} tier (random stand-in): no ${engineMissing.join(", ")} on PATH (\`npm run toolchain\`)`);
                this.skip();
            }
            engine = new SafetyEngine("safety-random");
            probe = new SafetyStack(engine, "probe");
            await probe.init({}, path.join(__dirname, "../lib/safety-random-program"));
        });
        after(() => {
            engine?.stopAll();
            engine?.remove();
        });

        it("`pulumi up` creates a RandomPassword and a RandomBytes through the stand-in (the engine reports it found it on PATH)", async () => {
            const r = await probe.must(["up", "--yes", "--skip-preview"]);
            assert.match(r.output, /using pulumi-resource-random from \$PATH at .*random-standin\/bin\/pulumi-resource-random/);
            const [a, b] = await outputs();
            assert.ok(/^[A-Za-z0-9]{64}$/.test(a) || /^[A-Za-z0-9]{64}$/.test(b), "no 64-character password output");
            note(`up: ${r.seconds.toFixed(1)} s`);
        });

        it("`pulumi stack export` holds neither value (positive control: --show-secrets holds both)", async () => {
            const values = await outputs();
            const plain = path.join(engine!.work, "probe-export.json");
            const shown = path.join(engine!.work, "probe-export-shown.json");
            fs.writeFileSync(plain, (await probe.exportState()).text);
            fs.writeFileSync(shown, (await probe.exportState(true)).text);
            assert.deepEqual(findSecretLeaks(values, [plain]), []);
            assert.equal(new Set(findSecretLeaks(values, [shown]).map((l) => l.valueIndex)).size, values.length);
            fs.rmSync(shown);
        });

        it("a new keeper (rotation) replaces both generators with new values; refresh then finds no drift", async () => {
            const before = await outputs();
            probe.setConfig({ rotation: "rotated" });
            const r = await probe.must(["up", "--yes", "--skip-preview"]);
            assert.match(r.output, /\+-2 replaced/, tailOf(r.output));
            const after = await outputs();
            for (const v of after) assert.ok(!before.includes(v), "a value survived the rotation");
            const refresh = await probe.run(["refresh", "--yes", "--skip-preview", "--expect-no-changes"]);
            assert.equal(refresh.code, 0, tailOf(refresh.output));
        });
    });

    describe("through the real engine", function () {
        let engine: SafetyEngine | undefined;
        const stacks: Record<"staging" | "production", SafetyStack | undefined> = { staging: undefined, production: undefined };
        const ns = { staging: "websvc-staging", production: "websvc-production" };
        const steps = new Steps("deploy safety");
        const stg = () => stacks.staging!;
        const prd = () => stacks.production!;
        const as = (who: keyof typeof kubeconfigs) => ({ kubeconfig: kubeconfigs[who] });

        before(async function () {
            requireCluster(this);
            const engineMissing = ["pulumi", "pulumi-language-nodejs", "pulumi-resource-kubernetes"].filter((b) => !which(b));
            if (engineMissing.length > 0) {
                console.log(`SKIPPED: ${TIER} tier (deploy safety, engine part): no ${engineMissing.join(", ")} on PATH (build with \`npm run toolchain\`, then put \`$(bash scripts/pulumi-toolchain.sh --print-bin-dir)\` first on PATH)`);
                this.skip();
            }
            engine = new SafetyEngine("safety");
            note(`work dir ${engine.work}; random provider: the TEST STAND-IN ${which("pulumi-resource-random", engine.env.PATH)}`);
            for (const name of ["staging", "production"] as const) {
                stacks[name] = new SafetyStack(engine, name);
                await stacks[name]!.init({ image: { ref: imageRef() } });
            }
        });
        after(async () => {
            engine?.stopAll();
            admin.attempt(["delete", "validatingadmissionpolicybinding,validatingadmissionpolicy", ORG_POLICY, "--ignore-not-found"]);
            // Leave nothing behind: unprotect and destroy whatever a failed step left.
            for (const s of [stacks.staging, stacks.production]) {
                if (!s) continue;
                await s.run(["state", "unprotect", "--all", "--yes"]);
                const r = await s.run(["destroy", "--yes", "--skip-preview"], as("deployer"));
                if (r.code !== 0) note(`cleanup: destroy ${s.name} exited ${r.code}:\n${tailOf(r.output, 8)}`);
            }
            engine?.remove();
        });

        const liveVsState = async (stack: SafetyStack, namespace: string) => {
            const live = liveObjects(admin, namespace);
            const { deployment } = await stack.exportState();
            const inState = stateObjects(deployment, namespace);
            return { live, inState, ...compareLiveWithState(live, inState) };
        };
        const assertLiveMatchesState = async (stack: SafetyStack, namespace: string) => {
            const r = await liveVsState(stack, namespace);
            assert.deepEqual({ orphans: r.orphans, ghosts: r.ghosts }, { orphans: [], ghosts: [] }, `live objects of ${namespace} differ from the state\n  live: ${r.live.join(" ")}\n  state: ${r.inState.join(" ")}`);
            return r.live.length;
        };
        const expectNoChanges = async (stack: SafetyStack) => {
            const r = await stack.run(["preview", "--expect-no-changes"], as("deployer"));
            assert.equal(r.code, 0, `preview --expect-no-changes of ${stack.name}:\n${tailOf(r.output)}`);
        };
        /** Starts `up` as the deployer and kills its process group when the Deployment's `op` begins. */
        const upKilledAt = async (stack: SafetyStack, op: string, label: string, delayMs = 1500): Promise<CliResult> => {
            const events = path.join(engine!.work, `events-${label}.jsonl`);
            const run = stack.start(["up", "--yes", "--skip-preview", "--event-log", events], as("deployer"));
            let ended: CliResult | undefined;
            void run.done.then((r) => (ended = r));
            await waitUntil(300, () => {
                if (ended) throw new Error(`the up ended (${ended.code}) before the Deployment's ${op} began:\n${tailOf(ended.output)}`);
                return readEventLog(events).some((e) => e.resourcePreEvent?.metadata?.type === "kubernetes:apps/v1:Deployment" && e.resourcePreEvent.metadata.op === op) || undefined;
            }, `the Deployment's ${op} to start`, 100);
            await new Promise((r) => setTimeout(r, delayMs)); // inside the provider's rollout await
            killGroup(run.child);
            return run.done;
        };

        /**
         * The runbook's recovery of pending creates of Kubernetes objects (docs/runbook.md, section 1), in
         * whatever order the faults came: an interrupted object that is live is not in the state under its
         * name (the state has no record of it, or a later `up` created a second one under a new auto-name),
         * so it is deleted by the name from the export; then `refresh --clear-pending-creates` drops every
         * pending create, and the next `up` creates what is missing. Not `--import-pending-creates`: CLI
         * v3.171.0 turns the pending create into a pending import, which the refresh then drops without
         * importing (backend/snapshot.go carries only `creating` forward), leaving the object orphaned.
         */
        const resolvePendingCreates = async (stack: SafetyStack): Promise<string[]> => {
            const { deployment } = await stack.exportState();
            const decisions: string[] = [];
            for (const p of (deployment.pending_operations ?? []).filter((x: any) => x.type === "creating" && x.resource.type.startsWith("kubernetes:"))) {
                const meta = p.resource.inputs?.metadata ?? {};
                const kind = p.resource.inputs?.kind ?? p.resource.type.split(":").pop();
                const where = meta.namespace ? ["-n", meta.namespace] : [];
                if (admin.attempt([...where, "get", kind, meta.name]).ok) {
                    kubectlAs(kubeconfigs.deployer)([...where, "delete", kind, meta.name, "--wait=true"]);
                    decisions.push(`${kind}/${meta.name}: live, not in the state under that name: deleted`);
                } else {
                    decisions.push(`${kind}/${meta.name}: not live: nothing to delete`);
                }
            }
            if ((deployment.pending_operations ?? []).length > 0) {
                const r = await stack.run(["refresh", "--yes", "--skip-preview", "--clear-pending-creates"], as("deployer"));
                assert.equal(r.code, 0, `refresh --clear-pending-creates:\n${tailOf(r.output)}`);
            }
            assert.deepEqual((await stack.exportState()).deployment.pending_operations ?? [], [], "pending operations left after the refresh");
            return decisions;
        };
        const pendingOf = async (stack: SafetyStack) => ((await stack.exportState()).deployment.pending_operations ?? []) as any[];
        const describePending = (ops: any[]) => ops.map((p) => `${p.type} ${p.resource.type}`).join(", ") || "none";

        // ---------------------------------------------------------------- fault 1: SIGKILL mid-rollout, runbook order
        steps.it("fault: staging's first `pulumi up` (as websvc-deployer, appSecrets as configured) SIGKILLed, CLI and plugins, while the Deployment's rollout is awaited", async () => {
            const r = await upKilledAt(stg(), "create", "stg-create-kill");
            assert.equal(r.signal, "SIGKILL", `the CLI ended by itself (${r.code}) before the kill:\n${tailOf(r.output)}`);
            const pendingOps = await pendingOf(stg());
            note(`pending: ${describePending(pendingOps)}`);
            assert.ok(pendingOps.some((p) => p.type === "creating" && p.resource.type === "kubernetes:apps/v1:Deployment"), "no pending create of the Deployment");
        }, { required: true });

        steps.it("recovery, runbook order (before any new up): stale lock removed, interrupted live objects deleted, pending creates cleared by `pulumi refresh`, `up` finishes, no changes, live objects = state", async () => {
            const t0 = Date.now();
            note(`stale lock files removed: ${stg().breakStaleLocks()}`);
            note((await resolvePendingCreates(stg())).join("\n"));
            await stg().must(["up", "--yes", "--skip-preview"], as("deployer"));
            await expectNoChanges(stg());
            note(`${await assertLiveMatchesState(stg(), ns.staging)} live objects, each in the state once`);
            steps.time("SIGKILL during a create, runbook order: recovery to clean staging", (Date.now() - t0) / 1000);
            generatedSecret(JSON.parse(admin(["-n", ns.staging, "get", "secrets", "-o", "json"])).items, GENERATED_KEYS, ns.staging);
        }, { required: true });

        // ---------------------------------------------------------------- fault 1 again: the next up first
        let killedAt = 0;
        steps.it("fault: production's first `pulumi up` SIGKILLed mid-rollout the same way", async () => {
            killedAt = Date.now();
            const r = await upKilledAt(prd(), "create", "prod-create-kill");
            assert.equal(r.signal, "SIGKILL", `the CLI ended by itself (${r.code}) before the kill:\n${tailOf(r.output)}`);
            note(`pending: ${describePending(await pendingOf(prd()))}; stale lock files removed: ${prd().breakStaleLocks()}`);
        }, { required: true });

        let duplicates: string[] = [];
        steps.it("fault: the next `pulumi up` reports the pending operations (and, for a pending create, leaves the interrupted object behind)", async () => {
            const r = await prd().run(["up", "--yes", "--skip-preview"], as("deployer"));
            assert.match(r.output, /Attempting to deploy or update resources with \d+ pending operations/, tailOf(r.output));
            assert.match(r.output, /interrupted while creating/, tailOf(r.output));
            note(`next up exited ${r.code} after ${r.seconds.toFixed(1)} s`);
            duplicates = (await liveVsState(prd(), ns.production)).orphans;
            note(`live objects not in the state after it: ${duplicates.join(", ") || "none"}`);
        }, { required: true });

        steps.it("recovery: the interrupted object deleted and the pending create cleared (runbook), then no changes, no orphan, no duplicate", async () => {
            const t0 = Date.now();
            note((await resolvePendingCreates(prd())).join("\n"));
            await prd().must(["up", "--yes", "--skip-preview"], as("deployer"));
            await expectNoChanges(prd());
            note(`${await assertLiveMatchesState(prd(), ns.production)} live objects, each in the state once`);
            steps.time("recovery after the next up (orphan deleted, refresh, up, clean preview)", (Date.now() - t0) / 1000);
            steps.time("production: kill to clean", (Date.now() - killedAt) / 1000);
            admin(["apply", "--server-side", "-f", DRIFT_FILE]);
        }, { required: true });

        // ---------------------------------------------------------------- generated secrets
        let secretValues: string[] = [];
        const productionSecret = () => generatedSecret(JSON.parse(admin(["-n", ns.production, "get", "secrets", "-o", "json"])).items, GENERATED_KEYS, ns.production);
        const appPods = () => JSON.parse(admin(["-n", ns.production, "get", "pods", "-l", "app.kubernetes.io/name=websvc", "-o", "json"])).items;
        steps.it("secrets: the Secret holds the generated keys (a 64-character password, 64 random bytes in base64)", async () => {
            const { values } = productionSecret();
            assert.match(values["session-key"], /^[A-Za-z0-9]{64}$/);
            assert.equal(Buffer.from(values["jwt-signing-key"], "base64").length, 64);
            secretValues = Object.values(values);
        }, { required: true });

        steps.it("secrets: the pods reference the Secret by secretKeyRef only (no literal value, no envFrom or volume of it)", async () => {
            assert.deepEqual(secretKeyRefProblems(appPods(), productionSecret()), []);
        });

        steps.it("secrets: `pulumi stack export` holds no plaintext value (positive control: --show-secrets does, so the search finds them)", async () => {
            const forms = secretValues.flatMap((v) => [v, Buffer.from(v).toString("base64")]);
            const encrypted = path.join(engine!.work, "export.json");
            const shown = path.join(engine!.work, "export-shown.json");
            fs.writeFileSync(encrypted, (await prd().exportState()).text);
            fs.writeFileSync(shown, (await prd().exportState(true)).text);
            assert.deepEqual(findSecretLeaks(forms, [encrypted]), [], "plaintext secret in stack export");
            const control = findSecretLeaks(forms, [shown]);
            assert.ok(control.length >= secretValues.length, `positive control found only ${control.length} of ${forms.length} forms`);
            fs.rmSync(shown);
        });

        steps.it("secrets: changing secretsRotation replaces every value and rolls the pods", async () => {
            const before = productionSecret();
            const podsBefore = appPods().map((p: any) => p.metadata.name);
            prd().setConfig({ secretsRotation: "rotated-by-the-cluster-tier" });
            const r = await prd().must(["up", "--yes", "--skip-preview"], as("deployer"));
            assert.match(r.output, /replaced/, tailOf(r.output));
            steps.time("rotation up", r.seconds);
            const after = productionSecret();
            assert.deepEqual(unchangedKeys(before, after), [], "values that survived the rotation");
            const running = () => admin(["-n", ns.production, "get", "pods", "-l", "app.kubernetes.io/name=websvc", "--field-selector=status.phase=Running", "-o", "jsonpath={.items[*].metadata.name}"]).trim().split(/\s+/).filter(Boolean);
            const podsAfter = await waitUntil(120, () => rolledPods(running(), podsBefore), "every pod to be replaced");
            assert.deepEqual(secretKeyRefProblems(appPods(), after), []);
            note(`${podsBefore.length} pods before, ${podsAfter.length} new pods after the rotation`);
        });

        // ---------------------------------------------------------------- the preview identity
        const setFlag = (stack: SafetyStack, value: string) => stack.setConfig({ appSettings: { APP_FEATURE_FLAGS: value } });
        steps.it("preview identity: `pulumi preview --expect-no-changes` of both stacks passes as websvc-previewer", async () => {
            for (const s of [stg(), prd()]) {
                const r = await s.run(["preview", "--expect-no-changes"], as("previewer"));
                assert.equal(r.code, 0, `${s.name}:\n${tailOf(r.output)}`);
                const refusals = r.output.split("\n").filter((l) => /forbidden|cannot (patch|create)/i.test(l));
                note(`${s.name}: ${r.seconds.toFixed(1)} s, ${refusals.length} refusal line(s)${refusals.length ? `: ${refusals[0].trim()}` : ""}`);
            }
        });

        steps.it("preview identity: a change previews as an update through the server-side dry run (rc 0)", async () => {
            setFlag(prd(), "previewed-value");
            const r = await prd().run(["preview", "--diff"], as("previewer"));
            assert.equal(r.code, 0, tailOf(r.output));
            assert.match(r.output, /previewed-value/);
            assert.ok(!/cannot patch resource "configmaps"/.test(r.output), `the dry run was refused:\n${tailOf(r.output)}`);
        });

        steps.it("preview identity: a change the organisation's admission rule refuses FAILS the preview (a ValidatingAdmissionPolicy as the stand-in)", async () => {
            admin(["apply", "--server-side", "-f", "-"], JSON.stringify({
                apiVersion: "v1", kind: "List", items: [
                    {
                        apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicy", metadata: { name: ORG_POLICY },
                        spec: {
                            failurePolicy: "Fail",
                            matchConstraints: { resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["configmaps"] }] },
                            validations: [{ expression: `!has(object.data) || !('APP_FEATURE_FLAGS' in object.data) || object.data['APP_FEATURE_FLAGS'] != '${REFUSED_SETTING}'`, message: `org rule: APP_FEATURE_FLAGS=${REFUSED_SETTING} is not allowed` }],
                        },
                    },
                    { apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicyBinding", metadata: { name: ORG_POLICY }, spec: { policyName: ORG_POLICY, validationActions: ["Deny"] } },
                ],
            }));
            setFlag(prd(), REFUSED_SETTING);
            const refused = await waitUntil(30, async () => {
                const r = await prd().run(["preview"], as("previewer"));
                return r.code !== 0 ? r : undefined;
            }, "the preview to fail on the org rule", 2000).catch((e) => assert.fail(`${e}`));
            assert.match(refused.output, /org rule: APP_FEATURE_FLAGS/, tailOf(refused.output));
            setFlag(prd(), "previewed-value");
            const control = await prd().run(["preview"], as("previewer"));
            assert.equal(control.code, 0, `control (an allowed value) failed:\n${tailOf(control.output)}`);
        });

        steps.it("preview identity: `pulumi up` as websvc-previewer changes nothing live (admission refuses the real write)", async () => {
            const cmBefore = admin(["-n", ns.production, "get", "configmaps", "-l", "app.kubernetes.io/name=websvc", "-o", "jsonpath={range .items[*]}{.metadata.name}={.metadata.resourceVersion} {end}"]);
            const genBefore = admin(["-n", ns.production, "get", "deployments", "-o", "jsonpath={.items[*].metadata.generation}"]);
            const r = await prd().run(["up", "--yes", "--skip-preview"], as("previewer"));
            assert.notEqual(r.code, 0, "the previewer's up succeeded");
            assert.match(r.output, PREVIEWER_REFUSAL, tailOf(r.output));
            assert.equal(admin(["-n", ns.production, "get", "configmaps", "-l", "app.kubernetes.io/name=websvc", "-o", "jsonpath={range .items[*]}{.metadata.name}={.metadata.resourceVersion} {end}"]), cmBefore);
            assert.equal(admin(["-n", ns.production, "get", "deployments", "-o", "jsonpath={.items[*].metadata.generation}"]), genBefore);
            setFlag(prd(), "");
            await prd().must(["up", "--yes", "--skip-preview", "--refresh"], as("deployer"));
            await expectNoChanges(prd());
        });

        // ---------------------------------------------------------------- the drift identity
        const driftCheck = (s: SafetyStack) => s.run(["refresh", "--preview-only", "--expect-no-changes"], as("drift"));
        steps.it("drift identity: `refresh --preview-only --expect-no-changes` passes on both unchanged stacks", async () => {
            for (const s of [stg(), prd()]) {
                const r = await driftCheck(s);
                assert.equal(r.code, 0, `${s.name}:\n${tailOf(r.output)}`);
                note(`${s.name}: ${r.seconds.toFixed(1)} s`);
            }
        });

        steps.it("drift identity: it fails after an out-of-band change, and passes again once `up --refresh` restores the stack", async () => {
            const cm = admin(["-n", ns.production, "get", "configmaps", "-l", "app.kubernetes.io/name=websvc,app.kubernetes.io/component=server", "-o", "jsonpath={.items[0].metadata.name}"]).trim();
            admin(["-n", ns.production, "patch", "configmap", cm, "--type", "merge", "-p", '{"data":{"APP_FEATURE_FLAGS":"changed-by-hand"}}']);
            const drifted = await driftCheck(prd());
            assert.notEqual(drifted.code, 0, `drift not detected:\n${tailOf(drifted.output)}`);
            await prd().must(["up", "--yes", "--skip-preview", "--refresh"], as("deployer"));
            const clean = await driftCheck(prd());
            assert.equal(clean.code, 0, tailOf(clean.output));
        });

        // ---------------------------------------------------------------- faults on staging
        steps.it("fault: an update SIGKILLed mid-rollout; the next `pulumi up` reports the pending operation and converges", async () => {
            // kwok rolls a Deployment out in seconds, so an update can finish before the kill lands: then
            // the fault did not happen, and it is tried again with a new value and an earlier kill.
            const t0 = Date.now();
            let killed: CliResult | undefined;
            for (const [attempt, delayMs] of [1500, 300, 0].entries()) {
                setFlag(stg(), `rollout-1-${attempt}`);
                killed = await upKilledAt(stg(), "update", `stg-kill-${attempt}`, delayMs);
                if (killed.signal === "SIGKILL") break;
                note(`attempt ${attempt + 1}: the up finished (exit ${killed.code}) before the kill ${delayMs} ms after the Deployment's update began`);
            }
            assert.equal(killed!.signal, "SIGKILL", `the up always finished before the kill:\n${tailOf(killed!.output)}`);
            const pendingOps = await pendingOf(stg());
            note(`pending: ${describePending(pendingOps)}; stale lock files removed: ${stg().breakStaleLocks()}`);
            const next = await stg().run(["up", "--yes", "--skip-preview"], as("deployer"));
            assert.equal(next.code, 0, tailOf(next.output));
            if (pendingOps.length > 0) assert.match(next.output, /interrupted while updating/, tailOf(next.output));
            await expectNoChanges(stg());
            await assertLiveMatchesState(stg(), ns.staging);
            steps.time("SIGKILL of an update to clean staging (next up, clean preview)", (Date.now() - t0) / 1000);
        });

        steps.it("fault: the API server restarts during an `up`; it completes or fails clearly, and a re-run converges with no manual step", async function () {
            if (!process.env.WEBSVC_CLUSTER_DIR) {
                console.log("      SKIPPED: needs the local cluster of scripts/cluster.sh (WEBSVC_CLUSTER_DIR) to restart its API server");
                this.skip();
            }
            setFlag(stg(), "rollout-2");
            const events = path.join(engine!.work, "events-apiserver.jsonl");
            const t0 = Date.now();
            const run = stg().start(["up", "--yes", "--skip-preview", "--event-log", events], as("deployer"));
            await waitUntil(300, () => readEventLog(events).some((e) => e.resourcePreEvent?.metadata?.type === "kubernetes:apps/v1:Deployment") || undefined, "the Deployment's update to start", 100);
            const restart = await restartApiServer(admin, 5);
            steps.time("API server down", restart.downFor);
            steps.time("API server ready after its restart", restart.readyAfter);
            const first = await run.done;
            note(`the interrupted up exited ${first.code} after ${first.seconds.toFixed(1)} s${first.code ? `:\n${tailOf(first.output.split("\n").filter((l) => /error|fail|refused|EOF|connection/i.test(l)).join("\n"), 6)}` : ""}`);
            if (first.code !== 0) assert.match(first.output, /error/i, "failed without an error message");
            const rerun = await stg().run(["up", "--yes", "--skip-preview"], as("deployer"));
            assert.equal(rerun.code, 0, `re-run:\n${tailOf(rerun.output)}`);
            await expectNoChanges(stg());
            await assertLiveMatchesState(stg(), ns.staging);
            steps.time("API server restart: up start to clean staging", (Date.now() - t0) / 1000);
        });

        steps.it("fault: two `pulumi up` on one stack at once; the second is refused by the lock and nothing is half-applied", async () => {
            setFlag(stg(), "rollout-3");
            const events = path.join(engine!.work, "events-lock.jsonl");
            const first = stg().start(["up", "--yes", "--skip-preview", "--event-log", events], as("deployer"));
            await waitUntil(120, () => readEventLog(events).length > 0 || undefined, "the first up to start", 100);
            const second = await stg().run(["up", "--yes", "--skip-preview"], as("deployer"));
            assert.notEqual(second.code, 0, "the second up ran");
            assert.match(second.output, /locked/i, tailOf(second.output));
            note(`second up refused after ${second.seconds.toFixed(1)} s: ${second.output.split("\n").find((l) => /locked/i.test(l))?.trim()}`);
            const done = await first.done;
            assert.equal(done.code, 0, tailOf(done.output));
            await expectNoChanges(stg());
            await assertLiveMatchesState(stg(), ns.staging);
        });

        // ---------------------------------------------------------------- production's protection
        // The engine refuses a protected delete in the preview too (v3.171.0 resource/deploy/step.go checks
        // `protect` before the dry-run test), so a destroy that previews first deletes nothing.
        steps.it("protection: `pulumi destroy --yes --stack production` (it previews first) is refused with Pulumi's error naming the Namespace, and deletes nothing", async () => {
            const before = liveObjects(admin, ns.production);
            const r = await prd().run(["destroy", "--yes"], as("deployer"));
            assert.notEqual(r.code, 0, "destroy of production succeeded");
            assert.match(r.output, /kubernetes:core\/v1:Namespace[^"]*" cannot be deleted\s+because it is protected/, tailOf(r.output));
            note(`refused after ${r.seconds.toFixed(1)} s: ${r.output.split("\n").find((l) => /cannot be deleted/.test(l))?.trim() ?? ""}`);
            assert.deepEqual(liveObjects(admin, ns.production), before);
            assert.ok(admin.attempt(["get", "namespace", ns.production]).ok);
        });

        steps.it("protection: a config change that would replace the Namespace is refused at preview", async () => {
            prd().setConfig({ namespace: "websvc-production-renamed" });
            const r = await prd().run(["preview"], as("deployer"));
            prd().setConfig({ namespace: ns.production });
            assert.notEqual(r.code, 0, "the preview accepted a Namespace replacement");
            assert.match(r.output, /protect/i, tailOf(r.output));
            await expectNoChanges(prd());
        });

        steps.it("protection, its limit: `pulumi destroy --skip-preview` deletes the namespaced objects first and stops at the Namespace (docs/deploy-safety.md)", async () => {
            const before = liveObjects(admin, ns.production);
            const r = await prd().run(["destroy", "--yes", "--skip-preview"], as("deployer"));
            assert.notEqual(r.code, 0, "destroy --skip-preview of production succeeded");
            assert.match(r.output, /kubernetes:core\/v1:Namespace[^"]*" cannot be deleted\s+because it is protected/, tailOf(r.output));
            assert.ok(admin.attempt(["get", "namespace", ns.production]).ok, "the Namespace is gone");
            const left = liveObjects(admin, ns.production);
            note(`${before.length} objects before, ${left.length} left: ${left.join(" ") || "none"}; the Namespace stays`);
        });

        steps.it("protection: the documented procedure (state backup, unprotect, destroy) takes production down", async () => {
            const t0 = Date.now();
            const backup = path.join(engine!.work, "production-before-teardown.json");
            fs.writeFileSync(backup, (await prd().exportState()).text, { mode: 0o600 });
            await prd().must(["state", "unprotect", "--all", "--yes"]);
            const r = await prd().must(["destroy", "--yes", "--skip-preview"], as("deployer"));
            await waitUntil(180, () => (admin.attempt(["get", "namespace", ns.production]).ok ? undefined : true), "the production Namespace to be gone", 1000);
            steps.time("production teardown (unprotect, destroy, Namespace gone)", (Date.now() - t0) / 1000);
            note(`destroy: ${r.seconds.toFixed(1)} s`);
        });

        // Data on the claim across a rolling update and a pod-replacing `up` needs running containers and a
        // mounted volume: the runtime tier checks it on real nodes (tests/tiers/runtime/runtime.test.ts, "data: …").

        steps.it("staging: websvc-deployer destroys the unprotected stack", async () => {
            const r = await stg().must(["destroy", "--yes", "--skip-preview"], as("deployer"));
            steps.time("staging destroy", r.seconds);
        });

        after(() => {
            if (steps.timings.length) note(`timings:\n${steps.timings.map((t) => `  ${t.what}: ${t.seconds.toFixed(1)} s`).join("\n")}`);
        });
    });
});

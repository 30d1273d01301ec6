// The real engine deploys each stack (TIER_STACKS, default "staging production") with its real stack
// file, the pack and policy/config/<env>.json to the cluster of KUBECONFIG, with the provider's own
// await logic. Per stack: rollout, zone spread, the live image, PodSecurity admission, least privilege,
// CRD objects, no drift (preview/refresh expecting no changes, a second and a third `up` through the
// pack on live state), a rolling update that never drops Ready pods, PDB evictions, and destroy.
// Generated secrets (appSecrets as the stack files configure them; the random provider is the real one
// when PATH has it, else the TEST STAND-IN, lib/engine.ts): the Secret with the generated keys, pods
// that reference it by secretKeyRef only, no value in plaintext in `pulumi stack export` (with a
// positive control), and a new secretsRotation that replaces every value and rolls every pod.
// Staging also proves rbacRules and gateway mode.
import { strict as assert } from "assert";
import * as path from "path";
import {
    configDefaults, describeChanges, destroyAsDocumented, describeViolations, encryptedState, Engine, EngineEvents, engineMissing, packOptions,
    prepareEngine, ProjectStack, projectStack, setStackConfig,
} from "../lib/engine";
import { secretLeaks } from "../lib/render-checks";
import { GeneratedSecret, generatedSecret, rolledPods, secretKeyRefProblems, unchangedKeys } from "../lib/secret-checks";
import {
    announceCluster, appSelector, clusterMissing, deployedImage, evict, exists, jsonpath, kubectl, kubectlJson, kubectlTry, onlyName, pdbDisruptionsAllowed,
    ReadyWatch, sarAllowed, setPodReady, waitPdbAllowed, waitScaled, zoneSpread,
} from "../lib/kube";
import { Lifecycle, note, ROOT, skipUnlessProvisioned, tierStacks, waitFor } from "../lib/tier";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";

for (const name of tierStacks()) {
    describe(`cluster: stack ${name}`, function () {
        this.timeout(900_000);
        let engine: Engine;
        let p: ProjectStack;
        let ns: string;
        let sel: string;
        const image = deployedImage("cluster-test");
        const steps = new Lifecycle(name);
        const pack = () => packOptions(engine, p.environment);
        const deployment = () => onlyName(ns, "deployment", sel);
        const serviceAccount = () => jsonpath(["-n", ns, "get", "deployment", deployment()], "{.spec.template.spec.serviceAccountName}");
        const setConfig = (values: Record<string, unknown>) => setStackConfig(p.stackFile, "websvc", values);

        before(async function () {
            skipUnlessProvisioned(this, "cluster", [...engineMissing(), ...clusterMissing()]);
            announceCluster();
            engine = await prepareEngine("cluster");
            p = await projectStack(engine, name, { image: { ref: image.ref } });
            ns = `websvc-${p.environment}`;
            sel = appSelector(ns);
            note(`deploying ${image.ref} (${image.source})`);
        });

        steps.it("rollout: `pulumi up` passes the pack; the Deployment reaches the HPA minimum, all Ready", async () => {
            const t0 = Date.now();
            const events = new EngineEvents();
            const result = await p.stack.up({ ...pack(), onEvent: events.onEvent });
            const upSeconds = Math.round((Date.now() - t0) / 1000);
            assert.deepEqual(events.violations("mandatory"), [], describeViolations(events));
            const n = await waitScaled(ns, sel, 120);
            note(`\`pulumi up\` in ${upSeconds}s (${describeChanges(result.summary.resourceChanges ?? {})}); Deployment Available with ${n}/${n} pods Ready after ${Math.round((Date.now() - t0) / 1000)}s (HPA minReplicas ${n})`);
        }, { required: true });

        const appSecret = (): GeneratedSecret => {
            const keys = (configDefaults(p.dir, name, ["appSecrets"]).plain.appSecrets as { name: string }[]).map((spec) => spec.name);
            return generatedSecret(kubectlJson(["-n", ns, "get", "secrets"]).items, keys, ns);
        };
        let generated: GeneratedSecret | undefined;
        steps.it("AppSecrets: one Secret holds exactly the generated keys, with non-empty values", () => {
            generated = appSecret();
            const lengths = Object.entries(generated.values).map(([k, v]) => `${k}: ${v.length} chars`);
            assert.ok(Object.values(generated.values).every((v) => v.length >= 16), lengths.join(", "));
            note(`Secret ${generated.name}: ${lengths.join(", ")}`);
        });

        steps.it("AppSecrets: the pods reference the Secret by secretKeyRef only (no envFrom, no volume, no value in the pod spec)", () => {
            assert.ok(generated, "no generated Secret (previous step)");
            const pods = kubectlJson(["-n", ns, "get", "pods", "-l", sel]).items;
            assert.deepEqual(secretKeyRefProblems(pods, generated), []);
        });

        steps.it("AppSecrets: `pulumi stack export` holds no generated value in plaintext or base64", async () => {
            assert.ok(generated, "no generated Secret (previous step)");
            const { summary, problems } = secretLeaks(await encryptedState(engine, p.stack), Object.values(generated.values));
            assert.deepEqual(problems, [], summary);
            note(summary);
        });

        steps.it("AppSecrets leak check, positive control: every value is found in the decrypted export", async () => {
            assert.ok(generated, "no generated Secret (previous step)");
            const { summary, problems } = secretLeaks(await p.stack.exportStack(), Object.values(generated.values), true);
            assert.deepEqual(problems, [], summary);
        });

        steps.it("spread: the pods span the cluster's zones (skew at most 1)", () => {
            const spread = zoneSpread(ns, sel);
            assert.ok(spread.ok, spread.summary);
            note(spread.summary);
        });

        steps.it("the live pods run the deployed image digest", () => {
            const images = [...new Set(jsonpath(["-n", ns, "get", "pods", "-l", sel], "{range .items[*]}{.spec.containers[0].image}{\"\\n\"}{end}").split("\n").filter(Boolean))];
            assert.deepEqual(images, [image.ref]);
        });

        steps.it("admission: the namespace's restricted labels admitted the stack's pods and refuse a privileged pod", () => {
            const labels = jsonpath(["get", "ns", ns], "{.metadata.labels.pod-security\\.kubernetes\\.io/enforce} {.metadata.labels.pod-security\\.kubernetes\\.io/enforce-version}");
            const r = kubectlTry(["-n", ns, "create", "--dry-run=server", "-f", path.join(ROOT, "scripts/fixtures/privileged-pod.yaml")]);
            assert.ok(!r.ok, `a privileged pod was admitted in ${ns} (${labels})`);
            assert.match(r.output, /violates PodSecurity "restricted/, `the privileged pod was refused, but not by PodSecurity:\n${r.output}`);
            note(`enforce=${labels}: ${/violates PodSecurity[^:]*/.exec(r.output)?.[0]}`);
        });

        steps.it("least privilege: no service-account token volume in the live pods", () => {
            const tokens = jsonpath(["-n", ns, "get", "pods", "-l", sel],
                "{range .items[*]}{range .spec.volumes[*]}{.projected.sources[*].serviceAccountToken.path}{\" \"}{end}{end}").trim();
            assert.equal(tokens, "", `live pods mount a service-account token (${tokens})`);
        });

        steps.it("least privilege: the ServiceAccount can neither get Secrets nor list pods (SubjectAccessReview)", () => {
            const user = `system:serviceaccount:${ns}:${serviceAccount()}`;
            const verdict = { "get secrets": sarAllowed(user, ns, "get", "secrets"), "list pods": sarAllowed(user, ns, "list", "pods") };
            assert.deepEqual(verdict, { "get secrets": false, "list pods": false }, user);
        });

        steps.it("CRD objects (ServiceMonitor, PrometheusRule) accepted by the real CRD schemas", () => {
            const crds = kubectl(["-n", ns, "get", "servicemonitors.monitoring.coreos.com,prometheusrules.monitoring.coreos.com,alertmanagerconfigs.monitoring.coreos.com", "-o", "name"])
                .replace(/\.monitoring\.coreos\.com/g, "").split("\n").filter(Boolean);
            assert.ok(crds.some((c) => c.startsWith("servicemonitor/")) && crds.some((c) => c.startsWith("prometheusrule/")), `live: ${crds.join(" ")}`);
            note(crds.join(" "));
        });

        // No drift: stack policies now see live state (server defaults, HPA-owned replicas, status).
        steps.it("no drift: preview expects no changes, and the pack passes on live state", async () => {
            const events = new EngineEvents();
            const result = await p.stack.preview({ ...pack(), expectNoChanges: true, onEvent: events.onEvent });
            assert.deepEqual(events.violations("mandatory"), [], describeViolations(events));
            note(describeChanges(result.changeSummary));
        });

        steps.it("no drift: refresh expects no changes", async () => {
            const result = await p.stack.refresh({ expectNoChanges: true });
            note(describeChanges(result.summary.resourceChanges ?? {}));
        });

        for (const i of [2, 3]) {
            steps.it(`up #${i} passes the pack on live state, with no changes`, async () => {
                const events = new EngineEvents();
                await p.stack.up({ ...pack(), expectNoChanges: true, onEvent: events.onEvent });
                assert.deepEqual(events.violations("mandatory"), [], describeViolations(events));
            });
        }

        steps.it("rolling update: a pod-template change updates the Deployment through a new ReplicaSet, never below the desired Ready pods", async () => {
            const dep = deployment();
            const desired = Number(jsonpath(["-n", ns, "get", "deployment", dep], "{.spec.replicas}"));
            const replicaSets = () => new Set(kubectl(["-n", ns, "get", "rs", "-l", sel, "-o", "name"]).split("\n").filter(Boolean));
            const before = replicaSets();
            const settings = JSON.parse((await p.stack.getConfig("appSettings").catch(() => ({ value: "{}" }))).value);
            setConfig({ appSettings: { ...settings, APP_FEATURE_FLAGS: "rolling-update-check" } });
            const plan = new EngineEvents();
            await p.stack.preview({ ...pack(), onEvent: plan.onEvent });
            const watch = new ReadyWatch(ns, sel);
            await watch.started();
            let seen;
            try {
                await p.stack.up(pack());
                await waitScaled(ns, sel, 120);
            } finally {
                seen = watch.stop();
            }
            const created = [...replicaSets()].filter((rs) => !before.has(rs));
            note(`Deployment op ${JSON.stringify(plan.ops(DEPLOYMENT))}, new ${created.join(" ")}; lowest Ready (non-terminating) pods during the watch: ${seen.lowest} (desired ${desired}, ${seen.events} events)`);
            assert.deepEqual(plan.ops(DEPLOYMENT), ["update"], "the Deployment must be updated in place, not replaced");
            assert.ok(created.length > 0, "no new ReplicaSet");
            assert.ok(seen.lowest >= desired, `Ready pods dropped to ${seen.lowest}, below ${desired}`);
        });

        steps.it("AppSecrets: a new secretsRotation replaces every generated value and rolls every pod", async () => {
            const before = appSecret();
            const podsBefore = jsonpath(["-n", ns, "get", "pods", "-l", sel], "{.items[*].metadata.name}").split(/\s+/).filter(Boolean);
            const t0 = Date.now();
            setConfig({ secretsRotation: `rotated-by-the-cluster-tier-${Date.now()}` });
            const plan = new EngineEvents();
            await p.stack.up({ ...pack(), onEvent: plan.onEvent });
            const after = appSecret();
            assert.deepEqual(unchangedKeys(before, after), [], "values that survived the rotation");
            const running = () => jsonpath(["-n", ns, "get", "pods", "-l", sel, "--field-selector", "status.phase=Running"], "{.items[*].metadata.name}").split(/\s+/).filter(Boolean);
            const rolled = await waitFor(120, () => rolledPods(running(), podsBefore), () => `pods of before the rotation still running: ${running().filter((n) => podsBefore.includes(n)).join(" ")}`);
            await waitScaled(ns, sel, 120);
            assert.deepEqual(secretKeyRefProblems(kubectlJson(["-n", ns, "get", "pods", "-l", sel]).items, after), []);
            note(`Deployment op ${JSON.stringify(plan.ops(DEPLOYMENT))}; ${Object.keys(after.values).length} values replaced; ${podsBefore.length} pods before, ${rolled.length} new pods running ${Math.round((Date.now() - t0) / 1000)}s after the change`);
        });

        // PDB (maxUnavailable 1): with one pod unhealthy the budget is spent, so evicting a healthy pod
        // is refused with 429; once it is healthy again one eviction is allowed. kwok leaves a running
        // pod's readiness as patched, which makes the unhealthy pod deterministic.
        steps.it("PDB: an eviction beyond the budget is refused; one within it is allowed", async () => {
            const pods = jsonpath(["-n", ns, "get", "pods", "-l", sel, "--field-selector", "status.phase=Running"], "{.items[*].metadata.name}").split(/\s+/).filter(Boolean);
            assert.ok(pods.length >= 2, `want 2 running pods, found ${pods.join(" ")}`);
            const [victim, healthy] = pods;
            setPodReady(ns, victim, false);
            try {
                await waitPdbAllowed(ns, sel, 0, 30);
                const refused = evict(ns, healthy);
                assert.ok(!refused.ok && /TooManyRequests|429/.test(refused.output), `an eviction beyond the budget was not refused: ${refused.output}`);
                note(`refused: ${/TooManyRequests[^:]*|Cannot evict[^.]*/.exec(refused.output)?.[0]}`);
            } finally {
                setPodReady(ns, victim, true);
            }
            await waitPdbAllowed(ns, sel, 1, 30).catch((e) => assert.fail(`disruptionsAllowed did not return to 1: ${e.message}`));
            const allowed = evict(ns, healthy);
            const terminating = jsonpath(["-n", ns, "get", "pod", healthy, "--ignore-not-found"], "{.metadata.deletionTimestamp}") !== "" || !exists(["-n", ns, "pod", healthy]);
            assert.ok(allowed.ok || terminating, `an eviction within the budget was refused: ${allowed.output} (disruptionsAllowed ${pdbDisruptionsAllowed(ns, sel)})`);
            await waitScaled(ns, sel, 120).catch(() => undefined);
        });

        if (name === "staging") {
            steps.it("rbacRules [get,list configmaps] grant exactly that (SubjectAccessReview)", async () => {
                const user = `system:serviceaccount:${ns}:${serviceAccount()}`;
                setConfig({ rbacRules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] }] });
                try {
                    await p.stack.up(pack());
                    const got = Object.fromEntries([["get", "configmaps"], ["list", "configmaps"], ["watch", "configmaps"], ["get", "secrets"], ["list", "pods"]]
                        .map(([verb, resource]) => [`${verb} ${resource}`, sarAllowed(user, ns, verb, resource)]));
                    assert.deepEqual(got, { "get configmaps": true, "list configmaps": true, "watch configmaps": false, "get secrets": false, "list pods": false });
                } finally {
                    setConfig({ rbacRules: [] });
                }
            });

            steps.it("gateway mode: the HTTPRoute is accepted by the Gateway API CRD and the Ingress removed", async () => {
                const ingress = JSON.parse((await p.stack.getConfig("ingress")).value);
                setConfig({ ingress: { ...ingress, mode: "gateway", gateway: { name: "public", namespace: "gateway-system", sectionName: "https" } } });
                await p.stack.up(pack());
                const routes = kubectl(["-n", ns, "get", "httproutes.gateway.networking.k8s.io", "-o", "name"]).trim();
                const ingresses = kubectl(["-n", ns, "get", "ingress", "-o", "name"]).trim();
                assert.ok(routes, "no HTTPRoute");
                assert.equal(ingresses, "", "the Ingress is still there");
                note(routes);
            });
        }

        steps.it("destroy (protected resources unprotected first, as documented): the namespace and every object of the stack are gone", async () => {
            const unprotected = await destroyAsDocumented(engine, p.stack);
            if (p.environment === "production") assert.ok(unprotected > 0, "production's state holds no protected resource");
            await waitFor(90, () => (exists(["ns", ns]) ? undefined : true), () => `namespace ${ns} still exists (${jsonpath(["get", "ns", ns], "{.status.phase}")})`);
            const left = kubectl(["get", "all,cm,secret,sa,role,rolebinding,networkpolicy,pdb,hpa,ingress", "-A", "-l", `app.kubernetes.io/instance=${ns}`, "-o", "name"]).trim();
            assert.equal(left, "", "objects of the stack are left");
        });
    });
}

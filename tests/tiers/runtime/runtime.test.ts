// Runtime tier: the stack, running. The real Pulumi engine deploys both stacks (their stack files, the
// policy pack with policy/config/<env>.json, the image tier's build pulled by digest from the cluster's
// registry) onto real nodes (containerd, kubelet, kube-proxy), and every check below looks at what
// really runs: probes, the security context from inside a pod, traffic through the ClusterIP, a
// rolling update, a node drain and a bad rollout under load, NetworkPolicy enforcement (kube-router's
// firewall), a real Prometheus, destroy.
// The checks run in order on the same two stacks. Last line: "runtime: N passed, N failed, N skipped".
// Needs `npm run cluster -- up --real-nodes 3` and the Pulumi toolchain; skips, saying what is missing.
import { strict as assert } from "assert";
import { createHash } from "crypto";
import { spawn } from "child_process";
import { detectRuntimeEnv, clusterCommand, containersOnNodes, type RuntimeEnv } from "../lib/runtime-env";
import { kubectl, kubectlJson, ReadyWatch } from "../lib/kube";
import { applyManifests, isReady, livePods, nodeZones, podExec, sleep, waitUntil } from "../lib/runtime-kube";
import { describeViolations } from "../lib/engine";
import { RuntimeStack } from "../lib/runtime-stack";
import { onPath, skipUnlessProvisioned } from "../lib/tier";
import { Load, describeLoad, type LoadSummary } from "../lib/runtime-load";
import { helperBinary } from "../lib/runtime-images";
import { KubeRouterFirewall, dnsStandIn, formatMatrix, probeFrom, probePod, rowOk, type MatrixRow, type ProbeTarget } from "../lib/runtime-netpol";
import { observabilityChecks } from "../lib/runtime-prometheus";
import { SHARED_STORAGE_CLASS, SHARED_VOLUME_OBJECTS, readFileProgram, sharedVolume, writeFileProgram } from "../lib/runtime-storage";
import { autoscalingCheck } from "../lib/runtime-autoscaling";
import { skipBecause } from "../../support/skip";

const STACKS = ["staging", "production"] as const;
/** The load the rollout, drain and bad-rollout checks run under: a bounded 50 requests/s. */
const LOAD_RPS = 50;
const LOAD_MAX_SECONDS = 420;
/**
 * The bad rollout's Deployment step must fail within its customTimeouts (300s,
 * components/lib/rollout.ts ROLLOUT_TIMEOUT_SECONDS; the provider does not stop at
 * ProgressDeadlineExceeded, 180s) plus 30s, measured on the engine's events from the step's start to its
 * failure. The whole `pulumi up` adds the engine's start, the program and the other resources (on a
 * loaded 2-core machine 90-150s by themselves): it is printed, and bounded only through that step.
 */
const BAD_ROLLOUT_BOUND_SECONDS = 300 + 30;
/** Two kubelet container-GC periods (one minute each, not configurable) and some slack. */
const CONTAINER_GC_WAIT_MS = 150_000;

const skipWith = (ctx: Mocha.Context, reason: string): never => skipBecause(ctx, reason, "      ");

describe("runtime tier: the stack running on real nodes", function () {
    this.timeout(15 * 60_000);
    let env: RuntimeEnv;
    const stacks = new Map<string, RuntimeStack>();
    const deployed = new Set<string>();
    const failedUp: string[] = [];

    before(async function () {
        const { env: found, missing } = detectRuntimeEnv();
        skipUnlessProvisioned(this, "runtime", missing);
        env = found!;
        console.log(`    runtime: image ${env.image}; real nodes ${env.realNodes.join(", ")}; cluster ${env.clusterDir}`);
        // The image the registry holds; appSecrets as configured (a real random provider, else the test stand-in).
        for (const s of STACKS) stacks.set(s, await RuntimeStack.create(s, { image: { ref: env.image } }));
        // Staging also gets the Kubernetes alert group (off by default: kube-prometheus-stack's mixin has
        // its own), so the observability section meets its kube-state-metrics and cAdvisor series.
        const staging = stacks.get("staging");
        staging?.setConfig({ monitoring: { ...(staging.getConfig("monitoring") as object), kubernetesMixinAlerts: true } });
    });

    const stack = (s: string) => stacks.get(s)!;
    const deploymentOf = (st: RuntimeStack) => kubectlJson(["-n", st.namespace, "get", "deployment", "-l", st.selector]).items[0];
    const minReplicasOf = (st: RuntimeStack) => Number(kubectlJson(["-n", st.namespace, "get", "hpa", "-l", st.selector]).items[0]?.spec?.minReplicas ?? 0);
    const serviceOf = (st: RuntimeStack) => kubectlJson(["-n", st.namespace, "get", "service", "-l", st.selector]).items[0];
    const requireDeployed = (ctx: Mocha.Context, s: string) => { if (!deployed.has(s)) skipWith(ctx, `${s} was not deployed (see its rollout check)`); };

    /** All pods of the current template Ready, as many as the HPA's floor, none terminating, on real nodes. */
    function settled(st: RuntimeStack): any[] | undefined {
        const d = deploymentOf(st);
        const want = minReplicasOf(st);
        const s = d?.status ?? {};
        if (!d || want === 0 || d.metadata.generation !== s.observedGeneration) return undefined;
        if (d.spec.replicas !== want || s.replicas !== want || s.updatedReplicas !== want || s.readyReplicas !== want || s.availableReplicas !== want) return undefined;
        const all = kubectlJson(["-n", st.namespace, "get", "pods", "-l", st.selector]).items;
        if (all.length !== want || !all.every(isReady)) return undefined;
        return all;
    }
    const stateOf = (st: RuntimeStack) => () => {
        const s = deploymentOf(st)?.status ?? {};
        return `replicas ${s.replicas} updated ${s.updatedReplicas} ready ${s.readyReplicas} available ${s.availableReplicas}; pods: ${kubectl(["-n", st.namespace, "get", "pods", "-l", st.selector, "--no-headers"]).trim().replace(/\s+/g, " ")}`;
    };

    // ---------------------------------------------------------------- Ready for real
    for (const s of STACKS) {
        it(`${s}: pulumi up, then every pod Ready through its real startup, readiness and liveness probes, on real nodes`, async function () {
            const st = stack(s);
            const t0 = Date.now();
            const up = await st.up("up");
            if (!up.ok) failedUp.push(s);
            assert.ok(up.ok, `pulumi up of ${s} failed after ${up.seconds}s:\n${up.output.slice(-3000)}`);
            assert.equal(up.events.violations("mandatory").length, 0, `${s}: mandatory policy violations:\n${describeViolations(up.events)}`);
            deployed.add(s);
            const pods = await waitUntil(`${s}: the HPA's minimum of pods Ready`, 240_000, () => settled(st), 1000, stateOf(st));
            const readyAt = (Date.now() - t0) / 1000;
            const zones = nodeZones();
            for (const p of pods) {
                assert.ok(env.realNodes.includes(p.spec.nodeName), `${s}: pod ${p.metadata.name} runs on ${p.spec.nodeName}, not a real node`);
                const c = p.spec.containers[0];
                assert.ok(c.startupProbe && c.readinessProbe && c.livenessProbe, `${s}: pod ${p.metadata.name} lacks a probe`);
                const cs = p.status.containerStatuses[0];
                assert.ok(cs.started && cs.ready && cs.restartCount === 0, `${s}: container of ${p.metadata.name}: started ${cs.started}, ready ${cs.ready}, restarts ${cs.restartCount}`);
                assert.equal(cs.imageID.replace(/^.*@/, ""), env.image.replace(/^.*@/, ""), `${s}: pod ${p.metadata.name} runs image ${cs.imageID}`);
            }
            const usedZones = new Set(pods.map((p: any) => zones.get(p.spec.nodeName)));
            if (st.environment === "production") assert.equal(usedZones.size, Math.min(pods.length, 3), `production: pods in zones ${[...usedZones].join(", ")}`);
            console.log(`      ${s}: pulumi up ${up.seconds.toFixed(1)}s; all ${pods.length} pods Ready ${readyAt.toFixed(1)}s after up started ` +
                `(${pods.map((p: any) => `${p.metadata.name.replace(/^.*-/, "")}@${p.spec.nodeName}/${zones.get(p.spec.nodeName)}`).join(", ")})`);
        });
    }

    // ---------------------------------------------------------------- security context, from inside
    it("security context seen from inside a running pod: uid/gid 10001, read-only root, /tmp writable, CapEff 0, NoNewPrivs 1, Seccomp 2, no token", function () {
        const inspect = `const fs = require("fs"); const r = { uid: process.getuid(), gid: process.getgid(), groups: process.getgroups() };
try { fs.writeFileSync("/runtime-probe", "x"); r.rootWrite = "written"; } catch (e) { r.rootWrite = e.code; }
try { fs.writeFileSync("/tmp/runtime-probe", "x"); fs.unlinkSync("/tmp/runtime-probe"); r.tmpWrite = "written"; } catch (e) { r.tmpWrite = e.code; }
const st = fs.readFileSync("/proc/1/status", "utf8"); const f = (k) => (new RegExp("^" + k + ":\\\\s*(.*)$", "m").exec(st) || [])[1];
for (const k of ["Uid", "Gid", "CapEff", "CapPrm", "NoNewPrivs", "Seccomp"]) r[k] = f(k);
r.token = fs.existsSync("/var/run/secrets/kubernetes.io/serviceaccount");
console.log(JSON.stringify(r));`;
        let checked = 0;
        for (const s of STACKS) {
            if (!deployed.has(s)) continue;
            const st = stack(s);
            const pod = livePods(st.namespace, st.selector)[0];
            const r = JSON.parse(podExec(st.namespace, pod.metadata.name, ["node", "-e", inspect]).trim().split("\n").pop()!);
            console.log(`      ${s} ${pod.metadata.name}: ${JSON.stringify(r)}`);
            assert.equal(r.uid, 10001, "uid");
            assert.equal(r.gid, 10001, "gid");
            assert.match(r.Uid, /^10001\s+10001\s+10001\s+10001$/, "PID 1's real/effective/saved/fs uid");
            assert.match(r.Gid, /^10001\s+10001\s+10001\s+10001$/, "PID 1's gids");
            assert.equal(r.rootWrite, "EROFS", "a write to / must fail on the read-only root");
            assert.equal(r.tmpWrite, "written", "/tmp must be writable");
            assert.equal(r.CapEff, "0000000000000000", "CapEff");
            assert.equal(r.CapPrm, "0000000000000000", "CapPrm");
            assert.equal(r.NoNewPrivs, "1", "NoNewPrivs");
            assert.equal(r.Seccomp, "2", "Seccomp (2 = filter)");
            assert.equal(r.token, false, "no service-account token may be mounted");
            checked++;
        }
        if (checked === 0) skipWith(this, "no stack deployed");
    });

    // ---------------------------------------------------------------- served through the ClusterIP
    function curl(url: string): { code: number; body: string } {
        const out = clusterCommand(env, ["exec", "--", "curl", "-sS", "--max-time", "5", "-w", "\n%{http_code}", url], { timeoutMs: 20_000 });
        const lines = out.trimEnd().split("\n");
        return { code: Number(lines.pop()), body: lines.join("\n") };
    }

    it("served: /healthz, /readyz and / through the Service's ClusterIP, /metrics on the metrics port, from inside the nodes' network", function () {
        let checked = 0;
        for (const s of STACKS) {
            if (!deployed.has(s)) continue;
            const st = stack(s);
            const svc = serviceOf(st);
            const ip = svc.spec.clusterIP;
            const port = (name: string) => svc.spec.ports.find((p: any) => p.name === name).port;
            const results: string[] = [];
            for (const p of ["/healthz", "/readyz", "/"]) {
                const r = curl(`http://${ip}:${port("http")}${p}`);
                results.push(`${p} ${r.code}`);
                assert.equal(r.code, 200, `${s}: GET ${p} via ${ip}: ${r.code} ${r.body}`);
                assert.doesNotThrow(() => JSON.parse(r.body), `${s}: ${p} answers JSON`);
            }
            const m = curl(`http://${ip}:${port("metrics")}/metrics`);
            results.push(`/metrics ${m.code}`);
            assert.equal(m.code, 200, `${s}: /metrics: ${m.code}`);
            // The request to / just made is counted (by route and status) by one of the pods behind the Service.
            assert.match(m.body, /^# TYPE \S+ histogram$/m, `${s}: /metrics has no histogram`);
            assert.match(m.body, /route="\/healthz"/, `${s}: /metrics does not count the probes' requests by route`);
            console.log(`      ${s}: ClusterIP ${ip}: ${results.join(", ")} (${m.body.split("\n").length} metric lines)`);
            checked++;
        }
        if (checked === 0) skipWith(this, "no stack deployed");
    });

    // ---------------------------------------------------------------- under load
    function urlOf(st: RuntimeStack): string {
        const svc = serviceOf(st);
        return `http://${svc.spec.clusterIP}:${svc.spec.ports.find((p: any) => p.name === "http").port}/`;
    }
    async function underLoad<T>(st: RuntimeStack, label: string, what: () => Promise<T>): Promise<{ result?: T; error?: unknown; load: LoadSummary }> {
        const load = new Load(env, label, { url: urlOf(st), rps: LOAD_RPS, maxSeconds: LOAD_MAX_SECONDS });
        await load.ready();
        await sleep(3000); // a baseline before the disruption
        let result: T | undefined, error: unknown;
        try {
            result = await what();
        } catch (e) {
            error = e;
        }
        await sleep(3000); // and after it
        return { result, error, load: await load.stop() };
    }
    const assertNoFailures = (label: string, s: LoadSummary) => {
        assert.ok(s.sent >= LOAD_RPS * 5, `${label}: only ${s.sent} requests were sent`);
        assert.equal(s.failed, 0, `${label}: ${describeLoad(s)}; first failures: ${JSON.stringify(s.firstFailures)}`);
    };

    it("zero-downtime rolling update: a config change rolls production under 50 requests/s with 0 failed requests", async function () {
        requireDeployed(this, "production");
        const st = stack("production");
        const before = new Set(livePods(st.namespace, st.selector).map((p: any) => p.metadata.name));
        const { result: up, error, load } = await underLoad(st, "rollout", async () => {
            st.setConfig({ appSettings: { APP_FEATURE_FLAGS: "runtime-rollout" } });
            const r = await st.up("rollout");
            if (!r.ok) throw new Error(`pulumi up failed:\n${r.output.slice(-2000)}`);
            const pods = await waitUntil("the rolled pods settled", 240_000, () => settled(st), 1000, stateOf(st));
            return { seconds: r.seconds, pods };
        });
        if (error) throw error;
        const replaced = up!.pods.filter((p: any) => !before.has(p.metadata.name)).length;
        console.log(`      rollout: pulumi up ${up!.seconds.toFixed(1)}s, ${replaced}/${up!.pods.length} pods replaced; load: ${describeLoad(load)}`);
        assert.equal(replaced, up!.pods.length, "every pod must have been replaced by the rollout");
        assertNoFailures("rollout", load);
    });

    it("node drain: `kubectl drain` of a real node under load respects the PDB, pods reschedule, 0 failed requests", async function () {
        requireDeployed(this, "production");
        const st = stack("production");
        const min = minReplicasOf(st);
        const pods = livePods(st.namespace, st.selector);
        const perNode = new Map<string, number>();
        for (const p of pods) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
        const node = [...perNode.entries()].sort((a, b) => b[1] - a[1])[0][0];
        const watchers = [...deployed].map((s) => ({ s, w: new ReadyWatch(stack(s).namespace, stack(s).selector), min: minReplicasOf(stack(s)) }));
        await Promise.all(watchers.map((x) => x.w.started()));
        let drainOut = "";
        const { error, load } = await underLoad(st, "drain", async () => {
            const t0 = Date.now();
            const code = await new Promise<number>((resolve) => {
                const p = spawn("kubectl", ["drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=240s"], { env: process.env });
                p.stdout.on("data", (d) => (drainOut += d));
                p.stderr.on("data", (d) => (drainOut += d));
                p.on("exit", (c) => resolve(c ?? -1));
            });
            if (code !== 0) throw new Error(`kubectl drain ${node} exited ${code}:\n${drainOut}`);
            const settledPods = await waitUntil("production settled after the drain", 240_000, () => settled(st), 1000, stateOf(st));
            return { seconds: (Date.now() - t0) / 1000, pods: settledPods };
        }).finally(() => { try { kubectl(["uncordon", node]); } catch { /* reported by the next checks */ } });
        const seen = watchers.map(({ s, w, min: m }) => ({ s, m, ...w.stop() }));
        const waited = (drainOut.match(/violate the pod's disruption budget/g) ?? []).length;
        const evicted = (drainOut.match(/^pod\/\S+ evicted$/gm) ?? []).length;
        console.log(`      drain of ${node} (${perNode.get(node)} production pod(s) on it): ${evicted} pods evicted, ${waited} eviction(s) refused by a PDB and retried; ` +
            `fewest Ready pods seen: ${seen.map((x) => `${x.s} ${x.lowest} of ${x.m}`).join(", ")}; load: ${describeLoad(load)}`);
        if (error) throw error;
        for (const x of seen) assert.ok(x.lowest >= x.m - 1, `${x.s}: ${x.lowest} Ready pods during the drain; the PDB (maxUnavailable 1) allows no fewer than ${x.m - 1}`);
        const after = livePods(st.namespace, st.selector);
        assert.ok(after.every((p: any) => p.spec.nodeName !== node), "a production pod is still on the drained node");
        assert.ok(min >= 2);
        assertNoFailures("drain", load);
    });

    it("bad rollout: new pods never Ready, `pulumi up` fails in bounded time naming the Deployment and why, old pods serve with 0 failures, the previous config restores a clean preview", async function () {
        requireDeployed(this, "production");
        const st = stack("production");
        const good = st.getConfig("image") as { ref: string };
        const repo = good.ref.replace(/@.*$/, "");
        // A digest the registry does not have: every new pod stays in ErrImagePull/ImagePullBackOff.
        const missing = `${repo}@sha256:${createHash("sha256").update("websvc runtime tier: an image nobody pushed").digest("hex")}`;
        const deployment = deploymentOf(st).metadata.name;
        const min = minReplicasOf(st);
        const watcher = new ReadyWatch(st.namespace, st.selector);
        await watcher.started();
        let bad: Awaited<ReturnType<RuntimeStack["up"]>> | undefined;
        let recover: Awaited<ReturnType<RuntimeStack["up"]>> | undefined;
        const { error, load } = await underLoad(st, "bad-rollout", async () => {
            st.setConfig({ image: { ref: missing } });
            bad = await st.up("bad-rollout");
            st.setConfig({ image: good });
            recover = await st.up("recover");
            await waitUntil("production settled after the recovery", 240_000, () => settled(st), 1000, stateOf(st));
        });
        const seen = watcher.stop();
        const why = (bad?.output ?? "").split("\n").filter((l) => l.includes(deployment) || /ProgressDeadlineExceeded|ImagePull|progress deadline|timed out/i.test(l)).slice(0, 6).map((l) => l.trim());
        console.log(`      bad rollout: the Deployment's step failed after ${bad?.events.stepSeconds("kubernetes:apps/v1:Deployment") ?? "?"}s (bound ${BAD_ROLLOUT_BOUND_SECONDS}s: customTimeouts 300s + 30s), ` +
            `the whole pulumi up after ${bad?.seconds.toFixed(1)}s; its message:\n        ${why.join("\n        ")}`);
        console.log(`      old pods: fewest Ready ${seen.lowest} of ${min}; recovery up ${recover?.seconds.toFixed(1)}s; load: ${describeLoad(load)}`);
        if (error) throw error;
        assert.ok(bad && !bad.ok, "pulumi up of a missing image digest succeeded");
        const step = bad.events.stepSeconds("kubernetes:apps/v1:Deployment");
        assert.ok(step !== undefined, "no start and end of the Deployment's step among the engine's events");
        assert.ok(step <= BAD_ROLLOUT_BOUND_SECONDS, `the Deployment's step took ${step}s to fail (bound ${BAD_ROLLOUT_BOUND_SECONDS}s: customTimeouts 300s + 30s)`);
        assert.ok(bad.output.includes(deployment), `the failure does not name the Deployment ${deployment}`);
        assert.match(bad.output, /ProgressDeadlineExceeded|progress deadline|ImagePullBackOff|ErrImagePull/, "the failure does not say why");
        assert.ok(seen.lowest >= min, `old pods: only ${seen.lowest} Ready during the bad rollout (want ${min})`);
        assertNoFailures("bad rollout", load);
        assert.ok(recover?.ok, `pulumi up of the previous config failed:\n${recover?.output.slice(-2000)}`);
        const preview = await st.previewNoChanges("preview-after-recovery");
        assert.ok(preview.ok, `preview --expect-no-changes after the recovery:\n${preview.output.slice(-2000)}`);
        console.log(`      after the recovery: preview --expect-no-changes clean (${/(\d+) unchanged/.exec(preview.output)?.[1] ?? "?"} unchanged)`);
    });

    it("secret rotation: changing secretsRotation rolls the pods and the new pods see the new value", async function () {
        requireDeployed(this, "production");
        const st = stack("production");
        const envNames = (deploymentOf(st).spec.template.spec.containers[0].env ?? []).filter((e: any) => e.valueFrom?.secretKeyRef).map((e: any) => e.name);
        assert.ok(envNames.length > 0, "the Deployment references no generated secret");
        // Only digests leave the pod: the values themselves are never printed or compared in the clear.
        const digests = () => {
            const pod = livePods(st.namespace, st.selector)[0].metadata.name;
            return podExec(st.namespace, pod, ["node", "-e", `const c = require("crypto"); console.log(${JSON.stringify(envNames)}.map((n) => c.createHash("sha256").update(process.env[n] || "").digest("hex")).join(","))`]).trim();
        };
        const before = digests();
        const names = new Set(livePods(st.namespace, st.selector).map((p: any) => p.metadata.name));
        st.setConfig({ secretsRotation: `runtime-${Date.now()}` });
        const up = await st.up("rotate");
        assert.ok(up.ok, up.output.slice(-2000));
        const pods = await waitUntil("pods rolled after the rotation", 240_000, () => settled(st), 1000, stateOf(st));
        assert.ok(pods.every((p: any) => !names.has(p.metadata.name)), "the rotation did not roll every pod");
        assert.notEqual(digests(), before, "the new pods see the old secret values");
        console.log(`      rotation: up ${up.seconds.toFixed(1)}s, ${pods.length} pods rolled, ${envNames.length} secret value(s) changed`);
    });

    it("data: with storage.enabled, a file written to the volume survives a rolling update by `pulumi up` and the loss of every pod at once", async function () {
        requireDeployed(this, "production");
        const st = stack("production");
        const sc = livePods(st.namespace, st.selector)[0].spec.securityContext;
        const { dir, manifests } = sharedVolume(env, { uid: sc.runAsUser, gid: sc.runAsGroup });
        applyManifests(manifests);
        const mountPath = "/data";
        st.setConfig({ storage: { enabled: true, size: "1Gi", storageClassName: SHARED_STORAGE_CLASS, mountPath } });
        const enable = await st.up("storage-on");
        assert.ok(enable.ok, `pulumi up with storage.enabled failed:\n${enable.output.slice(-2000)}`);
        const claim = kubectlJson(["-n", st.namespace, "get", "pvc", "-l", st.selector]).items[0];
        assert.equal(claim?.status?.phase, "Bound", `the stack's claim is ${claim?.status?.phase ?? "missing"}`);
        let pods = await waitUntil("pods with the volume settled", 240_000, () => settled(st), 1000, stateOf(st));
        const file = `${mountPath}/runtime-marker`;
        const content = `written by ${pods[0].metadata.name} at ${new Date().toISOString()} ${createHash("sha256").update(String(Math.random())).digest("hex").slice(0, 16)}`;
        assert.match(podExec(st.namespace, pods[0].metadata.name, ["node", "-e", writeFileProgram(file, content)]), /written/);
        const readIn = (pod: string) => podExec(st.namespace, pod, ["node", "-e", readFileProgram(file)]).trim();
        // Another pod (another node: production spreads over zones) reads it: the volume is shared.
        assert.equal(readIn(pods[pods.length - 1].metadata.name), content, "another pod does not see the file: the volume is not shared");

        const names1 = new Set(pods.map((p: any) => p.metadata.name));
        st.setConfig({ appSettings: { APP_FEATURE_FLAGS: "runtime-data" } });
        const roll = await st.up("storage-roll");
        assert.ok(roll.ok, roll.output.slice(-2000));
        pods = await waitUntil("pods rolled by the settings change", 240_000, () => settled(st), 1000, stateOf(st));
        assert.ok(pods.every((p: any) => !names1.has(p.metadata.name)), "the settings change did not roll every pod");
        const afterRoll = pods.map((p: any) => readIn(p.metadata.name));

        // Every pod deleted at once: nothing keeps the volume mounted in between.
        const names2 = new Set(pods.map((p: any) => p.metadata.name));
        kubectl(["-n", st.namespace, "delete", "pods", "-l", st.selector, "--wait=true", "--timeout=120s"]);
        pods = await waitUntil("replacement pods settled", 240_000, () => { const p = settled(st); return p?.every((x: any) => !names2.has(x.metadata.name)) ? p : undefined; }, 1000, stateOf(st));
        const afterLoss = pods.map((p: any) => readIn(p.metadata.name));
        console.log(`      volume: claim ${claim.metadata.name} Bound to ${claim.spec.volumeName} (RWX hostPath stand-in ${dir}); storage on in ${enable.seconds.toFixed(1)}s; ` +
            `after the rolling update ${afterRoll.filter((c) => c === content).length}/${afterRoll.length} pods read the file, after every pod was deleted ${afterLoss.filter((c) => c === content).length}/${afterLoss.length}`);
        assert.ok(afterRoll.every((c) => c === content), `after the rolling update: ${afterRoll.join(" | ")}`);
        assert.ok(afterLoss.every((c) => c === content), `after every pod was replaced: ${afterLoss.join(" | ")}`);
    });

    it("NetworkPolicy enforced by kube-router's firewall: reachability matrix, expected and seen", async function () {
        requireDeployed(this, "production");
        const st = stack("production");
        const binary = helperBinary("kube-router");
        if (!binary) throw new Error("the enforcer is not built: bash scripts/runtime-images.sh build kube-router");
        if (!onPath("ipset") || !onPath("iptables")) throw new Error("kube-router needs the iptables and ipset commands on this machine (apt-get install ipset)");
        const cfg = (k: string, def: string) => ((st.getConfig(k.split(".")[0]) as any)?.[k.split(".")[1]] ?? def) as string;
        const ingressNs = cfg("networkPolicy.ingressControllerNamespace", "ingress-nginx");
        const promNs = cfg("monitoring.prometheusNamespace", "monitoring");
        const otherNs = "websvc-runtime-other";
        const probes = [
            ...probePod(otherNs, "probe", env.image),
            ...probePod(ingressNs, "probe", env.image),
            ...probePod(promNs, "probe", env.image),
            dnsStandIn(env.image),
        ];
        let firewall: KubeRouterFirewall | undefined;
        // Only the namespaces this check creates are deleted afterwards.
        const existing = new Set(kubectlJson(["get", "namespaces"]).items.map((n: any) => n.metadata.name));
        applyManifests(probes);
        try {
            const podIp = (ns: string, name: string) => waitUntil(`${ns}/${name} Ready`, 120_000, () => {
                const p = kubectlJson(["-n", ns, "get", "pod", name]);
                return isReady(p) || p.status?.containerStatuses?.[0]?.state?.running ? p.status.podIP as string : undefined;
            });
            const otherIp = await podIp(otherNs, "probe");
            await podIp(ingressNs, "probe");
            await podIp(promNs, "probe");
            const dnsIp = await podIp("kube-system", "websvc-runtime-dns-standin");
            const [appA, appB] = livePods(st.namespace, st.selector);
            const a = appA.status.podIP, b = appB.status.podIP;
            const rows: { from: [string, string, string]; to: ProbeTarget; expected: "open" | "blocked" }[] = [
                { from: [otherNs, "probe", "other namespace"], to: { label: "app http", host: a, port: 8080 }, expected: "blocked" },
                { from: [otherNs, "probe", "other namespace"], to: { label: "app metrics", host: a, port: 9090 }, expected: "blocked" },
                { from: [ingressNs, "probe", `ingress (${ingressNs})`], to: { label: "app http", host: a, port: 8080 }, expected: "open" },
                { from: [ingressNs, "probe", `ingress (${ingressNs})`], to: { label: "app metrics", host: a, port: 9090 }, expected: "blocked" },
                { from: [promNs, "probe", `prometheus (${promNs})`], to: { label: "app metrics", host: a, port: 9090 }, expected: "open" },
                { from: [promNs, "probe", `prometheus (${promNs})`], to: { label: "app http", host: a, port: 8080 }, expected: "blocked" },
                { from: [st.namespace, appA.metadata.name, "app"], to: { label: "DNS stand-in tcp/53", host: dnsIp, port: 53 }, expected: "open" },
                { from: [st.namespace, appA.metadata.name, "app"], to: { label: "DNS stand-in tcp/8080", host: dnsIp, port: 8080 }, expected: "blocked" },
                { from: [st.namespace, appA.metadata.name, "app"], to: { label: "other-namespace pod http", host: otherIp, port: 8080 }, expected: "blocked" },
                { from: [st.namespace, appA.metadata.name, "app"], to: { label: "another app pod http", host: b, port: 8080 }, expected: "blocked" },
            ];
            const measure = (): MatrixRow[] => {
                const bySource = new Map<string, typeof rows>();
                for (const r of rows) bySource.set(r.from.join("/"), [...(bySource.get(r.from.join("/")) ?? []), r]);
                const out: MatrixRow[] = [];
                for (const group of bySource.values()) {
                    const seen = probeFrom(group[0].from[0], group[0].from[1], group.map((r) => r.to));
                    for (const r of group) out.push({ from: r.from[2], to: r.to.label, expected: r.expected, seen: seen.get(r.to.label) ?? "?" });
                }
                return out;
            };
            // Control: before any enforcer runs, every target answers (so "blocked" later means the policy).
            const control = measure();
            console.log(`      without an enforcer (control: every target listens):\n${formatMatrix(control, false)}`);
            assert.ok(control.every((r) => rowOk(r, false)), "a target is unreachable even without an enforcer: the matrix would prove nothing");

            const restartsBefore = livePods(st.namespace, st.selector).map((p: any) => p.status.containerStatuses[0].restartCount).reduce((x: number, y: number) => x + y, 0);
            firewall = new KubeRouterFirewall(env, binary);
            firewall.start();
            await sleep(10_000); // its first sync of pods, namespaces and policies
            const crashed = firewall.exited();
            if (crashed.length) throw new Error(`kube-router stopped: ${crashed.join("; ")} (logs in ${firewall.logDir})`);
            const enforced = measure();
            console.log(`      enforced by kube-router v2.1.0 (firewall only, one process per real node):\n${formatMatrix(enforced, true)}`);
            // The kubelet's probes come from the node: the app must stay Ready under enforcement (2 readiness periods and more).
            await sleep(15_000);
            const after = livePods(st.namespace, st.selector);
            const restartsAfter = after.map((p: any) => p.status.containerStatuses[0].restartCount).reduce((x: number, y: number) => x + y, 0);
            console.log(`      under enforcement: ${after.filter(isReady).length}/${after.length} app pods Ready, restarts ${restartsBefore} -> ${restartsAfter}`);
            assert.ok(enforced.every((r) => rowOk(r, true)), "the matrix differs from the policy (rows marked WRONG above)");
            assert.ok(after.every(isReady) && restartsAfter === restartsBefore, "the app's pods lost readiness or restarted under enforcement (kubelet probes blocked?)");
        } finally {
            const created = [otherNs, ingressNs, promNs].filter((ns) => !existing.has(ns));
            if (created.length) kubectl(["delete", "namespace", ...created, "--ignore-not-found", "--wait=true", "--timeout=120s"]);
            kubectl(["-n", "kube-system", "delete", "pod", "websvc-runtime-dns-standin", "--ignore-not-found", "--wait=false"]);
            const left = firewall?.stop() ?? [];
            if (left.length) console.log(`      kube-router cleanup: ${left.join("; ")}`);
        }
    });

    autoscalingCheck(() => ({ env, stack: deployed.has("production") ? stack("production") : undefined }));

    // The operator-managed Prometheus end to end (issue 18 part 3): its own checks, on the running stacks.
    observabilityChecks(() => ({ env, stack: deployed.has("staging") ? stack("staging") : undefined }));

    // ---------------------------------------------------------------- destroy
    // A suite of its own: mocha runs a suite's tests before its nested suites, and this comes last.
    describe("teardown", function () {
    it("destroy: no pod, no container in containerd, no namespace left", async function () {
        if (!env) skipWith(this, "nothing deployed");
        const results: string[] = [];
        for (const s of STACKS) {
            const st = stack(s);
            const d = await st.destroy("destroy");
            assert.ok(d.ok, `pulumi destroy of ${s} failed:\n${d.output.slice(-2000)}`);
            results.push(`${s} destroy ${d.seconds.toFixed(1)}s`);
        }
        const namespaces = STACKS.map((s) => stack(s).namespace);
        await waitUntil("the stacks' namespaces gone", 180_000, () => {
            const left = kubectlJson(["get", "namespaces"]).items.map((n: any) => n.metadata.name).filter((n: string) => namespaces.includes(n));
            return left.length === 0 ? true : undefined;
        }, 2000);
        kubectl(["delete", ...SHARED_VOLUME_OBJECTS, "--ignore-not-found"]); // the data check's volume, if it ran
        const pods = kubectlJson(["get", "pods", "-A", "-l", "app.kubernetes.io/name=websvc"]).items.length;
        assert.equal(pods, 0, "websvc pods left");
        // Containers of those namespaces in each node's containerd (ctr on the node's own socket). The
        // kubelet removes a deleted pod's exited containers and sandboxes in its garbage collection,
        // which runs once a minute (kubelet ContainerGCPeriod), so they may outlive the pod by up to
        // about a minute: wait for two GC periods, then whatever is left is a leak.
        const listApp = (): string[] => namespaces.flatMap((ns) => {
            const listed = containersOnNodes(env, `labels."io.kubernetes.pod.namespace"==${ns}`);
            assert.ok(listed.sockets > 0, `no containerd socket found under ${env.clusterDir}/nodes`);
            return listed.lines;
        });
        const gcStart = Date.now();
        const atNamespacesGone = listApp().length;
        let left: string[] = [];
        try {
            await waitUntil("the kubelets' GC removed the app's containers and sandboxes", CONTAINER_GC_WAIT_MS, () => (left = listApp()).length === 0 ? true : undefined, 5000);
        } catch { /* reported below with the list */ }
        console.log(`      ${results.join(", ")}; namespaces ${namespaces.join(", ")} gone; pods 0; containers (sandboxes included) of those namespaces in the nodes' containerd: ${atNamespacesGone} when the namespaces were gone, ${left.length} after ${((Date.now() - gcStart) / 1000).toFixed(0)}s`);
        assert.equal(left.length, 0, `containers of the app left in containerd ${CONTAINER_GC_WAIT_MS / 1000}s after the namespaces were gone:\n${left.join("\n")}`);
    });
    });

    after(function () {
        if (failedUp.length) console.log(`    runtime: pulumi up failed for ${failedUp.join(", ")}; logs in ${stacks.get(failedUp[0])?.logDir}`);
    });
});

import { recorder, outputValue, allStrings } from "../harness";
import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { loadConfig as loadAppConfig } from "../../app/src/config";
import { parseQuantity } from "../../components/lib/quantity";
import { APP_PORT, DEFAULT_SHUTDOWN_TIMEOUT_SECONDS, HTTP_PORT_NAME, METRICS_PORT, METRICS_PORT_NAME } from "../../components/lib/app-contract";
import { DEFAULT_RUN_AS_USER, MIN_NON_ROOT_ID } from "../../components/lib/pod-security";
import { WORKLOAD_TYPE } from "../../components/workload";
import { ALL_OPTIONS_ARGS, fixedReplicas, renderWorkload, restrictedViolations, selects, sharedRender, wiring, PINNED_IMAGE, type KubeObject, type Rendered } from "./workload-fixtures";

// The app's own defaults (app/src/config.ts) are the contract the component must match.
const APP_DEFAULTS = loadAppConfig({});

const RECOMMENDED_LABEL_KEYS = ["name", "instance", "component", "part-of", "managed-by"].map((k) => `app.kubernetes.io/${k}`);
const SECRET_LOOKING = /(SECRET|PASSWORD|PASSWD|TOKEN|KEY|CREDENTIAL|PRIVATE)/i;
const RESOURCE_NAMES = ["cpu", "memory", "ephemeral-storage"];

const portNamed = (container: any, name: string) => container.ports.find((p: any) => p.name === name);
const allowPolicy = (r: Rendered) => r.all("NetworkPolicy").find((np) => Object.keys(np.spec.podSelector?.matchLabels ?? {}).length > 0)!;
const denyPolicy = (r: Rendered) => r.all("NetworkPolicy").find((np) => Object.keys(np.spec.podSelector?.matchLabels ?? {}).length === 0)!;
const peerNamespaces = (rule: any) => rule.from.map((peer: any) => peer.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"]);

describe("Workload component", function () {
    let staging: Rendered;
    let production: Rendered;
    let fixed: Rendered;

    before(async () => {
        [staging, production, fixed] = await Promise.all([sharedRender("staging-defaults"), sharedRender("production-all-options"), sharedRender("fixed-replicas-with-storage")]);
    });

    describe("structure", () => {
        it("registers as websvc:workload:Workload and parents every object to the component", () => {
            for (const r of [staging, production, fixed]) {
                assert.equal(r.component.type, WORKLOAD_TYPE);
                assert.equal(WORKLOAD_TYPE, "websvc:workload:Workload");
                assert.ok(r.children.length >= 8, `only ${r.children.length} children`);
                for (const child of r.children) assert.equal(child.parent, r.component.urn, `${child.name} is not parented to the component`);
                for (const child of r.children) assert.ok(child.name.startsWith(`${r.component.name}-`), `${child.name} is not prefixed with the component name`);
            }
        });

        it("renders the expected kinds by default (no RBAC, no PVC) and all of them with options", () => {
            const kinds = (r: Rendered) => [...new Set(r.objects.map((o) => o.kind))].sort();
            assert.deepEqual(kinds(staging), ["ConfigMap", "Deployment", "HorizontalPodAutoscaler", "Namespace", "NetworkPolicy", "PodDisruptionBudget", "Service", "ServiceAccount"]);
            assert.deepEqual(kinds(production), ["ConfigMap", "Deployment", "HorizontalPodAutoscaler", "Namespace", "NetworkPolicy", "PodDisruptionBudget", "Role", "RoleBinding", "Service", "ServiceAccount"]);
        });

        it("names only the Namespace (from args) and lets Pulumi auto-name everything else", () => {
            for (const r of [staging, production]) {
                for (const child of r.children) {
                    if (child.type === "kubernetes:core/v1:Namespace") assert.equal(child.inputs.metadata.name, r === staging ? "websvc-staging" : "websvc-production");
                    else assert.equal(child.inputs.metadata?.name, undefined, `${child.name} hard-codes metadata.name`);
                }
            }
        });

        it("hands the provider from the component's options to every object", async () => {
            const provider = new k8s.Provider("wl-explicit-provider", { renderYamlToDirectory: "/tmp/never-written" });
            const providerUrn = await outputValue(provider.urn);
            const r = await renderWorkload("wl-with-provider", {}, { provider });
            for (const child of r.children) assert.ok(wiring.get(child.name)?.provider.startsWith(`${providerUrn}::`), `${child.name} uses ${wiring.get(child.name)?.provider}`);
            for (const child of staging.children) assert.ok(!wiring.get(child.name)?.provider.startsWith(`${providerUrn}::`));
        });

        it("starts the pods only after the NetworkPolicies exist", () => {
            const deployment = staging.children.find((c) => c.type === "kubernetes:apps/v1:Deployment")!;
            const policies = staging.children.filter((c) => c.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy");
            assert.equal(policies.length, 2);
            for (const policy of policies) assert.ok(wiring.get(deployment.name)?.dependencies.includes(policy.urn), `the Deployment does not wait for ${policy.name}`);
        });

        it("puts every namespaced object in the component's namespace", () => {
            for (const o of production.objects.filter((x) => x.kind !== "Namespace")) assert.equal(o.metadata.namespace, "websvc-production", `${o.kind} ${o.metadata.name}`);
        });

        it("labels every object and the pod template with the app.kubernetes.io recommended labels", () => {
            for (const r of [staging, production]) {
                for (const labels of [...r.objects.map((o) => o.metadata.labels), r.podLabels]) {
                    for (const key of RECOMMENDED_LABEL_KEYS) assert.ok(labels?.[key], `missing ${key} in ${JSON.stringify(labels)}`);
                }
            }
            assert.equal(production.podLabels["app.kubernetes.io/version"], "1.4.2");
            assert.equal(production.podLabels["app.kubernetes.io/name"], "websvc");
        });

        it("exposes the outputs ingress and monitoring need, consistent with the objects", async () => {
            const w = production.workload;
            assert.equal(await outputValue(w.namespace), "websvc-production");
            assert.equal(await outputValue(w.serviceName), production.one("Service").metadata.name);
            assert.equal(await outputValue(w.deploymentName), production.one("Deployment").metadata.name);
            assert.equal(await outputValue(w.serviceAccountName), production.one("ServiceAccount").metadata.name);
            assert.equal(await outputValue(w.configMapName), production.one("ConfigMap").metadata.name);
            assert.equal(await outputValue(w.hpaName!), production.one("HorizontalPodAutoscaler").metadata.name);
            assert.equal(await outputValue(w.pdbName!), production.one("PodDisruptionBudget").metadata.name);
            assert.ok(selects(w.selectorLabels, production.podLabels));
            assert.deepEqual(w.selectorLabels, production.one("Service").spec.selector);
            assert.equal(w.servicePorts.http.name, "http");
            assert.equal(w.servicePorts.metrics.name, "metrics");
            assert.equal(fixed.workload.hpaName, undefined);
            assert.equal(staging.workload.pvcName, undefined);
        });
    });

    describe("namespace and identity", () => {
        it("enforces, audits and warns the restricted Pod Security level pinned to the configured version", () => {
            const labels = production.one("Namespace").metadata.labels!;
            for (const mode of ["enforce", "audit", "warn"]) {
                assert.equal(labels[`pod-security.kubernetes.io/${mode}`], "restricted");
                assert.equal(labels[`pod-security.kubernetes.io/${mode}-version`], "v1.34");
            }
        });

        it("creates a ServiceAccount without an automounted token, used by the pods", () => {
            const sa = staging.one("ServiceAccount");
            assert.equal(sa.automountServiceAccountToken, false);
            assert.equal(staging.podSpec.serviceAccountName, sa.metadata.name);
            assert.equal(staging.podSpec.automountServiceAccountToken, false);
        });

        it("creates no Role or RoleBinding when the app needs no API access", () => {
            assert.equal(staging.all("Role").length + staging.all("RoleBinding").length, 0);
            assert.ok(!staging.podSpec.volumes.some((v: any) => v.projected), "a token volume is mounted without RBAC");
        });

        it("grants exactly the given read-only rules to the app's ServiceAccount and mounts an expiring token explicitly", () => {
            const role = production.one("Role");
            for (const rule of role.rules) for (const verb of rule.verbs) assert.ok(["get", "list", "watch"].includes(verb), verb);
            assert.deepEqual(role.rules, ALL_OPTIONS_ARGS.rbacRules);
            const binding = production.one("RoleBinding");
            assert.deepEqual(binding.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name });
            assert.deepEqual(binding.subjects, [{ kind: "ServiceAccount", name: production.one("ServiceAccount").metadata.name, namespace: "websvc-production" }]);
            assert.equal(production.podSpec.automountServiceAccountToken, false);
            const tokenVolume = production.podSpec.volumes.find((v: any) => v.projected);
            const token = tokenVolume.projected.sources.find((s: any) => s.serviceAccountToken).serviceAccountToken;
            assert.ok(token.expirationSeconds > 0 && token.expirationSeconds <= 3600 * 24, `token lives ${token.expirationSeconds}s`);
            const mount = production.container.volumeMounts.find((m: any) => m.name === tokenVolume.name);
            assert.equal(mount.readOnly, true);
            assert.equal(mount.mountPath, "/var/run/secrets/kubernetes.io/serviceaccount");
        });
    });

    describe("pod security", () => {
        it("every container passes the restricted profile with the default UID", () => {
            for (const r of [staging, fixed]) assert.deepEqual(restrictedViolations(r.podSpec, MIN_NON_ROOT_ID), []);
            assert.ok(DEFAULT_RUN_AS_USER >= MIN_NON_ROOT_ID && MIN_NON_ROOT_ID >= 10000);
            assert.equal(staging.podSpec.securityContext.runAsUser, 10001);
            assert.equal(staging.container.securityContext.runAsUser, 10001);
        });

        it("uses the configured UID/GID everywhere, still restricted", () => {
            assert.deepEqual(restrictedViolations(production.podSpec, MIN_NON_ROOT_ID), []);
            for (const sc of [production.podSpec.securityContext, production.container.securityContext]) {
                assert.equal(sc.runAsUser, 20000);
                assert.equal(sc.runAsGroup, 20001);
            }
            assert.equal(production.podSpec.securityContext.fsGroup, 20001);
        });

        it("gives the read-only root filesystem a size-limited emptyDir at /tmp", () => {
            const mount = staging.container.volumeMounts.find((m: any) => m.mountPath === "/tmp");
            const volume = staging.podSpec.volumes.find((v: any) => v.name === mount.name);
            assert.ok(volume.emptyDir, "/tmp is not an emptyDir");
            assert.ok(parseQuantity(volume.emptyDir.sizeLimit) > 0);
            assert.ok(parseQuantity(volume.emptyDir.sizeLimit) < parseQuantity(staging.container.resources.limits["ephemeral-storage"]), "/tmp can outgrow the ephemeral-storage limit");
        });

        it("sets requests and limits for cpu, memory and ephemeral-storage, limits >= requests", () => {
            for (const r of [staging, production]) {
                const { requests, limits } = r.container.resources;
                for (const name of RESOURCE_NAMES) {
                    assert.ok(requests[name] && limits[name], `${name} missing`);
                    assert.ok(parseQuantity(limits[name]) >= parseQuantity(requests[name]), `${name} limit < request`);
                }
            }
            assert.deepEqual(production.container.resources.limits, { cpu: "1", memory: "512Mi", "ephemeral-storage": "256Mi" });
        });
    });

    describe("configuration and secrets", () => {
        it("passes the app's runtime settings through the ConfigMap, matching the app's own defaults", () => {
            const data = staging.configData;
            assert.equal(data.PORT, String(APP_DEFAULTS.port));
            assert.equal(data.METRICS_PORT, String(APP_DEFAULTS.metricsPort));
            assert.equal(data.SHUTDOWN_TIMEOUT_SECONDS, String(APP_DEFAULTS.shutdownTimeoutSeconds));
            assert.equal(DEFAULT_SHUTDOWN_TIMEOUT_SECONDS, APP_DEFAULTS.shutdownTimeoutSeconds);
            assert.equal(data.LOG_LEVEL, "info");
            assert.equal(production.configData.LOG_LEVEL, "warn");
            assert.deepEqual(staging.container.envFrom, [{ configMapRef: { name: staging.one("ConfigMap").metadata.name } }]);
        });

        it("delivers app settings as APP_* variables (adding the prefix when missing)", () => {
            assert.equal(production.configData.APP_FEATURE_FLAGS, "beta-banner");
            assert.equal(production.configData.APP_GREETING, "hello from prod");
            assert.ok(!("GREETING" in production.configData));
        });

        it("keeps secret-looking keys out of the ConfigMap", () => {
            for (const r of [staging, production, fixed]) {
                const leaky = Object.keys(r.configData).filter((k) => SECRET_LOOKING.test(k));
                assert.deepEqual(leaky, []);
            }
        });

        it("references every secret env var through secretKeyRef and never carries a literal value", () => {
            const env = production.container.env;
            assert.deepEqual(env.map((e: any) => e.name).sort(), ["JWT_SIGNING_KEY", "SESSION_KEY"]);
            for (const e of env) {
                assert.equal(e.value, undefined, `${e.name} has a literal value`);
                assert.equal(e.valueFrom.secretKeyRef.name, "websvc-app-secrets");
            }
            assert.equal(env.find((e: any) => e.name === "SESSION_KEY").valueFrom.secretKeyRef.key, "session-key");
            // Nothing else in the container carries env values either.
            for (const source of production.container.envFrom) assert.deepEqual(Object.keys(source), ["configMapRef"]);
            assert.equal(staging.container.env, undefined);
        });

        it("annotates the pod template with the secrets checksum and a config checksum that extra annotations cannot override", () => {
            const annotations = production.one("Deployment").spec.template.metadata.annotations;
            assert.equal(annotations["checksum/secrets"], "c0ffee");
            assert.match(annotations["checksum/config"], /^[0-9a-f]{64}$/);
            assert.equal(annotations["example.com/team"], "web");
            assert.equal(staging.one("Deployment").spec.template.metadata.annotations["checksum/secrets"], undefined);
        });

        it("changes the config checksum when, and only when, a setting changes", async () => {
            const checksum = (r: Rendered) => r.one("Deployment").spec.template.metadata.annotations["checksum/config"];
            const a = await renderWorkload("wl-hash-a", { appSettings: { APP_ALPHA: "1", APP_BETA: "2" } });
            const sameInOtherOrder = await renderWorkload("wl-hash-a-reordered", { appSettings: { APP_BETA: "2", APP_ALPHA: "1" } });
            const changedValue = await renderWorkload("wl-hash-b", { appSettings: { APP_ALPHA: "1", APP_BETA: "3" } });
            const changedLogLevel = await renderWorkload("wl-hash-c", { appSettings: { APP_ALPHA: "1", APP_BETA: "2" }, logLevel: "debug" });
            assert.equal(checksum(a), checksum(sameInOtherOrder));
            assert.notEqual(checksum(a), checksum(changedValue));
            assert.notEqual(checksum(a), checksum(changedLogLevel));
            assert.equal(a.workload.configChecksum, checksum(a));
        });

        it("uses the given image and pull secrets", () => {
            assert.equal(staging.container.image, PINNED_IMAGE);
            assert.deepEqual(production.podSpec.imagePullSecrets, [{ name: "registry-credentials" }]);
            assert.equal(staging.podSpec.imagePullSecrets, undefined);
        });

        it("never puts the app settings' values anywhere but the ConfigMap", () => {
            const notConfigMap = production.objects.filter((o) => o.kind !== "ConfigMap");
            assert.ok(!allStrings(notConfigMap).includes("hello from prod"));
        });
    });

    describe("Deployment", () => {
        it("selects its own pods", () => {
            for (const r of [staging, production, fixed]) {
                const d = r.one("Deployment");
                assert.ok(selects(d.spec.selector.matchLabels, d.spec.template.metadata.labels));
            }
        });

        it("rolls out with one surge pod and no unavailable pod", () => {
            assert.deepEqual(staging.one("Deployment").spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
        });

        it("omits replicas when an HPA owns the count and sets it otherwise", () => {
            assert.ok(!("replicas" in staging.one("Deployment").spec));
            assert.ok(!("replicas" in production.one("Deployment").spec));
            assert.equal(fixed.one("Deployment").spec.replicas, 3);
        });

        it("declares named http and metrics ports on the app's real ports", () => {
            assert.equal(portNamed(staging.container, "http").containerPort, APP_DEFAULTS.port);
            assert.equal(portNamed(staging.container, "metrics").containerPort, APP_DEFAULTS.metricsPort);
            assert.equal(APP_PORT, APP_DEFAULTS.port);
            assert.equal(METRICS_PORT, APP_DEFAULTS.metricsPort);
        });

        it("probes startup and liveness on /healthz and readiness on /readyz, by named port", () => {
            const c = staging.container;
            const expected: Record<string, string> = { startupProbe: "/healthz", livenessProbe: "/healthz", readinessProbe: "/readyz" };
            for (const [probe, path] of Object.entries(expected)) {
                assert.equal(c[probe].httpGet.path, path, probe);
                assert.equal(typeof c[probe].httpGet.port, "string", `${probe} uses a port number`);
                assert.ok(portNamed(c, c[probe].httpGet.port), `${probe} port ${c[probe].httpGet.port} is not a container port`);
            }
        });

        it("sleeps in preStop and allows the grace period to cover preStop plus the app's drain deadline", () => {
            const c = staging.container;
            assert.equal(c.lifecycle.preStop.exec, undefined, "exec needs a shell the image does not have");
            const sleep = c.lifecycle.preStop.sleep.seconds;
            assert.ok(Number.isInteger(sleep) && sleep >= 1);
            const timeout = Number(staging.configData.SHUTDOWN_TIMEOUT_SECONDS);
            assert.ok(staging.podSpec.terminationGracePeriodSeconds > sleep + timeout, `${staging.podSpec.terminationGracePeriodSeconds} <= ${sleep} + ${timeout}`);
        });

        it("before Kubernetes 1.30 has no preStop hook and lets the app delay its own shutdown within the grace period", async () => {
            const old = await sharedRender("kubernetes-1-29");
            assert.equal(old.container.lifecycle, undefined);
            const delay = Number(old.configData.SHUTDOWN_DELAY_SECONDS);
            const timeout = Number(old.configData.SHUTDOWN_TIMEOUT_SECONDS);
            assert.ok(delay >= 1 && delay < timeout, `delay ${delay}, timeout ${timeout}`);
            assert.ok(old.podSpec.terminationGracePeriodSeconds > timeout);
            assert.equal(old.one("Namespace").metadata.labels!["pod-security.kubernetes.io/enforce-version"], "v1.29");
            // From 1.30 the delay is only the keep-alive drain after preStop, shorter than the deadline.
            assert.ok(Number(staging.configData.SHUTDOWN_DELAY_SECONDS) >= 1 && Number(staging.configData.SHUTDOWN_DELAY_SECONDS) < Number(staging.configData.SHUTDOWN_TIMEOUT_SECONDS));
        });

        it("spreads pods over zones and nodes: zones soft in staging, hard in production", () => {
            const byKey = (r: Rendered) => Object.fromEntries(r.podSpec.topologySpreadConstraints.map((c: any) => [c.topologyKey, c]));
            const stagingSpread = byKey(staging);
            const productionSpread = byKey(production);
            assert.equal(stagingSpread["topology.kubernetes.io/zone"].whenUnsatisfiable, "ScheduleAnyway");
            assert.equal(productionSpread["topology.kubernetes.io/zone"].whenUnsatisfiable, "DoNotSchedule");
            for (const spread of [stagingSpread, productionSpread]) {
                assert.ok(spread["kubernetes.io/hostname"], "no node spread");
                for (const c of Object.values<any>(spread)) {
                    assert.ok(selects(c.labelSelector.matchLabels, staging.podLabels) || selects(c.labelSelector.matchLabels, production.podLabels));
                    assert.equal(c.maxSkew, 1);
                }
            }
        });
    });

    describe("Service", () => {
        it("is a ClusterIP Service selecting the pods, with http 80 -> http and metrics 9090 -> metrics", () => {
            const svc = staging.one("Service");
            assert.equal(svc.spec.type, "ClusterIP");
            assert.ok(selects(svc.spec.selector, staging.podLabels));
            const ports = Object.fromEntries(svc.spec.ports.map((p: any) => [p.name, p]));
            assert.deepEqual([ports.http.port, ports.http.targetPort], [80, HTTP_PORT_NAME]);
            assert.deepEqual([ports.metrics.port, ports.metrics.targetPort], [9090, METRICS_PORT_NAME]);
            for (const p of svc.spec.ports) assert.ok(portNamed(staging.container, p.targetPort), `targetPort ${p.targetPort} is not a container port`);
        });
    });

    describe("HorizontalPodAutoscaler", () => {
        it("targets the Deployment by apiVersion, kind and name", () => {
            for (const r of [staging, production]) {
                assert.deepEqual(r.one("HorizontalPodAutoscaler").spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: r.one("Deployment").metadata.name });
            }
        });

        it("scales between the configured bounds on CPU and memory utilization", () => {
            const spec = production.one("HorizontalPodAutoscaler").spec;
            assert.equal(spec.minReplicas, 3);
            assert.equal(spec.maxReplicas, 12);
            const targets = Object.fromEntries(spec.metrics.map((m: any) => [m.resource.name, m.resource.target]));
            assert.deepEqual(targets, { cpu: { type: "Utilization", averageUtilization: 65 }, memory: { type: "Utilization", averageUtilization: 75 } });
        });

        it("has scale-up and scale-down behaviour with stabilization windows and percent and pods policies", () => {
            const { scaleUp, scaleDown } = staging.one("HorizontalPodAutoscaler").spec.behavior;
            for (const rules of [scaleUp, scaleDown]) {
                assert.ok(Number.isInteger(rules.stabilizationWindowSeconds));
                assert.deepEqual(rules.policies.map((p: any) => p.type).sort(), ["Percent", "Pods"]);
                for (const p of rules.policies) assert.ok(p.value > 0 && p.periodSeconds > 0);
            }
            // Scaling down must be slower to react than scaling up.
            assert.ok(scaleDown.stabilizationWindowSeconds > scaleUp.stabilizationWindowSeconds);
        });

        it("is absent with a fixed replica count", () => {
            assert.equal(fixed.all("HorizontalPodAutoscaler").length, 0);
        });
    });

    describe("PodDisruptionBudget", () => {
        const allowedDisruptions = (spec: any, running: number) =>
            running - (spec.maxUnavailable !== undefined ? running - spec.maxUnavailable : spec.minAvailable);

        it("selects the pods and always allows one eviction, never more, at the minimum replica count", () => {
            const cases: Array<[Rendered, number]> = [[staging, 2], [production, 3], [fixed, 3]];
            for (const [r, minimum] of cases) {
                const pdb = r.one("PodDisruptionBudget");
                assert.ok(selects(pdb.spec.selector.matchLabels, r.podLabels));
                assert.equal(allowedDisruptions(pdb.spec, minimum), 1, `${r.component.name}: ${JSON.stringify(pdb.spec)}`);
            }
        });

        it("is absent for a single replica, where any budget would block drains or protect nothing", async () => {
            const single = await renderWorkload("wl-single-replica", fixedReplicas(1));
            assert.equal(single.all("PodDisruptionBudget").length, 0);
            assert.equal(single.workload.pdbName, undefined);
            assert.equal(single.one("Deployment").spec.replicas, 1);
        });
    });

    describe("NetworkPolicy", () => {
        it("denies all ingress and egress in the namespace by default", () => {
            const deny = denyPolicy(staging);
            assert.deepEqual(deny.spec.podSelector, {});
            assert.deepEqual([...deny.spec.policyTypes].sort(), ["Egress", "Ingress"]);
            assert.equal(deny.spec.ingress, undefined);
            assert.equal(deny.spec.egress, undefined);
        });

        it("lets the ingress controller reach http and Prometheus reach metrics, and nothing else in", () => {
            for (const [r, ingressNs, promNs] of [[staging, "ingress-nginx", "monitoring"], [production, "edge", "observability"]] as const) {
                const allow = allowPolicy(r);
                assert.ok(selects(allow.spec.podSelector.matchLabels, r.podLabels));
                const byPort = Object.fromEntries(allow.spec.ingress.map((rule: any) => [rule.ports.map((p: any) => p.port).join(","), rule]));
                assert.deepEqual(Object.keys(byPort).sort(), ["http", "metrics"]);
                assert.deepEqual(peerNamespaces(byPort.http), [ingressNs]);
                assert.deepEqual(peerNamespaces(byPort.metrics), [promNs]);
            }
        });

        it("allows egress only to kube-dns on UDP and TCP 53, plus the configured CIDRs and ports", () => {
            const [dns, ...rest] = allowPolicy(production).spec.egress;
            assert.deepEqual(dns.to, [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }]);
            assert.deepEqual(dns.ports.map((p: any) => `${p.protocol}/${p.port}`).sort(), ["TCP/53", "UDP/53"]);
            assert.deepEqual(rest.map((rule: any) => ({ cidr: rule.to[0].ipBlock.cidr, ports: rule.ports.map((p: any) => `${p.protocol}/${p.port}`) })), [
                { cidr: "10.20.0.0/16", ports: ["TCP/5432"] },
                { cidr: "10.30.1.0/24", ports: ["UDP/8125", "TCP/443"] },
            ]);
            for (const rule of allowPolicy(production).spec.egress) assert.ok(rule.to?.length > 0, "an egress rule without peers allows every destination");
            assert.equal(allowPolicy(staging).spec.egress.length, 1);
        });
    });

    describe("storage", () => {
        it("creates and mounts a ReadWriteMany claim when enabled, keeping rolling updates with several replicas valid", async () => {
            const r = fixed;
            const pvc = r.one("PersistentVolumeClaim");
            // ReadWriteOnce would leave a surge pod on another node unable to attach the volume.
            assert.deepEqual(pvc.spec.accessModes, ["ReadWriteMany"]);
            assert.equal(pvc.spec.resources.requests.storage, "5Gi");
            assert.equal(pvc.spec.storageClassName, "efs-sc");
            const volume = r.podSpec.volumes.find((v: any) => v.persistentVolumeClaim);
            assert.equal(volume.persistentVolumeClaim.claimName, pvc.metadata.name);
            assert.equal(r.container.volumeMounts.find((m: any) => m.name === volume.name).mountPath, "/data");
            assert.ok(r.one("Deployment").spec.replicas > 1);
            assert.equal(r.one("Deployment").spec.strategy.rollingUpdate.maxSurge, 1);
            assert.ok(r.podSpec.securityContext.fsGroup >= MIN_NON_ROOT_ID, "the volume would not be writable for the app's group");
            assert.deepEqual(restrictedViolations(r.podSpec, MIN_NON_ROOT_ID), []);
            assert.equal(await outputValue(r.workload.pvcName!), pvc.metadata.name);
        });

        it("creates no claim by default", () => {
            assert.equal(staging.all("PersistentVolumeClaim").length, 0);
            assert.ok(!staging.podSpec.volumes.some((v: any) => v.persistentVolumeClaim));
        });
    });

    it("keeps objects from different components apart (sanity check of the fixture)", () => {
        const names = (r: Rendered) => new Set(r.objects.map((o: KubeObject) => o.metadata.name));
        const overlap = [...names(staging)].filter((n) => names(production).has(n) && n !== undefined);
        assert.deepEqual(overlap, []);
        assert.ok(recorder.resources.length > staging.children.length + production.children.length);
    });
});

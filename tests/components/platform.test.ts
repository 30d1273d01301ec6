import { recorder, outputValue, allStrings } from "../harness";
import { strict as assert } from "assert";
import { itRefusesRegisteringNothing, type Refusal } from "../harness/refusals";
import { schemaErrorOf } from "../support/kubernetes-schema";
import { DEFAULT_CHART_VERSIONS, PLATFORM_TYPE, Platform, PlatformArgs } from "../../components/platform";
import { RESTRICTED_CONTAINER_BASELINE, RESTRICTED_POD_BASELINE } from "../../components/lib/pod-security";
import { Ingress } from "../../components/ingress";
import { MonitoringStack } from "../../components/monitoring";
import { ACME_STAGING } from "../../components/platform";
import { HELM_RELEASE as RELEASE, CLUSTER_ISSUER as ISSUER, NAMESPACE, SECRET, CONFIGMAP, SERVICE_MONITOR, INGRESS } from "../harness/type-tokens";


const WEBHOOK_URL = "https://hooks.example.net/platform/very-secret-token";
// Deliberately not the config defaults: proves the component passes versions through.
const VERSIONS = { ingressNginx: "4.12.4", certManager: "v1.18.2", kubePrometheusStack: "75.15.1" };

function args(overrides: Partial<PlatformArgs> = {}): PlatformArgs {
    return {
        environment: "production",
        kubernetesVersion: "1.34",
        installIngressNginx: false,
        installCertManager: false,
        installKubePrometheusStack: false,
        chartVersions: VERSIONS,
        clusterIssuer: { name: "letsencrypt-prod", acmeServer: "https://acme-v02.api.letsencrypt.org/directory", email: "ops@example.com" },
        ...overrides,
    };
}

const ALL_ON: Partial<PlatformArgs> = { installIngressNginx: true, installCertManager: true, installKubePrometheusStack: true };

async function render(name: string, a: PlatformArgs) {
    const p = new Platform(name, a);
    await Promise.all([p.ingressNginx, p.certManager, p.kubePrometheusStack].filter((r) => r !== undefined).map((r) => outputValue(r!.name)));
    if (p.clusterIssuer) await outputValue(p.clusterIssuer.metadata.name);
    await recorder.settled();
    return p;
}

const mine = (type: string, prefix: string) => recorder.ofType(type).filter((r) => r.name.startsWith(`${prefix}-`));
const releaseOf = (prefix: string, chart: string) => mine(RELEASE, prefix).find((r) => r.inputs.chart === chart)!;

describe("Platform", () => {
    before(async () => {
        await render("plat-all", args(ALL_ON));
    });

    it("installs nothing by default (every switch off)", async () => {
        const p = await render("plat-off", args());
        assert.equal(mine(RELEASE, "plat-off").length, 0);
        assert.equal(mine(NAMESPACE, "plat-off").length, 0);
        assert.equal(mine(ISSUER, "plat-off").length, 0, "no ClusterIssuer without cert-manager unless asked");
        assert.deepEqual(p.ingressDependencies, []);
        assert.deepEqual(p.monitoringDependencies, []);
    });

    it("installs the three charts with pinned versions from their official repositories, in their own namespaces", () => {
        const expected: Array<[string, string, string, string]> = [
            ["ingress-nginx", VERSIONS.ingressNginx, "https://kubernetes.github.io/ingress-nginx", "ingress-nginx"],
            ["cert-manager", VERSIONS.certManager, "https://charts.jetstack.io", "cert-manager"],
            ["kube-prometheus-stack", VERSIONS.kubePrometheusStack, "https://prometheus-community.github.io/helm-charts", "monitoring"],
        ];
        assert.equal(mine(RELEASE, "plat-all").length, 3);
        for (const [chart, version, repo, ns] of expected) {
            const r = releaseOf("plat-all", chart).inputs;
            assert.equal(r.version, version, chart);
            assert.match(r.version, /^v?\d+\.\d+\.\d+$/);
            assert.equal(r.repositoryOpts.repo, repo);
            assert.equal(r.namespace, ns);
            assert.equal(r.atomic, true);
        }
        // The release name is what kube-prometheus-stack's selectors use: it must be exactly the configured one.
        assert.equal(releaseOf("plat-all", "kube-prometheus-stack").inputs.name, "kube-prometheus-stack");
        const nsLevels = Object.fromEntries(mine(NAMESPACE, "plat-all").map((n) => [n.inputs.metadata.name, n.inputs.metadata.labels["pod-security.kubernetes.io/enforce"]]));
        assert.deepEqual(nsLevels, { "ingress-nginx": "baseline", "cert-manager": "restricted", monitoring: "privileged" });
    });

    it("configures ingress-nginx: HSTS in the controller, every Ingress header allow-listed, snippets off", async () => {
        await render("plat-nginx", args({ installIngressNginx: true, hsts: { maxAgeSeconds: 63072000, includeSubdomains: true, preload: true } }));
        const values = releaseOf("plat-nginx", "ingress-nginx").inputs.values.controller;
        assert.equal(values.config.hsts, "true");
        assert.equal(values.config["hsts-max-age"], "63072000");
        assert.equal(values.config["hsts-include-subdomains"], "true");
        assert.equal(values.config["hsts-preload"], "true");
        assert.equal(values.allowSnippetAnnotations, false);
        assert.equal(values.config["allow-snippet-annotations"], "false");
        // Whatever the Ingress puts in its custom-headers ConfigMap must be allowed, else the controller answers 503.
        await outputValue(new Ingress("plat-nginx-ing", {
            identity: { name: "websvc", instance: "websvc-production", environment: "production" },
            namespace: "websvc-production", serviceName: "svc", host: "app.example.com", clusterIssuer: "letsencrypt-prod",
        }).routeName);
        await recorder.settled();
        const headers = Object.keys(recorder.one(CONFIGMAP, "plat-nginx-ing").inputs.data);
        const allowed = values.config["global-allowed-response-headers"].split(",");
        for (const h of [...headers, "Strict-Transport-Security"]) assert.ok(allowed.includes(h), `${h} allowed`);
        assert.equal(values.replicaCount, 2, "production runs two controllers");
        assert.equal(values.metrics.serviceMonitor.enabled, false, "no ServiceMonitor without the Prometheus operator");
        assert.ok(values.resources.requests.cpu && values.resources.requests.memory && values.resources.limits.memory);
        assert.equal(values.image.allowPrivilegeEscalation, false);
        assert.equal(values.podSecurityContext.runAsNonRoot, true);
    });

    it("creates the ACME HTTP-01 ClusterIssuer after cert-manager, valid against the cert-manager schema", async () => {
        const p = await render("plat-cm", args({ installCertManager: true, clusterIssuer: { name: "letsencrypt-staging", acmeServer: ACME_STAGING, email: "ops@example.com" } }));
        const issuer = recorder.one(ISSUER, "plat-cm");
        const spec = issuer.inputs.spec.acme;
        assert.equal(issuer.inputs.metadata.name, "letsencrypt-staging", "the annotation contract: a fixed name");
        assert.equal(spec.server, ACME_STAGING);
        assert.equal(spec.email, "ops@example.com");
        assert.ok(spec.privateKeySecretRef.name.length > 0);
        assert.deepEqual(spec.solvers, [{ http01: { ingress: { ingressClassName: "nginx" } } }]);
        const certManager = releaseOf("plat-cm", "cert-manager");
        assert.ok(issuer.dependencies.includes(certManager.urn), "ClusterIssuer dependsOn the cert-manager release");
        assert.equal(certManager.inputs.values.crds.enabled, true);
        assert.deepEqual(p.ingressDependencies.length, 2);
        const obj = recorder.kubernetesObjects().find((o) => o.resource === issuer)!.object;
        assert.equal(await schemaErrorOf(obj), undefined);
        assert.notEqual(await schemaErrorOf({ ...obj, spec: { acme: { ...obj.spec.acme, server: undefined } } }), undefined, "the validator can fail");
    });

    it("supports a Gateway API HTTP-01 solver (and enables cert-manager's Gateway API support)", async () => {
        await render("plat-gw", args({
            installCertManager: true,
            clusterIssuer: { name: "le-gw", acmeServer: ACME_STAGING, email: "ops@example.com", solver: { gateway: { name: "public", namespace: "gateway-system", sectionName: "http" } } },
        }));
        const issuer = recorder.one(ISSUER, "plat-gw");
        assert.deepEqual(issuer.inputs.spec.acme.solvers[0].http01.gatewayHTTPRoute.parentRefs, [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "public", namespace: "gateway-system", sectionName: "http" }]);
        assert.equal(releaseOf("plat-gw", "cert-manager").inputs.values.config.enableGatewayAPI, true);
        assert.equal(await schemaErrorOf(recorder.kubernetesObjects().find((o) => o.resource === issuer)!.object), undefined);
    });

    it("creates the ClusterIssuer for an existing cert-manager only when asked, without a dependency", async () => {
        await render("plat-issuer-only", args({ createClusterIssuer: true }));
        const issuer = recorder.one(ISSUER, "plat-issuer-only");
        assert.equal(mine(RELEASE, "plat-issuer-only").length, 0);
        assert.deepEqual(issuer.dependencies.filter((d) => d.includes("helm.sh")), []);
    });

    it("orders installs: ServiceMonitor-creating charts wait for kube-prometheus-stack's CRDs", () => {
        const kps = releaseOf("plat-all", "kube-prometheus-stack");
        for (const chart of ["ingress-nginx", "cert-manager"]) {
            const r = releaseOf("plat-all", chart);
            assert.ok(r.dependencies.includes(kps.urn), `${chart} after kube-prometheus-stack`);
        }
        assert.deepEqual(releaseOf("plat-all", "ingress-nginx").inputs.values.controller.metrics.serviceMonitor, { enabled: true, additionalLabels: { release: "kube-prometheus-stack" } });
        assert.deepEqual(releaseOf("plat-all", "cert-manager").inputs.values.prometheus.servicemonitor.labels, { release: "kube-prometheus-stack" });
    });

    it("configures kube-prometheus-stack: AlertmanagerConfig selection by release, dashboards from all namespaces, Grafana password from a Secret", async () => {
        const p = await render("plat-kps", args({ installKubePrometheusStack: true, prometheusRelease: "prom-main", environment: "staging" }));
        const r = releaseOf("plat-kps", "kube-prometheus-stack");
        assert.equal(r.inputs.name, "prom-main");
        const v = r.inputs.values;
        assert.deepEqual(v.alertmanager.alertmanagerSpec.alertmanagerConfigSelector, { matchLabels: { release: "prom-main" } });
        assert.equal(v.grafana.sidecar.dashboards.searchNamespace, "ALL");
        assert.equal(v.grafana.sidecar.dashboards.label, "grafana_dashboard");
        assert.equal(v.grafana.adminPassword, undefined, "no password in Helm values");
        const secret = recorder.one(SECRET, "plat-kps");
        assert.equal(v.grafana.admin.existingSecret, secret.state.metadata.name);
        assert.equal(secret.inputs.metadata.namespace, "monitoring");
        assert.ok(secret.secretPaths.some((s) => s.startsWith("stringData")), `secret paths ${secret.secretPaths}`);
        const password = secret.inputs.stringData[v.grafana.admin.passwordKey];
        assert.ok(password.length >= 32);
        assert.ok(!allStrings(r.inputs).includes(password), "the password never reaches the release");
        assert.equal(await outputValue(p.grafanaAdminSecretName!), secret.state.metadata.name);
        assert.equal(v.prometheus.prometheusSpec.replicas, 1, "staging runs one Prometheus");
        for (const path of ["prometheus.prometheusSpec", "alertmanager.alertmanagerSpec", "grafana", "prometheusOperator", "kube-state-metrics", "prometheus-node-exporter"]) {
            const node = path.split(".").reduce((o: any, k) => o[k], v);
            assert.ok(node.resources?.requests?.memory && node.resources?.limits?.memory, `${path} has resources`);
        }
    });

    it("feeds dependencies to Ingress and MonitoringStack; the alert webhook URL never reaches Helm values", async () => {
        const p = await render("plat-wire", args(ALL_ON));
        const ing = new Ingress("plat-wire-ing", {
            identity: { name: "websvc", instance: "websvc-production", environment: "production" },
            namespace: "websvc-production", serviceName: "svc", host: "app.example.com", clusterIssuer: "letsencrypt-prod",
            operatorDependencies: p.ingressDependencies,
        });
        const mon = new MonitoringStack("plat-wire-mon", {
            identity: { name: "websvc", instance: "websvc-production", environment: "production" },
            namespace: "websvc-production", serviceName: "svc", deploymentName: "deploy", prometheusRelease: p.prometheusRelease,
            slo: { availabilityObjective: 99.9, latencyObjective: 99, latencyThresholdSeconds: 0.25 }, team: "web", pageSeverity: "critical", ticketSeverity: "warning",
            alerting: { receiver: "webhook", webhookUrl: WEBHOOK_URL }, operatorDependencies: p.monitoringDependencies,
        });
        await outputValue(ing.routeName);
        await outputValue(mon.serviceMonitorName);
        await recorder.settled();
        const urn = (chart: string) => releaseOf("plat-wire", chart).urn;
        const ingressDeps = recorder.one(INGRESS, "plat-wire-ing").dependencies;
        for (const chart of ["ingress-nginx", "cert-manager"]) assert.ok(ingressDeps.includes(urn(chart)), `Ingress waits for ${chart}`);
        assert.ok(ingressDeps.includes(recorder.one(ISSUER, "plat-wire").urn), "Ingress waits for the ClusterIssuer");
        assert.ok(recorder.one(SERVICE_MONITOR, "plat-wire-mon").dependencies.includes(urn("kube-prometheus-stack")));
        for (const r of mine(RELEASE, "plat-wire")) assert.ok(!allStrings(r.inputs).some((s) => s.includes("very-secret-token")), r.name);
    });

    it("refuses floating chart versions", () => {
        assert.throws(() => new Platform("plat-float", args({ chartVersions: { ...VERSIONS, kubePrometheusStack: "79.x" } })), /chartVersions\.kubePrometheusStack must be an exact chart version/);
        assert.throws(() => new Platform("plat-float2", args({ chartVersions: { ...VERSIONS, ingressNginx: "latest" } })), /exact chart version/);
    });

    it("pins its own default chart versions, per chart, when none (or only some) are given", async () => {
        await render("plat-defaults", args({ ...ALL_ON, chartVersions: { certManager: VERSIONS.certManager } }));
        assert.equal(releaseOf("plat-defaults", "ingress-nginx").inputs.version, DEFAULT_CHART_VERSIONS.ingressNginx);
        assert.equal(releaseOf("plat-defaults", "cert-manager").inputs.version, VERSIONS.certManager);
        assert.equal(releaseOf("plat-defaults", "kube-prometheus-stack").inputs.version, DEFAULT_CHART_VERSIONS.kubePrometheusStack);
        for (const version of Object.values(DEFAULT_CHART_VERSIONS)) assert.match(version, /^v?\d+\.\d+\.\d+$/);
    });

    it("labels its objects with the recommended labels (part-of platform, one component per chart) and the restricted baseline", () => {
        const ns = mine(NAMESPACE, "plat-all").find((n) => n.inputs.metadata.name === "cert-manager")!.inputs.metadata.labels;
        assert.equal(ns["app.kubernetes.io/name"], "cert-manager");
        assert.equal(ns["app.kubernetes.io/instance"], "plat-all");
        assert.equal(ns["app.kubernetes.io/part-of"], "platform");
        assert.equal(ns["app.kubernetes.io/managed-by"], "pulumi");
        assert.equal(ns.environment, "production");
        const values = releaseOf("plat-all", "cert-manager").inputs.values;
        assert.deepEqual(values.securityContext, RESTRICTED_POD_BASELINE);
        assert.deepEqual(values.containerSecurityContext, RESTRICTED_CONTAINER_BASELINE);
        assert.deepEqual(values.containerSecurityContext.capabilities.drop, ["ALL"]);
        assert.equal(values.containerSecurityContext.allowPrivilegeEscalation, false);
    });

    describe("refused arguments register nothing", () => {
        const refusals: Array<Refusal<Partial<PlatformArgs>>> = [
            ["a floating chart version", { chartVersions: { ...VERSIONS, certManager: "v1.x" } }, /chartVersions\.certManager must be an exact chart version/],
            ["an unsupported Kubernetes version", { kubernetesVersion: "1.19" }, /kubernetesVersion must be a Kubernetes minor version from 1\.25/],
            ["an ingress-nginx chart without custom-headers", { installIngressNginx: true, chartVersions: { ...VERSIONS, ingressNginx: "4.10.6" } }, /custom-headers/],
            ["HSTS preload for a day", { installIngressNginx: true, hsts: { maxAgeSeconds: 86400, preload: true } }, /hsts\.preload requires includeSubdomains/],
            ["zero controller replicas", { ingressReplicas: 0 }, /ingressReplicas must be an integer >= 1/],
        ];
        itRefusesRegisteringNothing("Platform", "plat-refused", refusals, (name, overrides) => new Platform(name, args(overrides)));
        it("registers under its exported type token when the args are valid", async () => {
            await render("plat-token", args());
            assert.equal(recorder.one(PLATFORM_TYPE, "plat-token").name, "plat-token");
        });
    });

    it("refuses an ingress-nginx chart older than the custom-headers annotation (controller v1.11.0, chart 4.11.0)", () => {
        assert.throws(() => new Platform("plat-old-nginx", args({ installIngressNginx: true, chartVersions: { ...VERSIONS, ingressNginx: "4.10.6" } })), /custom-headers/);
        assert.doesNotThrow(() => new Platform("plat-min-nginx", args({ installIngressNginx: true, chartVersions: { ...VERSIONS, ingressNginx: "4.11.0" } })));
        assert.doesNotThrow(() => new Platform("plat-old-nginx-off", args({ installIngressNginx: false, chartVersions: { ...VERSIONS, ingressNginx: "4.10.6" } })), "not installed here, not checked");
    });
});

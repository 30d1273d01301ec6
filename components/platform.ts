// Optional cluster platform this app relies on: ingress-nginx, cert-manager (+ the ACME
// ClusterIssuer) and kube-prometheus-stack. Off by default: most clusters already run them, and a
// platform is shared by many apps, so installing it from an app's stack is an explicit choice.
//
// helm.v3.Release, not helm.v4.Chart, on purpose:
//   - Release installs through Helm itself: chart hooks run (cert-manager's startupapicheck,
//     ingress-nginx's admission-webhook certificate job, kube-prometheus-stack's CRD handling),
//     upgrades are atomic with rollback, and operators can still use `helm list/history/rollback`.
//   - v4.Chart renders the chart during preview, so the chart must be fetchable at preview time (not
//     the case in CI sandboxes without Helm repositories) and the three charts' ~hundreds of objects
//     (kube-prometheus-stack's CRDs alone are megabytes) land in the Pulumi state.
//   - The cost: CrossGuard never sees the charts' objects (only the Release). We compensate by
//     hardening the values here (non-root, seccomp RuntimeDefault, no privilege escalation,
//     resources, snippets off) and by Pod Security Admission labels on the namespaces we create.
// Secrets never go through Helm values (they are stored in the release Secret in plain base64):
// Grafana's admin password is a Kubernetes Secret referenced by `admin.existingSecret`, and alert
// receiver URLs live in a Secret referenced by an AlertmanagerConfig (see MonitoringStack).
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import type { Environment } from "./lib/environment";
import { kubernetesVersionProblems } from "./lib/kubernetes-version";
import { recommendedLabels } from "./lib/labels";
import { PodSecurityLevel, RESTRICTED_CONTAINER_BASELINE, RESTRICTED_POD_BASELINE, podSecurityLabels } from "./lib/pod-security";
import { refuseInvalidArgs, under, type ArgProblem } from "./lib/problems";
import { DEFAULT_HSTS_MAX_AGE_SECONDS, SECURITY_HEADER_NAMES, hstsProblems, hstsValue, type HstsOptions } from "./lib/security-headers";
import type { GatewayParentRef } from "./ingress";

export const PLATFORM_TYPE = "websvc:platform:Platform";

/** Pinned chart versions, bumped deliberately, never floating. */
export const DEFAULT_CHART_VERSIONS = {
    ingressNginx: "4.13.3",
    certManager: "v1.19.1",
    kubePrometheusStack: "79.1.0",
} as const;

// Let's Encrypt ACME directories; production must never issue from the staging CA.
export const ACME_PRODUCTION = "https://acme-v02.api.letsencrypt.org/directory";
export const ACME_STAGING = "https://acme-staging-v02.api.letsencrypt.org/directory";

export const CHART_REPOSITORIES = {
    ingressNginx: "https://kubernetes.github.io/ingress-nginx",
    certManager: "https://charts.jetstack.io",
    kubePrometheusStack: "https://prometheus-community.github.io/helm-charts",
} as const;

export const CHART_NAMES = {
    ingressNginx: "ingress-nginx",
    certManager: "cert-manager",
    kubePrometheusStack: "kube-prometheus-stack",
} as const;

/** Namespaces are API contracts: NetworkPolicies and the ACME account Secret refer to them. */
export const DEFAULT_PLATFORM_NAMESPACES = {
    ingressNginx: "ingress-nginx",
    certManager: "cert-manager",
    monitoring: "monitoring",
} as const;

/**
 * PSA level per platform namespace. cert-manager's chart runs restricted-compliant pods;
 * ingress-nginx adds NET_BIND_SERVICE and its webhook job is not restricted-clean across versions;
 * node-exporter needs the host network, PID namespace and hostPath mounts.
 */
export const PLATFORM_POD_SECURITY: Record<keyof typeof DEFAULT_PLATFORM_NAMESPACES, PodSecurityLevel> = {
    ingressNginx: "baseline",
    certManager: "restricted",
    monitoring: "privileged",
};

/** First chart (controller v1.11.0) with the `custom-headers` annotation the Ingress relies on. */
export const MIN_INGRESS_NGINX_CHART_VERSION = "4.11.0";

/** app.kubernetes.io/component of each chart's objects (part-of is "platform"). */
export const PLATFORM_COMPONENTS = {
    ingressNginx: "ingress-controller",
    certManager: "certificates",
    kubePrometheusStack: "monitoring",
} as const;
const PART_OF = "platform";

export const DEFAULT_PROMETHEUS_RELEASE = "kube-prometheus-stack";
export const HELM_TIMEOUT_SECONDS = 900;
export const GRAFANA_ADMIN_USER = "admin";

export interface ChartVersions {
    ingressNginx: string;
    certManager: string;
    kubePrometheusStack: string;
}

export type AcmeHttp01Solver = { ingressClassName: string } | { gateway: GatewayParentRef };

export interface ClusterIssuerArgs {
    /** API contract: Ingresses name it in `cert-manager.io/cluster-issuer`. */
    name: string;
    acmeServer: string;
    email: string;
    /** Default: ingress-nginx's class. */
    solver?: AcmeHttp01Solver;
}

export interface PlatformArgs {
    environment: Environment;
    /** Cluster minor version ("1.34"), pins the Pod Security Admission labels. */
    kubernetesVersion: string;
    installIngressNginx: boolean;
    installCertManager: boolean;
    installKubePrometheusStack: boolean;
    /** Default DEFAULT_CHART_VERSIONS, per chart. */
    chartVersions?: Partial<ChartVersions>;
    chartRepositories?: Partial<Record<keyof ChartVersions, string>>;
    namespaces?: Partial<Record<keyof typeof DEFAULT_PLATFORM_NAMESPACES, string>>;
    /** Created when given and cert-manager is installed here, or when `createClusterIssuer` is true. */
    clusterIssuer?: ClusterIssuerArgs;
    createClusterIssuer?: boolean;
    ingressClassName?: string;
    /** Controller-level HSTS (ingress-nginx sets the header itself on TLS hosts). */
    hsts?: { maxAgeSeconds?: number; includeSubdomains?: boolean; preload?: boolean };
    /** kube-prometheus-stack release name: its Prometheus selects ServiceMonitors/rules by `release: <name>`. */
    prometheusRelease?: string;
    /** Controller replicas; default 2 in production, 1 elsewhere. Rate limits apply per replica. */
    ingressReplicas?: number;
}

const EXACT_VERSION = /^v?\d+\.\d+\.\d+$/;

/** Compares exact versions ("v1.2.3" or "1.2.3"): negative, zero or positive. */
export function compareVersions(a: string, b: string): number {
    const parts = (v: string) => v.replace(/^v/, "").split(".").map(Number);
    const [pa, pb] = [parts(a), parts(b)];
    for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
    return 0;
}
const production = (environment: string) => environment === "production";

/** The chart versions with defaults applied. */
export function chartVersionsOf(versions: Partial<ChartVersions> = {}): ChartVersions {
    const set = Object.fromEntries(Object.entries(versions).filter(([, v]) => v !== undefined));
    return { ...DEFAULT_CHART_VERSIONS, ...set };
}

function hstsOf(args: PlatformArgs): HstsOptions {
    return {
        maxAgeSeconds: args.hsts?.maxAgeSeconds ?? DEFAULT_HSTS_MAX_AGE_SECONDS,
        includeSubdomains: args.hsts?.includeSubdomains ?? true,
        preload: args.hsts?.preload ?? false,
    };
}

/** Every rule Platform's args must meet, as problems with paths into the args. */
export function platformArgsProblems(args: PlatformArgs): ArgProblem[] {
    const problems = kubernetesVersionProblems(args.kubernetesVersion);
    const versions = chartVersionsOf(args.chartVersions);
    for (const [chart, version] of Object.entries(versions)) {
        if (typeof version !== "string" || !EXACT_VERSION.test(version)) {
            problems.push({ path: `chartVersions.${chart}`, message: `must be an exact chart version such as 4.13.3, got ${JSON.stringify(version)}` });
        }
    }
    if (problems.length === 0 && args.installIngressNginx && compareVersions(versions.ingressNginx, MIN_INGRESS_NGINX_CHART_VERSION) < 0) {
        problems.push({
            path: "chartVersions.ingressNginx",
            message: `(${versions.ingressNginx}) predates the custom-headers annotation the Ingress uses for security headers; use >= ${MIN_INGRESS_NGINX_CHART_VERSION}`,
        });
    }
    if (args.installIngressNginx) problems.push(...under("hsts", hstsProblems(hstsOf(args))));
    if (args.ingressReplicas !== undefined && !(Number.isInteger(args.ingressReplicas) && args.ingressReplicas >= 1)) {
        problems.push({ path: "ingressReplicas", message: `must be an integer >= 1, got ${args.ingressReplicas}` });
    }
    return problems;
}
const resources = (cpu: string, memory: string, memoryLimit: string) => ({ requests: { cpu, memory }, limits: { memory: memoryLimit } });

/** ingress-nginx values: HSTS and the header allow-list here, snippets off, hardened pods. */
export function ingressNginxValues(o: {
    environment: string; className: string; replicas: number; hsts: { maxAgeSeconds: number; includeSubdomains: boolean; preload: boolean };
    serviceMonitorRelease?: string;
}) {
    hstsValue(o.hsts); // validates the combination (preload needs includeSubdomains and >= 1 year)
    return {
        controller: {
            replicaCount: o.replicas,
            minAvailable: 1,
            ingressClass: o.className,
            ingressClassResource: { name: o.className, enabled: true, default: false },
            allowSnippetAnnotations: false,
            config: {
                "allow-snippet-annotations": "false",
                // Every header name the Ingress's custom-headers ConfigMap may set; others are refused with 503.
                "global-allowed-response-headers": SECURITY_HEADER_NAMES.join(","),
                hsts: "true",
                "hsts-max-age": String(o.hsts.maxAgeSeconds),
                "hsts-include-subdomains": String(o.hsts.includeSubdomains),
                "hsts-preload": String(o.hsts.preload),
                "ssl-redirect": "true",
                "server-tokens": "false",
                "ssl-protocols": "TLSv1.2 TLSv1.3",
                "hide-headers": "X-Powered-By",
            },
            image: { runAsNonRoot: true, allowPrivilegeEscalation: false, seccompProfile: { type: "RuntimeDefault" } },
            podSecurityContext: RESTRICTED_POD_BASELINE,
            resources: resources("100m", "128Mi", "512Mi"),
            metrics: {
                enabled: true,
                serviceMonitor: o.serviceMonitorRelease !== undefined
                    ? { enabled: true, additionalLabels: { release: o.serviceMonitorRelease } }
                    : { enabled: false },
            },
            admissionWebhooks: { enabled: true },
        },
    };
}

export function certManagerValues(o: { environment: string; gatewayApi: boolean; serviceMonitorRelease?: string }) {
    const replicas = production(o.environment) ? 2 : 1;
    return {
        crds: { enabled: true, keep: true },
        replicaCount: replicas,
        podDisruptionBudget: { enabled: replicas > 1 },
        securityContext: RESTRICTED_POD_BASELINE,
        containerSecurityContext: RESTRICTED_CONTAINER_BASELINE,
        resources: resources("50m", "128Mi", "256Mi"),
        webhook: { replicaCount: replicas, securityContext: RESTRICTED_POD_BASELINE, containerSecurityContext: RESTRICTED_CONTAINER_BASELINE, resources: resources("25m", "64Mi", "128Mi") },
        cainjector: { securityContext: RESTRICTED_POD_BASELINE, containerSecurityContext: RESTRICTED_CONTAINER_BASELINE, resources: resources("25m", "128Mi", "256Mi") },
        startupapicheck: { securityContext: RESTRICTED_POD_BASELINE, containerSecurityContext: RESTRICTED_CONTAINER_BASELINE, resources: resources("10m", "32Mi", "64Mi") },
        ...(o.gatewayApi ? { config: { apiVersion: "controller.config.cert-manager.io/v1alpha1", kind: "ControllerConfiguration", enableGatewayAPI: true } } : {}),
        prometheus: o.serviceMonitorRelease !== undefined
            ? { enabled: true, servicemonitor: { enabled: true, labels: { release: o.serviceMonitorRelease } } }
            : { enabled: true, servicemonitor: { enabled: false } },
    };
}

export function kubePrometheusStackValues(o: { environment: string; release: string; grafanaAdminSecret: pulumi.Input<string> }) {
    const prod = production(o.environment);
    return {
        crds: { enabled: true },
        prometheus: {
            prometheusSpec: {
                replicas: prod ? 2 : 1,
                retention: prod ? "15d" : "7d",
                resources: resources("200m", "1Gi", "4Gi"),
                // Select by the release label (the default, made explicit so the contract is visible).
                serviceMonitorSelectorNilUsesHelmValues: true,
                ruleSelectorNilUsesHelmValues: true,
                podMonitorSelectorNilUsesHelmValues: true,
            },
        },
        alertmanager: {
            alertmanagerSpec: {
                replicas: prod ? 2 : 1,
                resources: resources("25m", "64Mi", "256Mi"),
                // App teams route their own alerts with AlertmanagerConfig objects carrying the release label;
                // the operator scopes each to alerts from its own namespace (OnNamespace).
                alertmanagerConfigSelector: { matchLabels: { release: o.release } },
                alertmanagerConfigNamespaceSelector: {},
                alertmanagerConfigMatcherStrategy: { type: "OnNamespace" },
            },
        },
        grafana: {
            // The password is read from a Secret; adminPassword must not be set in values.
            admin: { existingSecret: o.grafanaAdminSecret, userKey: "admin-user", passwordKey: "admin-password" },
            resources: resources("50m", "256Mi", "512Mi"),
            sidecar: { dashboards: { enabled: true, label: "grafana_dashboard", labelValue: "1", searchNamespace: "ALL" } },
            defaultDashboardsTimezone: "utc",
        },
        prometheusOperator: { resources: resources("50m", "128Mi", "256Mi") },
        "kube-state-metrics": { resources: resources("25m", "64Mi", "256Mi") },
        "prometheus-node-exporter": { resources: resources("25m", "32Mi", "128Mi") },
    };
}

export function clusterIssuerSpec(issuer: ClusterIssuerArgs, defaultIngressClass: string) {
    const solver = issuer.solver ?? { ingressClassName: defaultIngressClass };
    const http01 = "gateway" in solver
        ? {
            gatewayHTTPRoute: {
                parentRefs: [{
                    group: "gateway.networking.k8s.io", kind: "Gateway", name: solver.gateway.name, namespace: solver.gateway.namespace,
                    ...(solver.gateway.sectionName !== undefined ? { sectionName: solver.gateway.sectionName } : {}),
                }],
            },
        }
        : { ingress: { ingressClassName: solver.ingressClassName } };
    return {
        acme: {
            server: issuer.acmeServer,
            email: issuer.email,
            // The ACME account key, created by cert-manager in its own namespace.
            privateKeySecretRef: { name: `${issuer.name}-account-key` },
            solvers: [{ http01 }],
        },
    };
}

export class Platform extends pulumi.ComponentResource {
    readonly ingressNginx?: k8s.helm.v3.Release;
    readonly certManager?: k8s.helm.v3.Release;
    readonly kubePrometheusStack?: k8s.helm.v3.Release;
    readonly clusterIssuer?: k8s.apiextensions.CustomResource;
    /** Pass to Ingress `operatorDependencies`: the controller (admission webhook), cert-manager, the issuer. */
    readonly ingressDependencies: pulumi.Resource[];
    /** Pass to MonitoringStack `operatorDependencies`: the prometheus-operator and its CRDs. */
    readonly monitoringDependencies: pulumi.Resource[];
    readonly prometheusRelease: string;
    readonly grafanaAdminSecretName?: pulumi.Output<string>;

    constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate before registering, so bad args leave nothing behind.
        refuseInvalidArgs("Platform", name, platformArgsProblems(args));
        super(PLATFORM_TYPE, name, {}, opts);

        const chartVersions = chartVersionsOf(args.chartVersions);
        const namespaces = { ...DEFAULT_PLATFORM_NAMESPACES, ...args.namespaces };
        const repos = { ...CHART_REPOSITORIES, ...args.chartRepositories };
        const className = args.ingressClassName ?? "nginx";
        this.prometheusRelease = args.prometheusRelease ?? DEFAULT_PROMETHEUS_RELEASE;
        const labels = (chart: keyof ChartVersions) =>
            recommendedLabels({ name: CHART_NAMES[chart], instance: name, partOf: PART_OF, environment: args.environment }, PLATFORM_COMPONENTS[chart]);

        const namespace = (key: keyof typeof DEFAULT_PLATFORM_NAMESPACES, chart: keyof ChartVersions) => new k8s.core.v1.Namespace(`${name}-${key}-ns`, {
            metadata: { name: namespaces[key], labels: { ...labels(chart), ...podSecurityLabels(PLATFORM_POD_SECURITY[key], args.kubernetesVersion) } },
        }, { parent: this });
        const release = (key: keyof ChartVersions, ns: k8s.core.v1.Namespace, values: pulumi.Inputs, dependsOn: pulumi.Resource[]) =>
            new k8s.helm.v3.Release(`${name}-${CHART_NAMES[key]}`, {
                // Fixed release names: kube-prometheus-stack's selectors and the controllers' object names derive from them.
                name: key === "kubePrometheusStack" ? this.prometheusRelease : CHART_NAMES[key],
                chart: CHART_NAMES[key],
                version: chartVersions[key],
                repositoryOpts: { repo: repos[key] },
                namespace: ns.metadata.name,
                createNamespace: false,
                atomic: true,
                cleanupOnFail: true,
                timeout: HELM_TIMEOUT_SECONDS,
                values,
            }, { parent: this, dependsOn });

        // kube-prometheus-stack first: the other charts' ServiceMonitors need its CRDs.
        if (args.installKubePrometheusStack) {
            const ns = namespace("monitoring", "kubePrometheusStack");
            const password = new random.RandomPassword(`${name}-grafana-admin-password`, { length: 32, special: false }, { parent: this });
            const adminSecret = new k8s.core.v1.Secret(`${name}-grafana-admin`, {
                metadata: { namespace: ns.metadata.name, labels: labels("kubePrometheusStack") },
                type: "Opaque",
                stringData: { "admin-user": GRAFANA_ADMIN_USER, "admin-password": password.result },
            }, { parent: this });
            this.grafanaAdminSecretName = adminSecret.metadata.name;
            this.kubePrometheusStack = release("kubePrometheusStack", ns,
                kubePrometheusStackValues({ environment: args.environment, release: this.prometheusRelease, grafanaAdminSecret: adminSecret.metadata.name }), []);
        }
        const monitorsWith = this.kubePrometheusStack ? [this.kubePrometheusStack] : [];
        const serviceMonitorRelease = this.kubePrometheusStack ? this.prometheusRelease : undefined;

        if (args.installIngressNginx) {
            this.ingressNginx = release("ingressNginx", namespace("ingressNginx", "ingressNginx"), ingressNginxValues({
                environment: args.environment,
                className,
                replicas: args.ingressReplicas ?? (production(args.environment) ? 2 : 1),
                hsts: hstsOf(args),
                serviceMonitorRelease,
            }), monitorsWith);
        }
        if (args.installCertManager) {
            const gatewayApi = args.clusterIssuer?.solver !== undefined && "gateway" in args.clusterIssuer.solver;
            this.certManager = release("certManager", namespace("certManager", "certManager"), certManagerValues({ environment: args.environment, gatewayApi, serviceMonitorRelease }), monitorsWith);
        }
        if (args.clusterIssuer !== undefined && (args.createClusterIssuer ?? args.installCertManager)) {
            this.clusterIssuer = new k8s.apiextensions.CustomResource(`${name}-cluster-issuer`, {
                apiVersion: "cert-manager.io/v1",
                kind: "ClusterIssuer",
                metadata: { name: args.clusterIssuer.name, labels: labels("certManager") },
                spec: clusterIssuerSpec(args.clusterIssuer, className),
            }, { parent: this, dependsOn: this.certManager ? [this.certManager] : [] });
        }

        this.ingressDependencies = [this.ingressNginx, this.certManager, this.clusterIssuer].filter((r): r is NonNullable<typeof r> => r !== undefined);
        this.monitoringDependencies = monitorsWith;
        this.registerOutputs({
            prometheusRelease: this.prometheusRelease,
            ingressNginxStatus: this.ingressNginx?.status,
            certManagerStatus: this.certManager?.status,
            kubePrometheusStackStatus: this.kubePrometheusStack?.status,
            clusterIssuerName: this.clusterIssuer?.metadata.name,
            grafanaAdminSecretName: this.grafanaAdminSecretName,
        });
    }
}

// Public entry point of the app: an ingress-nginx Ingress (default) or a Gateway API HTTPRoute.
//
// nginx mode
//   - TLS: cert-manager's ingress-shim issues the certificate named by `spec.tls[].secretName` from
//     the ClusterIssuer in the `cert-manager.io/cluster-issuer` annotation.
//   - Security headers: a ConfigMap referenced by `nginx.ingress.kubernetes.io/custom-headers` as
//     `namespace/name` (controller >= v1.11.0 / chart >= 4.11.0: kubernetes/ingress-nginx#9742, and
//     #12317 for the namespace prefix), never a `configuration-snippet` (critical risk, snippets
//     disabled by default). The controller answers 503 for the whole Ingress unless every header
//     name is listed in its ConfigMap key
//     `global-allowed-response-headers` (see SECURITY_HEADER_NAMES; Platform sets it when it installs
//     the controller, otherwise the cluster operator must). The ConfigMap is auto-named: a header
//     change replaces it, the annotation changes, and the controller reloads (it does not watch the
//     ConfigMap's contents).
//   - HSTS comes from the controller's `hsts*` settings (one source, no duplicate header). Without
//     the platform install the controller's own settings apply (upstream default: one year,
//     includeSubDomains, no preload), so hstsMaxAgeSeconds here only affects gateway mode.
//   - `limit-rps`/`limit-connections` are enforced per controller replica: with N replicas a client
//     can get up to N times the limit.
// gateway mode (ingress-nginx was retired upstream in March 2026)
//   - An HTTPRoute attached to an existing Gateway; TLS terminates on the Gateway's listener, which
//     the platform team owns (optionally this component issues its certificate, see
//     `issueGatewayCertificate`). All security headers, HSTS included, are set by a
//     ResponseHeaderModifier filter. Rate limits, body size and CORS have no portable Gateway API
//     field: enforce them with the Gateway implementation's policy resources.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { SERVICE_HTTP_PORT } from "./lib/app-contract";
import { AppIdentity, recommendedLabels } from "./lib/labels";
import { refuseInvalidArgs, type ArgProblem } from "./lib/problems";
import { DEFAULT_HSTS_MAX_AGE_SECONDS, allSecurityHeaders, hstsProblems, nonHstsSecurityHeaders, type HstsOptions } from "./lib/security-headers";

export const INGRESS_TYPE = "websvc:ingress:Ingress";

export type IngressMode = "nginx" | "gateway";

export interface GatewayParentRef {
    name: string;
    namespace: string;
    /** Listener to attach to (the HTTPS one); all listeners that allow the route when omitted. */
    sectionName?: string;
}

export const DEFAULT_INGRESS_MODE: IngressMode = "nginx";
export const DEFAULT_INGRESS_CLASS = "nginx";
/** The Workload Service's http port. */
export const DEFAULT_SERVICE_PORT = SERVICE_HTTP_PORT;
export const DEFAULT_RATE_LIMIT_RPS = 50;
export const DEFAULT_RATE_LIMIT_CONNECTIONS = 20;
export const DEFAULT_BODY_SIZE = "1m";
export const DEFAULT_CORS_ALLOW_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export const DEFAULT_CORS_ALLOW_HEADERS = ["Authorization", "Content-Type"] as const;
export const DEFAULT_CORS_MAX_AGE_SECONDS = 600;

const NGINX = "nginx.ingress.kubernetes.io";
export const ANNOTATIONS = {
    clusterIssuer: "cert-manager.io/cluster-issuer",
    forceSslRedirect: `${NGINX}/force-ssl-redirect`,
    limitRps: `${NGINX}/limit-rps`,
    limitConnections: `${NGINX}/limit-connections`,
    proxyBodySize: `${NGINX}/proxy-body-size`,
    customHeaders: `${NGINX}/custom-headers`,
    enableCors: `${NGINX}/enable-cors`,
    corsAllowOrigin: `${NGINX}/cors-allow-origin`,
    corsAllowMethods: `${NGINX}/cors-allow-methods`,
    corsAllowHeaders: `${NGINX}/cors-allow-headers`,
    corsAllowCredentials: `${NGINX}/cors-allow-credentials`,
    corsMaxAge: `${NGINX}/cors-max-age`,
} as const;

export interface IngressArgs {
    identity: AppIdentity;
    namespace: pulumi.Input<string>;
    serviceName: pulumi.Input<string>;
    /** Service port number (the workload's `http` port). */
    servicePort?: pulumi.Input<number>;
    host: pulumi.Input<string>;
    mode?: IngressMode;
    className?: pulumi.Input<string>;
    /** ClusterIssuer for the certificate (nginx mode, and the optional Gateway certificate). */
    clusterIssuer: pulumi.Input<string>;
    /** Required in gateway mode. */
    gateway?: GatewayParentRef;
    /** Gateway mode: HTTP listener to attach a 301-to-https redirect route to (none when omitted). */
    gatewayRedirectSectionName?: string;
    /** Gateway mode: issue a cert-manager Certificate for the host in the Gateway's namespace. */
    issueGatewayCertificate?: boolean;
    rateLimitRps?: pulumi.Input<number>;
    rateLimitConnections?: pulumi.Input<number>;
    /** nginx size, e.g. "1m". */
    bodySize?: pulumi.Input<string>;
    /** Exact https origins; wildcards are refused. Empty disables CORS. */
    corsAllowedOrigins?: string[];
    hstsMaxAgeSeconds?: number;
    hstsIncludeSubdomains?: boolean;
    hstsPreload?: boolean;
    contentSecurityPolicy?: string;
    referrerPolicy?: string;
    permissionsPolicy?: string;
    /**
     * Resources that must exist first (Platform.ingressDependencies): the ingress-nginx admission
     * webhook rejects Ingresses while the controller is not up, and the Certificate CRD comes with
     * cert-manager.
     */
    operatorDependencies?: pulumi.Resource[];
}

const ORIGIN = /^https:\/\/[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:\d{1,5})?$/;

/**
 * A CORS allow-list is exact https origins or nothing: no wildcard, no http, no path, and a host
 * with at least two labels (a browser never sends a bare https://localhost for a public API).
 */
export function corsOriginProblems(origins: readonly unknown[], path = "corsAllowedOrigins"): ArgProblem[] {
    return origins.flatMap((o, i) => typeof o === "string" && ORIGIN.test(o)
        ? []
        : [{ path: `${path}[${i}]`, message: `must be an exact https origin such as https://app.example.com (no wildcard, path or trailing slash), got ${JSON.stringify(o)}` }]);
}

/** The args the rules read: all of them plain values, known before any resource exists. */
export type IngressRuleArgs = Pick<IngressArgs, "corsAllowedOrigins" | "mode" | "gateway" | "hstsMaxAgeSeconds" | "hstsIncludeSubdomains" | "hstsPreload">;

function hstsOf(args: IngressRuleArgs): HstsOptions {
    return {
        maxAgeSeconds: args.hstsMaxAgeSeconds ?? DEFAULT_HSTS_MAX_AGE_SECONDS,
        includeSubdomains: args.hstsIncludeSubdomains ?? true,
        preload: args.hstsPreload ?? false,
    };
}

/** Every rule Ingress's args must meet, as problems with paths into the args. */
export function ingressArgsProblems(args: IngressRuleArgs): ArgProblem[] {
    const problems = corsOriginProblems(args.corsAllowedOrigins ?? []);
    if ((args.mode ?? DEFAULT_INGRESS_MODE) === "gateway" && args.gateway === undefined) {
        problems.push({ path: "gateway", message: `must name the Gateway (name, namespace, optional sectionName) when mode is "gateway"` });
    }
    const hsts = hstsProblems(hstsOf(args)).map((p) => ({ ...p, path: p.path === "maxAgeSeconds" ? "hstsMaxAgeSeconds" : "hstsPreload" }));
    return [...problems, ...hsts];
}

export class Ingress extends pulumi.ComponentResource {
    readonly mode: IngressMode;
    readonly url: pulumi.Output<string>;
    /** Name of the Ingress (nginx) or HTTPRoute (gateway). */
    readonly routeName: pulumi.Output<string>;
    /** Secret that holds (or will hold) the certificate: app namespace (nginx) or Gateway namespace. */
    readonly tlsSecretName?: pulumi.Output<string>;
    readonly securityHeadersConfigMapName?: pulumi.Output<string>;

    constructor(name: string, args: IngressArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate before registering, so bad args leave nothing behind.
        refuseInvalidArgs("Ingress", name, ingressArgsProblems(args));
        super(INGRESS_TYPE, name, {}, opts);

        this.mode = args.mode ?? DEFAULT_INGRESS_MODE;
        const corsOrigins = args.corsAllowedOrigins ?? [];
        const hsts = hstsOf(args);
        const headerOptions = {
            hsts,
            contentSecurityPolicy: args.contentSecurityPolicy,
            referrerPolicy: args.referrerPolicy,
            permissionsPolicy: args.permissionsPolicy,
        };
        const labels = recommendedLabels(args.identity, "ingress");
        const port = args.servicePort ?? DEFAULT_SERVICE_PORT;
        const afterPlatform: pulumi.CustomResourceOptions = { parent: this, dependsOn: args.operatorDependencies ?? [] };
        this.url = pulumi.interpolate`https://${args.host}`;

        if (this.mode === "nginx") {
            const headers = new k8s.core.v1.ConfigMap(`${name}-security-headers`, {
                metadata: { namespace: args.namespace, labels },
                data: nonHstsSecurityHeaders(headerOptions),
            }, { parent: this });
            const tlsSecretName = `${name}-tls`;
            const annotations: Record<string, pulumi.Input<string>> = {
                [ANNOTATIONS.clusterIssuer]: args.clusterIssuer,
                [ANNOTATIONS.forceSslRedirect]: "true",
                [ANNOTATIONS.limitRps]: pulumi.output(args.rateLimitRps ?? DEFAULT_RATE_LIMIT_RPS).apply(String),
                [ANNOTATIONS.limitConnections]: pulumi.output(args.rateLimitConnections ?? DEFAULT_RATE_LIMIT_CONNECTIONS).apply(String),
                [ANNOTATIONS.proxyBodySize]: args.bodySize ?? DEFAULT_BODY_SIZE,
                [ANNOTATIONS.customHeaders]: pulumi.interpolate`${headers.metadata.namespace}/${headers.metadata.name}`,
            };
            if (corsOrigins.length > 0) {
                Object.assign(annotations, {
                    [ANNOTATIONS.enableCors]: "true",
                    [ANNOTATIONS.corsAllowOrigin]: corsOrigins.join(", "),
                    [ANNOTATIONS.corsAllowMethods]: DEFAULT_CORS_ALLOW_METHODS.join(", "),
                    [ANNOTATIONS.corsAllowHeaders]: DEFAULT_CORS_ALLOW_HEADERS.join(", "),
                    // The controller defaults this to true; credentials cross-origin must be a deliberate choice.
                    [ANNOTATIONS.corsAllowCredentials]: "false",
                    [ANNOTATIONS.corsMaxAge]: String(DEFAULT_CORS_MAX_AGE_SECONDS),
                });
            }
            const ingress = new k8s.networking.v1.Ingress(`${name}-ingress`, {
                metadata: { namespace: args.namespace, labels, annotations },
                spec: {
                    ingressClassName: args.className ?? DEFAULT_INGRESS_CLASS,
                    tls: [{ hosts: [args.host], secretName: tlsSecretName }],
                    rules: [{
                        host: args.host,
                        http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: args.serviceName, port: { number: port } } } }] },
                    }],
                },
            }, afterPlatform);
            this.routeName = ingress.metadata.name;
            this.tlsSecretName = pulumi.output(tlsSecretName);
            this.securityHeadersConfigMapName = headers.metadata.name;
        } else {
            const gateway = args.gateway!;
            const parentRef = (sectionName?: string) => ({
                group: "gateway.networking.k8s.io",
                kind: "Gateway",
                name: gateway.name,
                namespace: gateway.namespace,
                ...(sectionName !== undefined ? { sectionName } : {}),
            });
            // Both routes attach to the Gateway for the app's host; only the listener and rules differ.
            const httpRoute = (suffix: string, sectionName: string | undefined, rules: unknown[]) =>
                new k8s.apiextensions.CustomResource(`${name}-${suffix}`, {
                    apiVersion: "gateway.networking.k8s.io/v1",
                    kind: "HTTPRoute",
                    metadata: { namespace: args.namespace, labels },
                    spec: { parentRefs: [parentRef(sectionName)], hostnames: [args.host], rules },
                }, afterPlatform);
            const headers = allSecurityHeaders(headerOptions);
            const route = httpRoute("httproute", gateway.sectionName, [{
                matches: [{ path: { type: "PathPrefix", value: "/" } }],
                filters: [{
                    type: "ResponseHeaderModifier",
                    responseHeaderModifier: { set: Object.entries(headers).map(([headerName, value]) => ({ name: headerName, value })) },
                }],
                backendRefs: [{ group: "", kind: "Service", name: args.serviceName, port }],
            }]);
            this.routeName = route.metadata.name;
            if (args.gatewayRedirectSectionName !== undefined) {
                httpRoute("https-redirect", args.gatewayRedirectSectionName, [
                    { filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] },
                ]);
            }
            if (args.issueGatewayCertificate) {
                // The Gateway's HTTPS listener must list this Secret in certificateRefs (owned by the Gateway's owner).
                const secretName = `${name}-gateway-tls`;
                new k8s.apiextensions.CustomResource(`${name}-gateway-certificate`, {
                    apiVersion: "cert-manager.io/v1",
                    kind: "Certificate",
                    metadata: { namespace: gateway.namespace, labels },
                    spec: {
                        secretName,
                        dnsNames: [args.host],
                        issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: args.clusterIssuer },
                        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
                    },
                }, afterPlatform);
                this.tlsSecretName = pulumi.output(secretName);
            }
        }

        this.registerOutputs({
            mode: this.mode,
            url: this.url,
            routeName: this.routeName,
            tlsSecretName: this.tlsSecretName,
            securityHeadersConfigMapName: this.securityHeadersConfigMapName,
        });
    }
}

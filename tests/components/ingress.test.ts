import { recorder, outputValue, allStrings } from "../harness";
import { strict as assert } from "assert";
import { itRefusesRegisteringNothing, type Refusal } from "../harness/refusals";
import { schemaErrorOf } from "../support/kubernetes-schema";
import * as k8s from "@pulumi/kubernetes";
import {
    DEFAULT_BODY_SIZE, DEFAULT_RATE_LIMIT_CONNECTIONS, DEFAULT_RATE_LIMIT_RPS, INGRESS_TYPE, Ingress, IngressArgs, corsOriginProblems,
} from "../../components/ingress";
import { SECURITY_HEADER_NAMES } from "../../components/lib/security-headers";
import { INGRESS, CONFIGMAP } from "../harness/type-tokens";

const CUSTOM = (kind: string, group: string) => `kubernetes:${group}:${kind}`;
const HTTPROUTE = CUSTOM("HTTPRoute", "gateway.networking.k8s.io/v1");
const CERTIFICATE = CUSTOM("Certificate", "cert-manager.io/v1");

// The requirement, written out (not imported from the code under test).
const REQUIRED_HEADERS: Record<string, string | RegExp> = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": /^(no-referrer|strict-origin-when-cross-origin|same-origin)$/,
    "Permissions-Policy": /camera=\(\).*geolocation=\(\).*microphone=\(\)/,
};

function args(overrides: Partial<IngressArgs> = {}): IngressArgs {
    return {
        identity: { name: "websvc", instance: "websvc-staging", environment: "staging" },
        namespace: "websvc-staging",
        serviceName: "websvc-svc",
        host: "app.example.com",
        clusterIssuer: "letsencrypt-prod",
        ...overrides,
    };
}

async function render(name: string, a: IngressArgs) {
    const ing = new Ingress(name, a);
    await outputValue(ing.routeName);
    await recorder.settled();
    return ing;
}

const mine = (type: string, prefix: string) => recorder.ofType(type).filter((r) => r.name.startsWith(`${prefix}-`));

describe("Ingress (nginx mode)", () => {
    it("renders a class-nginx Ingress with cert-manager TLS, force-SSL, default limits, and no snippet", async () => {
        const ing = await render("ing-default", args());
        const rec = recorder.one(INGRESS, "ing-default");
        const { metadata, spec } = rec.inputs;
        assert.equal(spec.ingressClassName, "nginx");
        assert.equal(metadata.annotations["cert-manager.io/cluster-issuer"], "letsencrypt-prod");
        assert.deepEqual(spec.tls, [{ hosts: ["app.example.com"], secretName: "ing-default-tls" }]);
        assert.equal(metadata.annotations["nginx.ingress.kubernetes.io/force-ssl-redirect"], "true");
        assert.equal(metadata.annotations["nginx.ingress.kubernetes.io/limit-rps"], String(DEFAULT_RATE_LIMIT_RPS));
        assert.equal(metadata.annotations["nginx.ingress.kubernetes.io/limit-connections"], String(DEFAULT_RATE_LIMIT_CONNECTIONS));
        assert.equal(metadata.annotations["nginx.ingress.kubernetes.io/proxy-body-size"], DEFAULT_BODY_SIZE);
        assert.ok(!Object.keys(metadata.annotations).some((k) => /snippet/.test(k)), "no *-snippet annotation");
        assert.ok(!Object.keys(metadata.annotations).some((k) => /cors/.test(k)), "CORS off without origins");
        const backend = spec.rules[0].http.paths[0].backend.service;
        assert.deepEqual(backend, { name: "websvc-svc", port: { number: 80 } });
        assert.equal(spec.rules[0].host, "app.example.com");
        assert.equal(await outputValue(ing.url), "https://app.example.com");
        assert.equal(ing.mode, "nginx");
        assert.equal(mine(HTTPROUTE, "ing-default").length, 0);
    });

    it("sets security headers through a custom-headers ConfigMap in the app namespace, and the controller may emit them all", async () => {
        await render("ing-headers", args());
        const ingress = recorder.one(INGRESS, "ing-headers");
        const cm = recorder.one(CONFIGMAP, "ing-headers");
        const ref = ingress.inputs.metadata.annotations["nginx.ingress.kubernetes.io/custom-headers"];
        assert.equal(ref, `websvc-staging/${cm.state.metadata.name}`);
        assert.equal(cm.inputs.metadata.namespace, "websvc-staging");
        for (const [header, expected] of Object.entries(REQUIRED_HEADERS)) {
            const value = cm.inputs.data[header];
            if (expected instanceof RegExp) assert.match(value, expected, header);
            else assert.equal(value, expected, header);
        }
        // HSTS comes from the controller config in nginx mode: one source, no duplicate header.
        assert.equal(cm.inputs.data["Strict-Transport-Security"], undefined);
        // Every header in the ConfigMap must be allow-listed (global-allowed-response-headers), else 503.
        for (const header of Object.keys(cm.inputs.data)) assert.ok(SECURITY_HEADER_NAMES.includes(header), `${header} allow-listed`);
        assert.ok(SECURITY_HEADER_NAMES.includes("Strict-Transport-Security"));
    });

    it("applies every option: class, port, limits, body size, CORS exact origins, custom CSP", async () => {
        await render("ing-options", args({
            className: "nginx-internal",
            servicePort: 8080,
            rateLimitRps: 7,
            rateLimitConnections: 3,
            bodySize: "512k",
            corsAllowedOrigins: ["https://app.example.com", "https://admin.example.com:8443"],
            contentSecurityPolicy: "default-src 'self'",
            referrerPolicy: "same-origin",
            permissionsPolicy: "camera=()",
        }));
        const { metadata, spec } = recorder.one(INGRESS, "ing-options").inputs;
        const a = metadata.annotations;
        assert.equal(spec.ingressClassName, "nginx-internal");
        assert.equal(spec.rules[0].http.paths[0].backend.service.port.number, 8080);
        assert.equal(a["nginx.ingress.kubernetes.io/limit-rps"], "7");
        assert.equal(a["nginx.ingress.kubernetes.io/limit-connections"], "3");
        assert.equal(a["nginx.ingress.kubernetes.io/proxy-body-size"], "512k");
        assert.equal(a["nginx.ingress.kubernetes.io/enable-cors"], "true");
        assert.deepEqual(a["nginx.ingress.kubernetes.io/cors-allow-origin"].split(/,\s*/), ["https://app.example.com", "https://admin.example.com:8443"]);
        assert.equal(a["nginx.ingress.kubernetes.io/cors-allow-credentials"], "false");
        assert.ok(!a["nginx.ingress.kubernetes.io/cors-allow-origin"].includes("*"));
        const cm = recorder.one(CONFIGMAP, "ing-options").inputs.data;
        assert.equal(cm["Content-Security-Policy"], "default-src 'self'");
        assert.equal(cm["Referrer-Policy"], "same-origin");
        assert.equal(cm["Permissions-Policy"], "camera=()");
    });

    it("refuses wildcard, http, path and single-label CORS origins, naming the entry", () => {
        const bads = ["*", "https://*.example.com", "http://app.example.com", "https://app.example.com/", "https://app.example.com/path", "null", "https://localhost", "https://localhost:8443"];
        bads.forEach((bad, i) => {
            assert.deepEqual(corsOriginProblems(["https://ok.example.com", bad]).map((p) => p.path), ["corsAllowedOrigins[1]"], bad);
            assert.throws(() => new Ingress(`ing-cors-bad-${i}`, args({ corsAllowedOrigins: ["https://ok.example.com", bad] })), /corsAllowedOrigins\[1\] must be an exact https origin/);
        });
        assert.deepEqual(corsOriginProblems(["https://a.example.com", "https://b.example.com:444"]), []);
    });

    it("waits for the platform (controller webhook, cert-manager) when given", async () => {
        const platformPiece = new k8s.core.v1.ConfigMap("ing-deps-platform", { data: {} });
        await render("ing-deps", args({ operatorDependencies: [platformPiece] }));
        const dep = recorder.one(CONFIGMAP, "ing-deps-platform");
        assert.ok(recorder.one(INGRESS, "ing-deps").dependencies.includes(dep.urn));
    });

    it("produces objects valid against the Kubernetes schemas, parented to the component", async () => {
        await render("ing-valid", args({ corsAllowedOrigins: ["https://app.example.com"] }));
        const component = recorder.one("websvc:ingress:Ingress", "ing-valid");
        const objects = recorder.kubernetesObjects().filter((o) => o.resource.name.startsWith("ing-valid-"));
        assert.equal(objects.length, 2);
        for (const { resource, object } of objects) {
            assert.equal(resource.parent, component.urn, resource.name);
            assert.equal(await schemaErrorOf(object), undefined, `${object.kind} ${resource.name}`);
            assert.equal(object.metadata.labels["app.kubernetes.io/name"], "websvc");
            assert.equal(object.metadata.labels["app.kubernetes.io/component"], "ingress");
        }
    });
});

describe("Ingress (gateway mode)", () => {
    const gateway = { name: "public", namespace: "gateway-system", sectionName: "https" };

    it("renders an HTTPRoute on the Gateway with hostnames, the Service on port 80 and every security header", async () => {
        const ing = await render("gw-default", args({ mode: "gateway", gateway }));
        assert.equal(mine(INGRESS, "gw-default").length, 0);
        assert.equal(mine(CONFIGMAP, "gw-default").length, 0);
        const route = recorder.one(HTTPROUTE, "gw-default-httproute").inputs;
        assert.equal(route.apiVersion, "gateway.networking.k8s.io/v1");
        assert.deepEqual(route.spec.parentRefs, [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "public", namespace: "gateway-system", sectionName: "https" }]);
        assert.deepEqual(route.spec.hostnames, ["app.example.com"]);
        const rule = route.spec.rules[0];
        assert.deepEqual(rule.backendRefs.map((b: any) => [b.name, b.port]), [["websvc-svc", 80]]);
        const filter = rule.filters.find((f: any) => f.type === "ResponseHeaderModifier");
        const headers = Object.fromEntries(filter.responseHeaderModifier.set.map((h: any) => [h.name, h.value]));
        for (const [header, expected] of Object.entries(REQUIRED_HEADERS)) {
            if (expected instanceof RegExp) assert.match(headers[header], expected, header);
            else assert.equal(headers[header], expected, header);
        }
        // No controller adds HSTS here: the route must (default one year, subdomains, no preload).
        assert.equal(headers["Strict-Transport-Security"], "max-age=31536000; includeSubDomains");
        assert.equal(ing.tlsSecretName, undefined, "TLS lives on the Gateway unless a certificate is requested");
        assert.equal(await schemaErrorOf(route), undefined);
    });

    it("optionally adds an https redirect route and a cert-manager Certificate in the Gateway namespace", async () => {
        const platformPiece = new k8s.core.v1.ConfigMap("gw-all-platform", { data: {} });
        const ing = await render("gw-all", args({
            mode: "gateway", gateway: { name: "public", namespace: "gateway-system" }, gatewayRedirectSectionName: "http",
            issueGatewayCertificate: true, hstsMaxAgeSeconds: 63072000, hstsPreload: true, operatorDependencies: [platformPiece],
        }));
        const route = recorder.one(HTTPROUTE, "gw-all-httproute").inputs;
        assert.equal(route.spec.parentRefs[0].sectionName, undefined);
        const sts = route.spec.rules[0].filters[0].responseHeaderModifier.set.find((h: any) => h.name === "Strict-Transport-Security");
        assert.equal(sts.value, "max-age=63072000; includeSubDomains; preload");

        const redirect = recorder.one(HTTPROUTE, "gw-all-https-redirect").inputs;
        assert.equal(redirect.spec.parentRefs[0].sectionName, "http");
        assert.deepEqual(redirect.spec.rules[0].filters[0], { type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } });
        assert.equal(await schemaErrorOf(redirect), undefined);

        const certRec = recorder.one(CERTIFICATE, "gw-all");
        const cert = certRec.inputs;
        assert.equal(cert.metadata.namespace, "gateway-system");
        assert.deepEqual(cert.spec.dnsNames, ["app.example.com"]);
        assert.deepEqual(cert.spec.issuerRef, { group: "cert-manager.io", kind: "ClusterIssuer", name: "letsencrypt-prod" });
        assert.equal(cert.spec.secretName, await outputValue(ing.tlsSecretName!));
        assert.equal(await schemaErrorOf(cert), undefined);
        assert.ok(certRec.dependencies.includes(recorder.one(CONFIGMAP, "gw-all-platform").urn), "Certificate waits for cert-manager");
    });

    it("requires the Gateway reference", () => {
        assert.throws(() => new Ingress("gw-missing", args({ mode: "gateway" })), /gateway must name the Gateway/);
    });

    it("refuses HSTS preload without subdomains or with less than a year", () => {
        assert.throws(() => new Ingress("gw-preload-1", args({ mode: "gateway", gateway, hstsPreload: true, hstsIncludeSubdomains: false })), /preload/);
        assert.throws(() => new Ingress("gw-preload-2", args({ mode: "gateway", gateway, hstsPreload: true, hstsMaxAgeSeconds: 86400 })), /preload/);
    });

    describe("refused arguments register nothing", () => {
        const refusals: Array<Refusal<Partial<IngressArgs>>> = [
            ["a wildcard CORS origin", { corsAllowedOrigins: ["*"] }, /corsAllowedOrigins\[0\]/],
            ["gateway mode without a Gateway", { mode: "gateway" }, /gateway must name the Gateway/],
            ["a negative HSTS max-age", { hstsMaxAgeSeconds: -1 }, /hstsMaxAgeSeconds must be a non-negative integer, got -1/],
            ["HSTS preload for a day", { hstsPreload: true, hstsMaxAgeSeconds: 86400 }, /hstsPreload requires includeSubdomains/],
        ];
        itRefusesRegisteringNothing("Ingress", "ing-refused", refusals, (name, overrides) => new Ingress(name, args(overrides)));
        it("registers the component under its exported type token when the args are valid", async () => {
            await render("ing-token", args());
            assert.equal(recorder.one(INGRESS_TYPE, "ing-token").name, "ing-token");
        });
    });

    it("never emits a configuration-snippet in either mode", async () => {
        await render("gw-snip", args({ mode: "gateway", gateway }));
        await render("ng-snip", args());
        const all = recorder.resources.filter((r) => /^(gw|ng)-snip-/.test(r.name));
        assert.ok(all.length >= 3);
        assert.ok(!allStrings(all.map((r) => ({ keys: Object.keys(r.inputs.metadata?.annotations ?? {}), i: r.inputs }))).some((s) => /snippet/i.test(s)));
    });
});

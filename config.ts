// The one place pulumi.Config is read. Everything is validated here, before any resource is
// registered, so a bad value fails fast with the key, the stack and what was expected.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { assertPinnedForEnvironment } from "./components/image";
import { validateSecretSpecs } from "./components/secrets";

export const ENVIRONMENTS = ["staging", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

// Let's Encrypt ACME directories; production must never issue from the staging CA.
export const ACME_PRODUCTION = "https://acme-v02.api.letsencrypt.org/directory";
export const ACME_STAGING = "https://acme-staging-v02.api.letsencrypt.org/directory";

// Pinned chart versions for the optional platform install (bumped deliberately, never floating).
export const DEFAULT_CHART_VERSIONS = {
    ingressNginx: "4.13.3",
    certManager: "v1.19.1",
    kubePrometheusStack: "79.1.0",
} as const;

// ---------------------------------------------------------------- value helpers

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** RFC 1123 DNS subdomain with at least two labels (a public host name). */
export function isDnsName(value: string): boolean {
    if (value.length > 253) return false;
    const labels = value.split(".");
    return labels.length >= 2 && labels.every((l) => DNS_LABEL.test(l));
}

const QUANTITY = /^([0-9]+(\.[0-9]+)?|\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const QUANTITY_FACTORS: Record<string, number> = {
    "": 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** Parses a Kubernetes resource quantity ("250m", "1.5", "128Mi") to a number of base units. */
export function parseQuantity(value: string): number {
    const m = QUANTITY.exec(value);
    if (!m) throw new Error(`not a Kubernetes quantity: ${JSON.stringify(value)}`);
    return parseFloat(m[1]) * QUANTITY_FACTORS[m[3] ?? ""];
}


// ---------------------------------------------------------------- schema pieces

const intAtLeast = (min: number) =>
    z.number({ error: `must be an integer >= ${min}` }).int(`must be an integer >= ${min}`).min(min, `must be an integer >= ${min}`);
const intBetween = (min: number, max: number) =>
    z.number({ error: `must be an integer between ${min} and ${max}` })
        .int(`must be an integer between ${min} and ${max}`)
        .min(min, `must be an integer between ${min} and ${max}`)
        .max(max, `must be an integer between ${min} and ${max}`);
const quantity = (what: string, example: string) =>
    z.string({ error: `must be a Kubernetes ${what} quantity such as ${example}` })
        .regex(QUANTITY, `must be a Kubernetes ${what} quantity such as ${example}`);
const dnsLabel = (what: string) =>
    z.string({ error: `must be a ${what}: a lowercase RFC 1123 label (a-z, 0-9, '-'), at most 63 characters` })
        .regex(DNS_LABEL, `must be a ${what}: a lowercase RFC 1123 label (a-z, 0-9, '-'), at most 63 characters`);
const cidr = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/(\d|[12]\d|3[0-2])$/, "must be an IPv4 CIDR such as 10.0.0.0/16");

const resourceSet = z.strictObject({
    cpu: quantity("CPU", '"250m" or "1"'),
    memory: quantity("memory", '"256Mi" or "1Gi"'),
    ephemeralStorage: quantity("ephemeral-storage", '"128Mi" or "1Gi"'),
});

const imageSchema = z.strictObject({
    ref: z.string().min(1).optional(),
    build: z.strictObject({
        context: z.string().min(1).default("./app"),
        dockerfile: z.string().min(1).default("Dockerfile"),
        target: z.string().optional(),
        platform: z.string().regex(/^[a-z0-9]+\/[a-z0-9_]+(\/v\d)?$/, "must be an OS/arch platform such as linux/amd64").default("linux/amd64"),
        cacheFrom: z.array(z.string().min(1)).default([]),
        repository: z.string().regex(/^[a-z0-9]+([._\-/:][a-z0-9]+)*$/, "must be an image repository such as registry.example.com/team/websvc"),
        tag: z.string().regex(/^[\w][\w.-]{0,127}$/, "must be a valid image tag").optional(),
    }).optional(),
    registry: z.strictObject({
        server: z.string().min(1),
        username: z.string().min(1),
    }).optional(),
});

const appSecretSpec = z.strictObject({
    name: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, "must be kebab-case (a-z, 0-9, '-'), starting with a letter"),
    length: intBetween(16, 256),
    kind: z.enum(["password", "bytes"], { error: 'must be "password" or "bytes"' }),
    special: z.boolean().optional(),
});

const policyRuleSchema = z.strictObject({
    apiGroups: z.array(z.string()),
    resources: z.array(z.string().min(1)).min(1),
    verbs: z.array(z.enum(["get", "list", "watch"], { error: "only read verbs (get, list, watch) are allowed for the app's Role" })).min(1),
    resourceNames: z.array(z.string()).optional(),
});

const configSchema = z.object({
    environment: z.enum(ENVIRONMENTS, { error: `must be one of ${ENVIRONMENTS.join(", ")}` }),
    appName: dnsLabel("name").max(40, "must be at most 40 characters (room for suffixes)"),
    namespace: dnsLabel("namespace name").optional(),
    domain: z.string({ error: "must be a DNS name such as app.example.com" }).refine(isDnsName, "must be a DNS name such as app.example.com"),
    logLevel: z.enum(["debug", "info", "warn", "error"], { error: "must be one of debug, info, warn, error" }),
    replicas: intAtLeast(1),
    kubernetesVersion: z.string().regex(/^1\.(2[5-9]|3[0-7])$/, "must be a Kubernetes minor version from 1.25 to 1.37, such as \"1.34\""),
    secretsRotation: z.string().min(1, "must be a non-empty string (change it to rotate every generated secret)"),
    image: imageSchema,
    autoscaling: z.strictObject({
        enabled: z.boolean().default(true),
        minReplicas: intAtLeast(1).default(2),
        maxReplicas: intAtLeast(1).default(6),
        targetCpuUtilization: intBetween(10, 100).default(70),
        targetMemoryUtilization: intBetween(10, 100).default(80),
    }).default({ enabled: true, minReplicas: 2, maxReplicas: 6, targetCpuUtilization: 70, targetMemoryUtilization: 80 }),
    resources: z.strictObject({ requests: resourceSet, limits: resourceSet }),
    ingress: z.strictObject({
        mode: z.enum(["nginx", "gateway"], { error: 'must be "nginx" or "gateway"' }).default("nginx"),
        className: z.string().min(1).default("nginx"),
        gateway: z.strictObject({
            name: dnsLabel("Gateway name"),
            namespace: dnsLabel("namespace name"),
            sectionName: z.string().min(1).optional(),
        }).optional(),
        rateLimitRps: intBetween(1, 100000),
        rateLimitConnections: intBetween(1, 100000),
        bodySize: z.string().regex(/^\d+[kmg]?$/, 'must be an nginx size such as "1m" or "512k"').default("1m"),
        corsAllowedOrigins: z.array(z.string().regex(/^https:\/\/[a-z0-9.-]+(:\d+)?$/, "must be an https origin such as https://app.example.com (no wildcards)")).default([]),
        hstsMaxAgeSeconds: intAtLeast(0).default(31536000),
    }),
    tls: z.strictObject({
        clusterIssuer: dnsLabel("ClusterIssuer name"),
        acmeServer: z.enum([ACME_PRODUCTION, ACME_STAGING], { error: `must be ${ACME_PRODUCTION} or ${ACME_STAGING}` }),
        acmeEmail: z.email("must be an e-mail address for ACME registration"),
    }),
    platform: z.strictObject({
        installIngressNginx: z.boolean().default(false),
        installCertManager: z.boolean().default(false),
        installKubePrometheusStack: z.boolean().default(false),
        chartVersions: z.strictObject({
            ingressNginx: z.string().regex(/^v?\d+\.\d+\.\d+$/, "must be an exact chart version").default(DEFAULT_CHART_VERSIONS.ingressNginx),
            certManager: z.string().regex(/^v?\d+\.\d+\.\d+$/, "must be an exact chart version").default(DEFAULT_CHART_VERSIONS.certManager),
            kubePrometheusStack: z.string().regex(/^v?\d+\.\d+\.\d+$/, "must be an exact chart version").default(DEFAULT_CHART_VERSIONS.kubePrometheusStack),
        }).default({ ...DEFAULT_CHART_VERSIONS }),
    }).default({ installIngressNginx: false, installCertManager: false, installKubePrometheusStack: false, chartVersions: { ...DEFAULT_CHART_VERSIONS } }),
    monitoring: z.strictObject({
        prometheusRelease: z.string().min(1).default("kube-prometheus-stack"),
        prometheusNamespace: dnsLabel("namespace name").default("monitoring"),
        availabilityObjective: z.number().gt(90, "must be a percentage > 90 and < 100").lt(100, "must be a percentage > 90 and < 100"),
        latencyObjective: z.number().gt(90, "must be a percentage > 90 and < 100").lt(100, "must be a percentage > 90 and < 100"),
        latencyThresholdSeconds: z.number().positive("must be a positive number of seconds").max(60, "must be at most 60 seconds"),
        team: dnsLabel("team name"),
        pageSeverity: z.enum(["critical", "warning", "info"], { error: "must be critical, warning or info" }),
        ticketSeverity: z.enum(["critical", "warning", "info"], { error: "must be critical, warning or info" }),
        alertReceiver: z.enum(["pagerduty", "slack", "webhook", "none"], { error: "must be pagerduty, slack, webhook or none" }),
        runbookBaseUrl: z.url({ protocol: /^https$/, error: "must be an https URL of the team's runbooks" }).optional(),
    }),
    networkPolicy: z.strictObject({
        ingressControllerNamespace: dnsLabel("namespace name").default("ingress-nginx"),
        extraEgress: z.array(z.strictObject({
            cidr,
            ports: z.array(z.strictObject({
                port: intBetween(1, 65535),
                protocol: z.enum(["TCP", "UDP"]).default("TCP"),
            })).min(1, "must list at least one port"),
        })).default([]),
    }).default({ ingressControllerNamespace: "ingress-nginx", extraEgress: [] }),
    appSecrets: z.array(appSecretSpec).default([
        { name: "session-key", length: 64, kind: "password" },
        { name: "jwt-signing-key", length: 64, kind: "bytes" },
    ]),
    appSettings: z.record(
        z.string().regex(/^[A-Z][A-Z0-9_]*$/, "must be a SCREAMING_SNAKE_CASE environment variable name"),
        z.string(),
    ).default({}),
    storage: z.strictObject({
        enabled: z.boolean().default(false),
        size: quantity("storage", '"1Gi"').default("1Gi"),
        storageClassName: z.string().optional(),
        mountPath: z.string().regex(/^\/[\w./-]*$/, "must be an absolute path").default("/data"),
    }).default({ enabled: false, size: "1Gi", mountPath: "/data" }),
    rbacRules: z.array(policyRuleSchema).default([]),
    kubernetes: z.strictObject({
        context: z.string().min(1).optional(),
        clusterIdentifier: z.string().min(1).optional(),
        renderYamlToDirectory: z.string().min(1).optional(),
    }).default({}),
});

type RawConfig = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;

/** The validated configuration plus the secrets, which stay Outputs end to end. */
export interface StackConfig extends ParsedConfig {
    stack: string;
    project: string;
    namespace: string;
    secrets: {
        kubeconfig?: pulumi.Output<string>;
        registryPassword?: pulumi.Output<string>;
        alertWebhookUrl?: pulumi.Output<string>;
    };
}

// Keys whose stack values are JSON objects or arrays; the rest are scalars.
const STRUCTURED_KEYS = [
    "image", "autoscaling", "resources", "ingress", "tls", "platform", "monitoring", "networkPolicy",
    "appSecrets", "appSettings", "storage", "rbacRules", "kubernetes",
] as const;
const INTEGER_KEYS = ["replicas"] as const;
const STRING_KEYS = ["environment", "appName", "namespace", "domain", "logLevel", "kubernetesVersion", "secretsRotation"] as const;
export const SECRET_KEYS = ["kubeconfig", "registryPassword", "alertWebhookUrl"] as const;
export const CONFIG_KEYS = [...STRING_KEYS, ...INTEGER_KEYS, ...STRUCTURED_KEYS, ...SECRET_KEYS] as const;

export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`Invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
        this.name = "ConfigError";
    }
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
    let cur: unknown = root;
    for (const p of path) {
        if (cur === null || typeof cur !== "object") return undefined;
        cur = (cur as Record<PropertyKey, unknown>)[p];
    }
    return cur;
}

function keyName(project: string, path: PropertyKey[]): string {
    const [top, ...rest] = path;
    let key = `${project}:${String(top)}`;
    for (const p of rest) key += typeof p === "number" ? `[${p}]` : `.${String(p)}`;
    return key;
}

function describe(value: unknown): string {
    return value === undefined ? "nothing" : JSON.stringify(value);
}

/** Reads raw strings the way the engine passes them and turns them into typed values (or leaves them for zod to reject). */
function readRaw(cfg: pulumi.Config, project: string, problems: string[], stack: string): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    for (const key of STRING_KEYS) {
        const v = cfg.get(key);
        if (v !== undefined) raw[key] = v;
    }
    for (const key of INTEGER_KEYS) {
        const v = cfg.get(key);
        if (v !== undefined) raw[key] = /^-?\d+$/.test(v.trim()) ? Number(v) : v;
    }
    for (const key of STRUCTURED_KEYS) {
        const v = cfg.get(key);
        if (v === undefined) continue;
        try {
            raw[key] = JSON.parse(v);
        } catch {
            problems.push(`${project}:${key} must be a YAML/JSON object or list, got ${describe(v)} (stack ${stack})`);
        }
    }
    return raw;
}

/** Rules that need several keys at once. Each pushes a message that names the key. */
function crossFieldProblems(c: ParsedConfig, stack: string, project: string): string[] {
    const out: string[] = [];
    const say = (key: string, msg: string) => out.push(`${project}:${key} ${msg} (stack ${stack})`);

    if ((ENVIRONMENTS as readonly string[]).includes(stack) && c.environment !== stack) {
        say("environment", `must match the stack name "${stack}", got ${describe(c.environment)}`);
    }
    for (const r of ["cpu", "memory", "ephemeralStorage"] as const) {
        const req = parseQuantity(c.resources.requests[r]);
        const lim = parseQuantity(c.resources.limits[r]);
        if (lim < req) {
            say(`resources.limits.${r}`, `must be >= resources.requests.${r} (${c.resources.requests[r]}), got ${describe(c.resources.limits[r])}`);
        }
    }
    if (c.autoscaling.maxReplicas < c.autoscaling.minReplicas) {
        say("autoscaling.maxReplicas", `must be >= autoscaling.minReplicas (${c.autoscaling.minReplicas}), got ${c.autoscaling.maxReplicas}`);
    }
    const hasRef = c.image.ref !== undefined;
    const hasBuild = c.image.build !== undefined;
    if (hasRef === hasBuild) {
        say("image", `must set exactly one of image.ref (a prebuilt, digest-pinned reference) or image.build, got ${hasRef ? "both" : "neither"}`);
    }
    if (c.image.ref !== undefined) {
        // The same pinning rule ImageBuild enforces: no `latest`, a digest in production.
        try {
            assertPinnedForEnvironment(c.image.ref, c.environment);
        } catch (e) {
            say("image.ref", `is not acceptable: ${(e as Error).message}`);
        }
    }
    try {
        // An empty list is allowed: the app then gets no generated secrets (and no random provider is needed).
        if (c.appSecrets.length > 0) validateSecretSpecs(c.appSecrets);
    } catch (e) {
        say("appSecrets", `is not acceptable: ${(e as Error).message}`);
    }
    if (c.image.build?.tag === "latest") {
        say("image.build.tag", `must not be the mutable "latest" tag`);
    }
    if (c.ingress.mode === "gateway" && c.ingress.gateway === undefined) {
        say("ingress.gateway", `must name the Gateway (name, namespace) when ingress.mode is "gateway"`);
    }
    if (c.monitoring.latencyThresholdSeconds <= 0) say("monitoring.latencyThresholdSeconds", "must be positive");
    if (c.environment === "production") {
        const staging = c.tls.acmeServer === ACME_STAGING || /staging/.test(c.tls.clusterIssuer);
        if (staging) {
            say("tls", `must not use the Let's Encrypt staging issuer in production (its certificates are untrusted), got clusterIssuer ${describe(c.tls.clusterIssuer)} with acmeServer ${describe(c.tls.acmeServer)}`);
        }
        const min = c.autoscaling.enabled ? c.autoscaling.minReplicas : c.replicas;
        if (min < 2) {
            say(c.autoscaling.enabled ? "autoscaling.minReplicas" : "replicas", `must be >= 2 in production (a single replica cannot survive a node drain), got ${min}`);
        }
        if (c.monitoring.alertReceiver === "none") {
            say("monitoring.alertReceiver", `must route production alerts somewhere (pagerduty, slack or webhook), got "none"`);
        }
    }
    return out;
}

/**
 * Validates raw config values. Pure (no Pulumi runtime), so tests can feed it any input.
 * Throws ConfigError listing every problem, each naming the key and the stack.
 */
export function validateConfig(raw: Record<string, unknown>, stack: string, project: string): ParsedConfig {
    const problems: string[] = [];
    const result = configSchema.safeParse(raw as RawConfig);
    if (!result.success) {
        for (const issue of result.error.issues) {
            const got = valueAt(raw, issue.path);
            let msg = `${issue.message}, got ${describe(got)}`;
            if (issue.code === "unrecognized_keys") msg = `has unknown key(s) ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}`;
            // A bad map key: report the key's own rule, not zod's generic "Invalid key in record".
            if (issue.code === "invalid_key") msg = `key ${describe(issue.path[issue.path.length - 1])} ${issue.issues[0]?.message ?? "is invalid"}`;
            const where = issue.code === "invalid_key" ? issue.path.slice(0, -1) : issue.path;
            problems.push(`${keyName(project, where)} ${msg} (stack ${stack})`);
        }
        throw new ConfigError(problems);
    }
    problems.push(...crossFieldProblems(result.data, stack, project));
    if (problems.length > 0) throw new ConfigError(problems);
    return result.data;
}

/**
 * Reads a secret key, present only if set. Pulumi.yaml declares these keys `secret: true`, so the
 * CLI refuses a plaintext value; the synth script enforces the same on the stack files.
 */
function readSecret(cfg: pulumi.Config, project: string, key: string): pulumi.Output<string> | undefined {
    // An empty value counts as unset (the way `pulumi config set --secret key ""` clears an optional secret).
    const value = pulumi.runtime.getConfig(`${project}:${key}`);
    return value === undefined || value === "" ? undefined : cfg.requireSecret(key);
}

/** Reads and validates the stack's configuration. Call once, before creating any resource. */
export function loadConfig(): StackConfig {
    const project = pulumi.getProject();
    const stack = pulumi.getStack();
    const cfg = new pulumi.Config();
    const problems: string[] = [];
    const raw = readRaw(cfg, project, problems, stack);
    const secrets: StackConfig["secrets"] = {};
    for (const key of SECRET_KEYS) secrets[key] = readSecret(cfg, project, key);
    if (problems.length > 0) throw new ConfigError(problems);
    const parsed = validateConfig(raw, stack, project);
    const say = (key: string, msg: string) => problems.push(`${project}:${key} ${msg} (stack ${stack})`);
    if (parsed.kubernetes.renderYamlToDirectory !== undefined && secrets.kubeconfig !== undefined) {
        say("kubeconfig", "must not be set together with kubernetes.renderYamlToDirectory (the provider renders YAML instead of connecting to a cluster)");
    }
    if (parsed.image.registry !== undefined && secrets.registryPassword === undefined) {
        say("registryPassword", "must be set (as a secret) when image.registry is configured");
    }
    if (parsed.platform.installKubePrometheusStack && parsed.monitoring.alertReceiver !== "none" && secrets.alertWebhookUrl === undefined) {
        say("alertWebhookUrl", `must be set (as a secret) to route alerts to ${parsed.monitoring.alertReceiver} when platform.installKubePrometheusStack is true`);
    }
    if (problems.length > 0) throw new ConfigError(problems);
    return {
        ...parsed,
        stack,
        project,
        namespace: parsed.namespace ?? `${parsed.appName}-${parsed.environment}`,
        secrets,
    };
}

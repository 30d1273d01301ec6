// The one place pulumi.Config is read, and where the stack's keys meet the components' args.
//   - Shape (types, formats, key names, defaults) is checked here with zod.
//   - Rules (what a value may be, alone or with others, per environment) belong to the components:
//     each exports a validator that returns problems with paths into its args. This file builds
//     the components' args from the config (index.ts uses the same builders) and runs those
//     validators, so every failure is a config error naming the key and the stack, raised before
//     any resource is registered. The few rules here are about the stack itself (its name, its
//     issuer, its alert routing, which secrets are set).
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { imageBuildArgsProblems, type ImageBuildArgs } from "./components/image";
import { DEFAULT_BODY_SIZE, DEFAULT_INGRESS_CLASS, DEFAULT_INGRESS_MODE, ingressArgsProblems, type IngressArgs } from "./components/ingress";
import { monitoringStackArgsProblems, type MonitoringStackArgs } from "./components/monitoring";
import { ACME_PRODUCTION, ACME_STAGING, DEFAULT_PROMETHEUS_RELEASE, platformArgsProblems, type PlatformArgs } from "./components/platform";
import { appSecretsArgsProblems, type AppSecretSpec } from "./components/secrets";
import { LOG_LEVELS } from "./components/lib/app-config";
import { ENVIRONMENTS, PRODUCTION } from "./components/lib/environment";
import type { AppIdentity } from "./components/lib/labels";
import { describeProblem, shown, type ArgProblem } from "./components/lib/problems";
import type { RbacRule } from "./components/lib/rbac";
import { DEFAULT_HSTS_MAX_AGE_SECONDS } from "./components/lib/security-headers";
import {
    DEFAULT_AUTOSCALING,
    DEFAULT_INGRESS_CONTROLLER_NAMESPACE,
    DEFAULT_PROMETHEUS_NAMESPACE,
    DEFAULT_STORAGE,
    workloadArgsProblems,
    type WorkloadArgs,
} from "./components/lib/workload-args";

// ---------------------------------------------------------------- value helpers

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** RFC 1123 DNS subdomain with at least two labels (a public host name). */
export function isDnsName(value: string): boolean {
    if (value.length > 253) return false;
    const labels = value.split(".");
    return labels.length >= 2 && labels.every((l) => DNS_LABEL.test(l));
}

// ---------------------------------------------------------------- numbers, as the CLI writes them
// `pulumi config set --path` stores integers as numbers and everything else, floats included, as
// strings ("99.95"), so every numeric field takes a JSON number or exactly its plain decimal text.
// The CLI's typing is recorded in scripts/lib/config-path.ts (CLI_PATH_TYPING) and checked against
// the real CLI by the engine tier; docs/configuration.md lists every field below.

/** A numeric config field: its grammar and the bounds config.ts owns (components add their rules). */
export interface NumberField {
    /** Integers: digits only, no leading zeros, no fraction, no exponent. */
    integer: boolean;
    /** Decimal fields that may also be written with an exponent ("5e-3"). */
    exponent?: boolean;
    min?: number;
    max?: number;
    /** The bounds exclude min and max ("> 90 and < 100"). */
    exclusive?: boolean;
    /** What the field is, for messages: "a percentage", "a replica count". */
    what: string;
}

/** Every numeric field by its config path (list items as `[]`), and the only place their bounds live. */
export const NUMBER_FIELDS = {
    // ">= 1" (and ">= 2 in production", "max >= min") are the workload's rules (components/lib/rollout.ts).
    replicas: { integer: true, max: 100, what: "a replica count" },
    "autoscaling.minReplicas": { integer: true, max: 100, what: "a replica count" },
    "autoscaling.maxReplicas": { integer: true, max: 100, what: "a replica count" },
    "autoscaling.targetCpuUtilization": { integer: true, min: 10, max: 100, what: "a percentage of the CPU request" },
    "autoscaling.targetMemoryUtilization": { integer: true, min: 10, max: 100, what: "a percentage of the memory request" },
    "ingress.rateLimitRps": { integer: true, min: 1, max: 10_000, what: "requests per second per client" },
    "ingress.rateLimitConnections": { integer: true, min: 1, max: 10_000, what: "concurrent connections per client" },
    // ">= 0" and the preload minimum are the header's rules (components/lib/security-headers.ts).
    "ingress.hstsMaxAgeSeconds": { integer: true, max: 63_072_000, what: "a number of seconds" },
    "monitoring.availabilityObjective": { integer: false, min: 90, max: 100, exclusive: true, what: "a percentage" },
    "monitoring.latencyObjective": { integer: false, min: 90, max: 100, exclusive: true, what: "a percentage" },
    // Its rule is the component's: a bucket edge of the app's histogram (components/lib/slo.ts).
    "monitoring.latencyThresholdSeconds": { integer: false, exponent: true, min: 0, exclusive: true, what: "a number of seconds" },
    // 16-256 is the component's rule (components/secrets.ts).
    "appSecrets[].length": { integer: true, what: "a length in characters or bytes" },
    "networkPolicy.extraEgress[].ports[].port": { integer: true, min: 1, max: 65535, what: "a port number" },
} as const satisfies Record<string, NumberField>;
export type NumberFieldPath = keyof typeof NUMBER_FIELDS;

const INTEGER_TEXT = /^-?(0|[1-9]\d*)$/;
const DECIMAL_TEXT = /^-?(0|[1-9]\d*)(\.\d+)?$/;
const EXPONENT_TEXT = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

function boundsText(f: NumberField): string {
    const { min, max } = f;
    if (min !== undefined && max !== undefined) return f.exclusive ? ` > ${min} and < ${max}` : ` from ${min} to ${max}`;
    if (min !== undefined) return f.exclusive ? ` > ${min}` : ` >= ${min}`;
    if (max !== undefined) return f.exclusive ? ` < ${max}` : ` <= ${max}`;
    return "";
}

/** "an integer from 1 to 100 (a replica count)": what a field takes, for messages. */
export function expectedNumber(f: NumberField): string {
    return `${f.integer ? "an integer" : "a number"}${boundsText(f)} (${f.what})`;
}

/** How to write the field as text: what the CLI stores for it. */
function writtenAs(f: NumberField): string {
    if (f.integer) return 'written as a number or as plain digits such as "100"';
    return f.exponent
        ? 'written as a number or as decimal text such as "0.25" or "2.5e-1"'
        : 'written as a number or as decimal text such as "99.95"';
}

/** The number a field's value stands for, or the problem with it (the caller shows the value as typed). */
export function readNumberField(value: unknown, f: NumberField): { value: number } | { problem: string } {
    let n: number;
    if (typeof value === "number") n = value;
    else if (typeof value === "string") {
        const grammar = f.integer ? INTEGER_TEXT : f.exponent ? EXPONENT_TEXT : DECIMAL_TEXT;
        if (f.integer && /^-?0\d+$/.test(value)) {
            // The CLI keeps "0100" a string; YAML 1.1 readers take it for the octal 64. Refused, not guessed.
            return { problem: `must be ${expectedNumber(f)} without leading zeros (some readers take 0100 for the octal 64): write ${value.replace(/^(-?)0+(?=\d)/, "$1")}` };
        }
        if (!grammar.test(value)) return { problem: `must be ${expectedNumber(f)}, ${writtenAs(f)}` };
        n = Number(value);
    } else return { problem: `must be ${expectedNumber(f)}, ${writtenAs(f)}` };
    if (!Number.isFinite(n) || (f.integer && !Number.isInteger(n))) return { problem: `must be ${expectedNumber(f)}` };
    const low = f.min !== undefined && (f.exclusive ? n <= f.min : n < f.min);
    const high = f.max !== undefined && (f.exclusive ? n >= f.max : n > f.max);
    if (low || high) return { problem: `must be ${expectedNumber(f)}` };
    return { value: n };
}

const numberSchemaPaths = new Map<z.ZodType, NumberFieldPath>();
/** The schema of a numeric field (NUMBER_FIELDS[path]); registered so tests can find every one. */
function num(path: NumberFieldPath) {
    const schema = z.unknown().transform((value, ctx) => {
        const read = readNumberField(value, NUMBER_FIELDS[path]);
        if ("problem" in read) {
            ctx.addIssue({ code: "custom", message: read.problem });
            return z.NEVER;
        }
        return read.value;
    });
    numberSchemaPaths.set(schema, path);
    return schema;
}
/** The NUMBER_FIELDS path a schema was built for by num(), if any (for tests walking the schema). */
export function numberFieldOf(schema: unknown): NumberFieldPath | undefined {
    return numberSchemaPaths.get(schema as z.ZodType);
}

// ---------------------------------------------------------------- schema pieces (shape only)

const text = (what = "a string") => z.string({ error: `must be ${what}` });
/** A boolean: what `pulumi config set --path` stores for exactly `true` or `false` (it keeps "True" or "yes" as text). */
const bool = () => z.boolean({ error: "must be true or false" });
const strings = z.array(text(), { error: "must be a list of strings" });
const dnsLabel = (what: string) =>
    z.string({ error: `must be a ${what}: a lowercase RFC 1123 label (a-z, 0-9, '-'), at most 63 characters` })
        .regex(DNS_LABEL, `must be a ${what}: a lowercase RFC 1123 label (a-z, 0-9, '-'), at most 63 characters`);
const cidr = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/(\d|[12]\d|3[0-2])$/, "must be an IPv4 CIDR such as 10.0.0.0/16");
// A quantity is a string or a JSON number, the way the API server reads it (`--path` sets integers
// as numbers); its grammar is the components' rule (components/lib/quantity.ts).
const quantity = z.union([z.string(), z.number()], { error: 'must be a Kubernetes quantity such as "250m" or "256Mi"' })
    .transform((q) => String(q));

const resourceSet = z.strictObject({ cpu: quantity, memory: quantity, ephemeralStorage: quantity });

const imageSchema = z.strictObject({
    ref: text().optional(),
    build: z.strictObject({
        context: text().min(1, "must be a directory").default("./app"),
        dockerfile: text().min(1, "must be a file name").default("Dockerfile"),
        target: text().optional(),
        platform: text().default("linux/amd64"),
        cacheFrom: strings.default([]),
        repository: text("an image repository such as registry.example.com/team/websvc"),
        tag: text().optional(),
    }).optional(),
    registry: z.strictObject({
        server: text().min(1, "must be a registry host"),
        username: text().min(1, "must be a user name"),
    }).optional(),
});

const appSecretSpec = z.strictObject({
    name: text(),
    length: num("appSecrets[].length"),
    kind: text(),
    special: bool().optional(),
});

const policyRuleSchema = z.strictObject({
    apiGroups: strings,
    resources: strings,
    verbs: strings,
    resourceNames: strings.optional(),
});

const severity = z.enum(["critical", "warning", "info"], { error: "must be critical, warning or info" });

const configSchema = z.object({
    environment: z.enum(ENVIRONMENTS, { error: `must be one of ${ENVIRONMENTS.join(", ")}` }),
    appName: dnsLabel("name").max(40, "must be at most 40 characters (room for suffixes)"),
    namespace: dnsLabel("namespace name").optional(),
    domain: z.string({ error: "must be a DNS name such as app.example.com" }).refine(isDnsName, "must be a DNS name such as app.example.com"),
    logLevel: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` }),
    replicas: num("replicas"),
    kubernetesVersion: text('a Kubernetes minor version such as "1.34"'),
    secretsRotation: text(),
    image: imageSchema,
    autoscaling: z.strictObject({
        enabled: bool().default(DEFAULT_AUTOSCALING.enabled),
        minReplicas: num("autoscaling.minReplicas").default(DEFAULT_AUTOSCALING.minReplicas),
        maxReplicas: num("autoscaling.maxReplicas").default(DEFAULT_AUTOSCALING.maxReplicas),
        targetCpuUtilization: num("autoscaling.targetCpuUtilization").default(DEFAULT_AUTOSCALING.targetCpuUtilization),
        targetMemoryUtilization: num("autoscaling.targetMemoryUtilization").default(DEFAULT_AUTOSCALING.targetMemoryUtilization),
    }).default({ ...DEFAULT_AUTOSCALING }),
    resources: z.strictObject({ requests: resourceSet, limits: resourceSet }),
    ingress: z.strictObject({
        mode: z.enum(["nginx", "gateway"], { error: 'must be "nginx" or "gateway"' }).default(DEFAULT_INGRESS_MODE),
        className: text().min(1, "must be an IngressClass name").default(DEFAULT_INGRESS_CLASS),
        gateway: z.strictObject({
            name: dnsLabel("Gateway name"),
            namespace: dnsLabel("namespace name"),
            sectionName: text().min(1, "must be a listener name").optional(),
        }).optional(),
        rateLimitRps: num("ingress.rateLimitRps"),
        rateLimitConnections: num("ingress.rateLimitConnections"),
        bodySize: z.string().regex(/^\d+[kmg]?$/, 'must be an nginx size such as "1m" or "512k"').default(DEFAULT_BODY_SIZE),
        corsAllowedOrigins: strings.default([]),
        hstsMaxAgeSeconds: num("ingress.hstsMaxAgeSeconds").default(DEFAULT_HSTS_MAX_AGE_SECONDS),
    }),
    tls: z.strictObject({
        clusterIssuer: dnsLabel("ClusterIssuer name"),
        acmeServer: z.enum([ACME_PRODUCTION, ACME_STAGING], { error: `must be ${ACME_PRODUCTION} or ${ACME_STAGING}` }),
        acmeEmail: z.email("must be an e-mail address for ACME registration"),
    }),
    platform: z.strictObject({
        installIngressNginx: bool().default(false),
        installCertManager: bool().default(false),
        installKubePrometheusStack: bool().default(false),
        // Defaults live next to the charts (components/platform.ts).
        chartVersions: z.strictObject({ ingressNginx: text().optional(), certManager: text().optional(), kubePrometheusStack: text().optional() }).default({}),
    }).default({ installIngressNginx: false, installCertManager: false, installKubePrometheusStack: false, chartVersions: {} }),
    monitoring: z.strictObject({
        prometheusRelease: text().min(1, "must be a Helm release name").default(DEFAULT_PROMETHEUS_RELEASE),
        prometheusNamespace: dnsLabel("namespace name").default(DEFAULT_PROMETHEUS_NAMESPACE),
        availabilityObjective: num("monitoring.availabilityObjective"),
        latencyObjective: num("monitoring.latencyObjective"),
        latencyThresholdSeconds: num("monitoring.latencyThresholdSeconds"),
        team: dnsLabel("team name"),
        pageSeverity: severity,
        ticketSeverity: severity,
        alertReceiver: z.enum(["pagerduty", "slack", "webhook", "none"], { error: "must be pagerduty, slack, webhook or none" }),
        runbookBaseUrl: z.url({ protocol: /^https$/, error: "must be an https URL of the team's runbooks" }).optional(),
        // Pod/HPA/CPU alerts that duplicate kubernetes-mixin (shipped by kube-prometheus-stack): off by default.
        kubernetesMixinAlerts: bool().default(false),
    }),
    networkPolicy: z.strictObject({
        ingressControllerNamespace: dnsLabel("namespace name").default(DEFAULT_INGRESS_CONTROLLER_NAMESPACE),
        extraEgress: z.array(z.strictObject({
            cidr,
            ports: z.array(z.strictObject({
                port: num("networkPolicy.extraEgress[].ports[].port"),
                protocol: z.enum(["TCP", "UDP"], { error: 'must be "TCP" or "UDP"' }).default("TCP"),
            })).min(1, "must list at least one port"),
        })).default([]),
    }).default({ ingressControllerNamespace: DEFAULT_INGRESS_CONTROLLER_NAMESPACE, extraEgress: [] }),
    appSecrets: z.array(appSecretSpec).default([
        { name: "session-key", length: 64, kind: "password" },
        { name: "jwt-signing-key", length: 64, kind: "bytes" },
    ]),
    appSettings: z.record(z.string(), text()).default({}),
    storage: z.strictObject({
        enabled: bool().default(DEFAULT_STORAGE.enabled),
        size: quantity.default(DEFAULT_STORAGE.size),
        storageClassName: text().optional(),
        mountPath: text().default(DEFAULT_STORAGE.mountPath),
    }).default({ ...DEFAULT_STORAGE }),
    rbacRules: z.array(policyRuleSchema).default([]),
    kubernetes: z.strictObject({
        context: text().min(1).optional(),
        clusterIdentifier: text().min(1).optional(),
        renderYamlToDirectory: text().min(1).optional(),
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

/** How a top-level key reaches the program: Pulumi.yaml declares each the same way (tests/config/config-keys.test.ts). */
export type KeyKind = "string" | "integer" | "object" | "list" | "map" | "secret";
export const SECRET_KEYS = ["kubeconfig", "registryPassword", "alertWebhookUrl"] as const;

/**
 * Every top-level key, once. The compiler holds it to the schema (a schema key without a kind, or a
 * kind without a key, does not type-check); the config-keys test holds Pulumi.yaml, its nested keys
 * and the path map to it.
 */
export const KEY_KINDS = {
    environment: "string", appName: "string", namespace: "string", domain: "string", logLevel: "string",
    replicas: "integer", kubernetesVersion: "string", secretsRotation: "string",
    image: "object", autoscaling: "object", resources: "object", ingress: "object", tls: "object", platform: "object",
    monitoring: "object", networkPolicy: "object", appSecrets: "list", appSettings: "map", storage: "object",
    rbacRules: "list", kubernetes: "object",
    kubeconfig: "secret", registryPassword: "secret", alertWebhookUrl: "secret",
} as const satisfies Record<keyof RawConfig | (typeof SECRET_KEYS)[number], KeyKind>;
type ConfigKey = keyof typeof KEY_KINDS;

/** The schema of each top-level key, for tests and the defaults below. */
export const CONFIG_SCHEMA_SHAPE = configSchema.shape;

/**
 * What config.ts uses for each key the stack may leave unset and that Pulumi.yaml gives no default
 * (zod's defaults), as the value a stack file would hold. A CLI that treats every Pulumi.yaml key
 * without a default as required (v3.171.0 does) can be given exactly these, so they cannot drift
 * from config.ts (the engine tiers use it instead of restating defaults).
 */
export function schemaDefaults(): Partial<Record<ConfigKey, unknown>> {
    const out: Partial<Record<ConfigKey, unknown>> = {};
    for (const [key, schema] of Object.entries(configSchema.shape)) {
        const parsed = (schema as z.ZodType).safeParse(undefined);
        if (parsed.success && parsed.data !== undefined) out[key as ConfigKey] = parsed.data;
    }
    return out;
}

export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`Invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
        this.name = "ConfigError";
    }
}

// ---------------------------------------------------------------- config -> component args

/** `<appName>-<environment>`: the instance label and the prefix of every resource name. */
export function instanceName(c: Pick<ParsedConfig, "appName" | "environment">): string {
    return `${c.appName}-${c.environment}`;
}

export function appIdentity(c: ParsedConfig): AppIdentity {
    return { name: c.appName, instance: instanceName(c), environment: c.environment };
}

function namespaceOf(c: ParsedConfig): string {
    return c.namespace ?? instanceName(c);
}

/** Traffic arrives from the ingress controller's pods, or from the Gateway's data plane. */
function trafficSourceNamespace(c: ParsedConfig): string {
    return c.ingress.mode === "gateway" && c.ingress.gateway ? c.ingress.gateway.namespace : c.networkPolicy.ingressControllerNamespace;
}

export function platformArgs(c: ParsedConfig): PlatformArgs {
    return {
        environment: c.environment,
        kubernetesVersion: c.kubernetesVersion,
        installIngressNginx: c.platform.installIngressNginx,
        installCertManager: c.platform.installCertManager,
        installKubePrometheusStack: c.platform.installKubePrometheusStack,
        chartVersions: c.platform.chartVersions,
        clusterIssuer: {
            name: c.tls.clusterIssuer,
            acmeServer: c.tls.acmeServer,
            email: c.tls.acmeEmail,
            // HTTP-01 is answered through whatever serves the app's traffic.
            solver: c.ingress.mode === "gateway" && c.ingress.gateway ? { gateway: c.ingress.gateway } : { ingressClassName: c.ingress.className },
        },
        ingressClassName: c.ingress.className,
        hsts: { maxAgeSeconds: c.ingress.hstsMaxAgeSeconds },
        prometheusRelease: c.monitoring.prometheusRelease,
        namespaces: { ingressNginx: c.networkPolicy.ingressControllerNamespace, monitoring: c.monitoring.prometheusNamespace },
    };
}

/** The registry password is a secret: the caller passes it (config validation passes a stand-in). */
export function imageBuildArgs(c: ParsedConfig, registryPassword: pulumi.Input<string> | undefined): ImageBuildArgs {
    const build = c.image.build;
    return {
        ref: c.image.ref,
        build: build && {
            context: build.context,
            dockerfile: build.dockerfile,
            target: build.target,
            platforms: [build.platform],
            cacheFrom: build.cacheFrom,
            repository: build.repository,
            tag: build.tag,
        },
        environment: c.environment,
        registry: c.image.registry && registryPassword !== undefined
            ? { server: c.image.registry.server, username: c.image.registry.username, password: registryPassword }
            : undefined,
    };
}

/** Everything but the Outputs other components produce (image, secret references, their checksum). */
export function workloadArgs(c: ParsedConfig): Omit<WorkloadArgs, "image" | "secretEnv" | "secretsChecksum"> {
    return {
        appName: c.appName,
        environment: c.environment,
        namespace: namespaceOf(c),
        kubernetesVersion: c.kubernetesVersion,
        instance: instanceName(c),
        replicas: c.replicas,
        autoscaling: c.autoscaling,
        resources: c.resources,
        logLevel: c.logLevel,
        appSettings: c.appSettings,
        storage: c.storage,
        // The verbs' vocabulary is the component's rule (rbacRuleProblems), checked before this is used.
        rbacRules: c.rbacRules as RbacRule[],
        ingressControllerNamespace: trafficSourceNamespace(c),
        prometheusNamespace: c.monitoring.prometheusNamespace,
        extraEgress: c.networkPolicy.extraEgress,
    };
}

export function appSecretsSpecs(c: ParsedConfig): AppSecretSpec[] {
    // The kinds' vocabulary is the component's rule (secretSpecProblems), checked before this is used.
    return c.appSecrets as AppSecretSpec[];
}

/** Everything but the Outputs (namespace, Service name and port) and the platform dependencies. */
export function ingressArgs(c: ParsedConfig): Omit<IngressArgs, "identity" | "namespace" | "serviceName" | "servicePort" | "operatorDependencies"> {
    return {
        host: c.domain,
        mode: c.ingress.mode,
        className: c.ingress.className,
        clusterIssuer: c.tls.clusterIssuer,
        gateway: c.ingress.gateway,
        rateLimitRps: c.ingress.rateLimitRps,
        rateLimitConnections: c.ingress.rateLimitConnections,
        bodySize: c.ingress.bodySize,
        corsAllowedOrigins: c.ingress.corsAllowedOrigins,
        hstsMaxAgeSeconds: c.ingress.hstsMaxAgeSeconds,
    };
}

type MonitoringConfigArgs = Pick<MonitoringStackArgs, "prometheusRelease" | "slo" | "team" | "pageSeverity" | "ticketSeverity" | "runbookBaseUrl" | "kubernetesMixinAlerts" | "alerting">;

/** Alerts route to the receiver only when its secret URL is set; otherwise the cluster's own routing applies. */
export function monitoringArgs(c: ParsedConfig, alertWebhookUrl: pulumi.Input<string> | undefined): MonitoringConfigArgs {
    return {
        prometheusRelease: c.monitoring.prometheusRelease,
        slo: {
            availabilityObjective: c.monitoring.availabilityObjective,
            latencyObjective: c.monitoring.latencyObjective,
            latencyThresholdSeconds: c.monitoring.latencyThresholdSeconds,
        },
        team: c.monitoring.team,
        pageSeverity: c.monitoring.pageSeverity,
        ticketSeverity: c.monitoring.ticketSeverity,
        runbookBaseUrl: c.monitoring.runbookBaseUrl,
        kubernetesMixinAlerts: c.monitoring.kubernetesMixinAlerts,
        alerting: alertWebhookUrl === undefined || c.monitoring.alertReceiver === "none"
            ? { receiver: "none" }
            : { receiver: c.monitoring.alertReceiver, webhookUrl: alertWebhookUrl },
    };
}

// ---------------------------------------------------------------- component arg paths -> config keys

/** Longest-prefix renames from a component's arg paths to config paths; unmatched paths stay as they are. */
type KeyMap = Array<[argPrefix: string, configPrefix: string]>;

export const CONFIG_PATH_MAP: Record<string, KeyMap> = {
    image: [
        ["", "image"], ["build.platforms[0]", "image.build.platform"], ["build.platforms", "image.build.platform"], ["ref", "image.ref"],
        ["build", "image.build"], ["registry", "image.registry"], ["registry.password", "registryPassword"], ["environment", "environment"],
    ],
    workload: [
        ["image", "image.ref"], ["extraEgress", "networkPolicy.extraEgress"], ["instance", "appName"],
        ["ingressControllerNamespace", "networkPolicy.ingressControllerNamespace"], ["prometheusNamespace", "monitoring.prometheusNamespace"],
    ],
    ingress: [
        ["", "ingress"], ["host", "domain"], ["clusterIssuer", "tls.clusterIssuer"], ["gateway", "ingress.gateway"],
        ["corsAllowedOrigins", "ingress.corsAllowedOrigins"], ["hstsMaxAgeSeconds", "ingress.hstsMaxAgeSeconds"], ["hstsPreload", "ingress.hstsMaxAgeSeconds"],
    ],
    monitoring: [
        ["", "monitoring"], ["slo", "monitoring"], ["alerting.receiver", "monitoring.alertReceiver"], ["alerting.webhookUrl", "alertWebhookUrl"],
        ["identity.environment", "environment"], ["identity.name", "appName"], ["identity.instance", "appName"],
    ],
    platform: [
        ["installIngressNginx", "platform.installIngressNginx"], ["installCertManager", "platform.installCertManager"],
        ["installKubePrometheusStack", "platform.installKubePrometheusStack"], ["chartVersions", "platform.chartVersions"],
        ["clusterIssuer.name", "tls.clusterIssuer"], ["clusterIssuer.acmeServer", "tls.acmeServer"], ["clusterIssuer.email", "tls.acmeEmail"],
        ["clusterIssuer.solver.gateway", "ingress.gateway"], ["clusterIssuer.solver.ingressClassName", "ingress.className"],
        ["ingressClassName", "ingress.className"], ["hsts.maxAgeSeconds", "ingress.hstsMaxAgeSeconds"], ["prometheusRelease", "monitoring.prometheusRelease"],
        ["namespaces.ingressNginx", "networkPolicy.ingressControllerNamespace"], ["namespaces.monitoring", "monitoring.prometheusNamespace"],
    ],
    appSecrets: [["", "appSecrets"], ["secrets", "appSecrets"], ["rotation", "secretsRotation"]],
};

const startsPath = (path: string, prefix: string) =>
    prefix === "" || path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);

/** The config path a component's arg path came from (CONFIG_PATH_MAP; tests/config/config-keys.test.ts holds it to the builders). */
export function configPath(component: keyof typeof CONFIG_PATH_MAP, path: string): string {
    const [argPrefix, configPrefix] = CONFIG_PATH_MAP[component]
        .filter(([prefix]) => startsPath(path, prefix))
        .sort(([a], [b]) => b.length - a.length)[0] ?? ["", ""];
    const rest = path.slice(argPrefix.length);
    return configPrefix + (configPrefix !== "" && rest !== "" && !rest.startsWith(".") && !rest.startsWith("[") ? `.${rest}` : rest);
}

// ---------------------------------------------------------------- validation

function valueAt(root: unknown, path: PropertyKey[]): unknown {
    let cur: unknown = root;
    for (const p of path) {
        if (cur === null || typeof cur !== "object") return undefined;
        cur = (cur as Record<PropertyKey, unknown>)[p];
    }
    return cur;
}

interface ZodDef {
    type: string;
    shape?: Record<string, ZodNode>;
    innerType?: ZodNode;
    element?: ZodNode;
    entries?: Record<string, string>;
}
type ZodNode = { _zod: { def: ZodDef } };
/** Through optional and default wrappers to the schema they wrap. */
function unwrapped(def: ZodDef): ZodDef {
    while (def.innerType) def = def.innerType._zod.def;
    return def;
}

/** The schema at `path` of the config schema, through optional and default wrappers and into list elements. */
function schemaAt(path: PropertyKey[]): ZodDef | undefined {
    let def: ZodDef | undefined = (configSchema as unknown as ZodNode)._zod.def;
    for (const p of path) {
        def = unwrapped(def);
        def = typeof p === "number" ? def.element?._zod.def : def.shape?.[String(p)]?._zod.def;
        if (!def) return undefined;
    }
    return unwrapped(def);
}

/** What a schema takes, in words, for the shapes zod would otherwise describe as "expected object". */
function expectedOf(def: ZodDef | undefined): string | undefined {
    if (!def) return undefined;
    def = unwrapped(def);
    switch (def.type) {
        case "object": return `a map with the keys ${Object.keys(def.shape ?? {}).join(", ")}`;
        case "array": {
            const element = expectedOf(def.element?._zod.def);
            return element ? `a list, each item ${element}` : "a list";
        }
        case "record": return "a map of names to strings";
        case "string": return "a string";
        case "boolean": return "true or false";
        case "enum": return `one of ${Object.values(def.entries ?? {}).join(", ")}`;
        default: return undefined;
    }
}

/** zod's own wording ("Invalid input: expected object, received number", "Too small: …") said as what the key takes. */
function problemOf(issue: z.core.$ZodIssue, raw: unknown): string {
    if (issue.code === "unrecognized_keys") return `has unknown key(s) ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}`;
    const value = valueAt(raw, issue.path);
    const zodWording = /^(Invalid input|Too small|Too big)\b/.test(issue.message);
    const expected = zodWording && issue.code === "invalid_type" ? expectedOf(schemaAt(issue.path)) : undefined;
    if (expected) return value === undefined ? `is missing: it must be ${expected}` : `must be ${expected}, got ${shown(value)}`;
    if (zodWording && issue.code === "too_small" && issue.origin === "string" && Number(issue.minimum) === 1) return `must not be empty, got ${shown(value)}`;
    if (issue.code === "invalid_type" && value === undefined && issue.message.startsWith("must ")) return `is missing: it ${issue.message}`;
    return `${issue.message}, got ${shown(value)}`;
}

function keyName(project: string, path: PropertyKey[]): string {
    const [top, ...rest] = path;
    let key = `${project}:${String(top)}`;
    for (const p of rest) key += typeof p === "number" ? `[${p}]` : `.${String(p)}`;
    return key;
}

/** Reads raw strings the way the engine passes them: scalars as given (numbers are read by the schema), objects parsed. */
function readRaw(cfg: pulumi.Config, project: string, problems: string[], stack: string): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    for (const [key, kind] of Object.entries(KEY_KINDS)) {
        const v = kind === "secret" ? undefined : cfg.get(key);
        if (v === undefined) continue;
        if (kind === "string" || kind === "integer") {
            raw[key] = v;
            continue;
        }
        try {
            raw[key] = JSON.parse(v);
        } catch {
            problems.push(`${project}:${key} must be a YAML/JSON object or list, got ${shown(v)} (stack ${stack})`);
        }
    }
    return raw;
}

/**
 * Each component's args as this config builds them for its rules, keyed like CONFIG_PATH_MAP. The
 * registry password's presence is checked with the other secrets; a stand-in lets the image rules run.
 */
export function componentArgs(c: ParsedConfig) {
    return {
        image: imageBuildArgs(c, "stand-in"),
        workload: { ...workloadArgs(c), image: c.image.ref },
        ingress: ingressArgs(c),
        monitoring: { ...monitoringArgs(c, undefined), identity: appIdentity(c) },
        platform: platformArgs(c),
        appSecrets: { secrets: appSecretsSpecs(c), rotation: c.secretsRotation },
    };
}

/** The components' rules over the args this config builds, as [config path, problem] pairs. */
function componentRuleProblems(c: ParsedConfig): Array<[string, ArgProblem]> {
    const found: Array<[string, ArgProblem]> = [];
    const add = (component: keyof typeof CONFIG_PATH_MAP, problems: ArgProblem[]) => {
        for (const p of problems) found.push([configPath(component, p.path), p]);
    };
    const args = componentArgs(c);
    add("image", imageBuildArgsProblems(args.image));
    add("workload", workloadArgsProblems(args.workload));
    add("ingress", ingressArgsProblems(args.ingress));
    add("monitoring", monitoringStackArgsProblems(args.monitoring));
    add("platform", platformArgsProblems(args.platform));
    // An empty list means no generated secrets at all (index.ts then creates no AppSecrets).
    if (c.appSecrets.length > 0) add("appSecrets", appSecretsArgsProblems(args.appSecrets));
    return found;
}

/** Rules about the stack itself, which no component knows. */
function stackRuleProblems(c: ParsedConfig, stack: string): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    if ((ENVIRONMENTS as readonly string[]).includes(stack) && c.environment !== stack) {
        out.push(["environment", `must match the stack name "${stack}", got ${shown(c.environment)}`]);
    }
    if (c.environment === PRODUCTION) {
        if (c.tls.acmeServer === ACME_STAGING || /staging/.test(c.tls.clusterIssuer)) {
            out.push(["tls", `must not use the Let's Encrypt staging issuer in production (its certificates are untrusted), got clusterIssuer ${shown(c.tls.clusterIssuer)} with acmeServer ${shown(c.tls.acmeServer)}`]);
        }
        if (c.monitoring.alertReceiver === "none") {
            out.push(["monitoring.alertReceiver", `must route production alerts somewhere (pagerduty, slack or webhook), got "none"`]);
        }
    }
    if (c.kubernetes.context !== undefined && c.kubernetes.renderYamlToDirectory !== undefined) {
        // Found by the engine tier's CLI check: the provider refuses the pair ("context" arg is not
        // compatible with "renderYamlToDirectory" arg) only once it is configured, mid-preview.
        out.push(["kubernetes.context", "must not be set together with kubernetes.renderYamlToDirectory: a render writes YAML and connects to no cluster context"]);
    }
    if (c.monitoring.kubernetesMixinAlerts && c.platform.installKubePrometheusStack) {
        out.push(["monitoring.kubernetesMixinAlerts", "must be false when platform.installKubePrometheusStack is true: that chart ships kubernetes-mixin's KubePodCrashLooping, KubePodNotReady, CPUThrottlingHigh and KubeHpaMaxedOut, so every incident would notify twice"]);
    }
    return out;
}

/**
 * What the user typed, when a component's rule speaks of a number that was written as other text
 * ("0.30", "3e-1" for 0.3): the rule's message shows the number, this shows the text as typed.
 */
function typedAs(raw: unknown, parsed: unknown, key: string): string {
    const path = key.match(/[^.[\]]+/g) ?? [];
    const typed = valueAt(raw, path);
    const value = valueAt(parsed, path);
    return typeof typed === "string" && typeof value === "number" && typed !== String(value) ? `, got ${shown(typed)}` : "";
}

/**
 * Validates raw config values. Pure (no Pulumi runtime), so tests can feed it any input.
 * Throws ConfigError listing every problem, each naming the key and the stack.
 */
export function validateConfig(raw: Record<string, unknown>, stack: string, project: string): ParsedConfig {
    const result = configSchema.safeParse(raw as RawConfig);
    if (!result.success) {
        const problems = result.error.issues.map((issue) => `${keyName(project, issue.path)} ${problemOf(issue, raw)} (stack ${stack})`);
        throw new ConfigError(problems);
    }
    const lines = new Set<string>();
    for (const [key, problem] of componentRuleProblems(result.data)) {
        lines.add(`${project}:${describeProblem({ path: key, message: problem.message })}${typedAs(raw, result.data, key)} (stack ${stack})`);
    }
    for (const [key, message] of stackRuleProblems(result.data, stack)) lines.add(`${project}:${key} ${message} (stack ${stack})`);
    if (lines.size > 0) throw new ConfigError([...lines]);
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
    return { ...parsed, stack, project, namespace: namespaceOf(parsed), secrets };
}

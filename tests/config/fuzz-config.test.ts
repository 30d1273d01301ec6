// Property-based fuzzing of the config boundary: for every key, generated invalid values (as the
// engine hands them to the program: strings, objects as JSON) are fed to the REAL program
// (index.ts, re-evaluated per case under the shared mock runtime). Every case must end in a
// ConfigError that names the key and the stack, with no stack trace in its message, and with
// nothing registered. A rule that lives only in a component shows up here as a component Error
// (and registered resources) instead.
import { recorder, UNIT_PROJECT, UNIT_STACK } from "../harness";
import { strict as assert } from "assert";
import * as fs from "fs";
import Module from "module";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import fc from "fast-check";
import * as ts from "typescript";
import { createMetrics } from "../../app/src/metrics";
import { loadStackConfig } from "../../scripts/lib/stack-config";

const ROOT = path.resolve(__dirname, "../..");
const PROGRAM = require.resolve("../../index");
// The program is transpiled once and evaluated afresh per case, as a new module (re-requiring it
// would transpile it again every time: ~50 ms a case). Its own imports resolve to the modules the
// test process already loaded, so the components are the ones under the shared mock runtime.
const PROGRAM_JS = ts.transpileModule(fs.readFileSync(PROGRAM, "utf8"), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    fileName: PROGRAM,
}).outputText;

function evaluateProgram(): Record<string, unknown> {
    const program = new Module(PROGRAM, module) as Module & { _compile(code: string, filename: string): void };
    program.filename = PROGRAM;
    program.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(PROGRAM));
    program._compile(PROGRAM_JS, PROGRAM);
    return program.exports as Record<string, unknown>;
}
const RUNS_PER_KEY = 10;

type Env = "staging" | "production";
type Json = unknown;
/** One generated case: the key under test, the stack values to change, and secrets to set. */
interface Case {
    key: string;
    env: Env;
    /** Config keys (without project) -> raw engine string, or undefined to unset. */
    set: Record<string, string | undefined>;
    secrets?: Record<string, string>;
}

// Written from the requirements, independently of config.ts and the components.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const isDnsName = (s: string) => s.length <= 253 && s.split(".").length >= 2 && s.split(".").every((l) => DNS_LABEL.test(l));
const SUPPORTED_VERSION = /^v?1\.(2[5-9]|3[0-7])(\.\d+)?$/;
const DIGEST = `sha256:${"4f".repeat(32)}`;
const REPO = "ghcr.io/example-org/websvc";

const json = (v: Json) => JSON.stringify(v);
const base = (env: Env): Record<string, string> => {
    const { config } = loadStackConfig(ROOT, env);
    return Object.fromEntries(Object.entries(config).map(([k, v]) => [k.replace(/^websvc:/, ""), v]));
};
const BASES: Record<Env, Record<string, string>> = { staging: base("staging"), production: base("production") };
const object = (env: Env, key: string): Record<string, any> => JSON.parse(BASES[env][key]);

/** A copy of the env's value of `key` with `field` (dotted) set to `value` (undefined deletes it). */
function withField(env: Env, key: string, field: string, value: Json): string {
    const root = object(env, key);
    const parts = field.split(".");
    let cur = root;
    for (const p of parts.slice(0, -1)) cur = cur[p] ??= {};
    if (value === undefined) delete cur[parts[parts.length - 1]];
    else cur[parts[parts.length - 1]] = value;
    return json(root);
}

const env = fc.constantFrom<Env>("staging", "production");
const anyString = fc.string({ maxLength: 30 });
const blank = fc.array(fc.constantFrom(" ", "\t", "\n"), { maxLength: 4 }).map((a) => a.join(""));
/** A string with a character no Kubernetes quantity has, anywhere in it (not "e": "1e0" is a quantity, 1; a bare "1e" is in the list below). */
const notAQuantity = fc.oneof(
    fc.tuple(fc.stringMatching(/^[0-9.]{0,4}$/), fc.constantFrom("x", "#", " q", "/", "MB", "ki", "_"), fc.stringMatching(/^[0-9]{0,3}$/)).map((p) => p.join("")),
    fc.constantFrom("", "Mi", "1 Gi", "12MB", "1e", "1.2.3", "--1", "+-1", "1e3.5", "."),
);
const negativeQuantity = fc.tuple(fc.integer({ min: 1, max: 999 }), fc.constantFrom("", "m", "Mi", "Gi")).map(([n, s]) => `-${n}${s}`);
/** Any JSON that is not an object (for keys whose value is an object). */
const notAnObject = fc.oneof(fc.integer(), fc.boolean(), anyString, fc.constant(null), fc.array(fc.integer(), { maxLength: 2 })).map(json);
const notAList = fc.oneof(fc.integer(), fc.boolean(), anyString, fc.constant(null), fc.dictionary(fc.stringMatching(/^[a-z]{1,5}$/), fc.integer(), { minKeys: 1, maxKeys: 2 })).map(json);
const notJson = fc.constantFrom("{", "not json", "{'single': 'quotes'}", "[1,", "key: value");
const nonBoolean = fc.oneof(fc.integer(), anyString, fc.constant(null));
/** Strings that are not a plain decimal number (the CLI stores floats as such strings, and they are accepted). */
const notNumberText = anyString.filter((s) => !/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(s));
/** Numbers as `pulumi config set --path` would store mistyped ones: strings around a number. */
const mistypedNumber = fc.tuple(fc.integer({ min: 1, max: 99 }), fc.constantFrom((n: number) => ` ${n}`, (n: number) => `${n} `, (n: number) => `${n},5`, (n: number) => `0x${n}`, (n: number) => `+${n}.5`, (n: number) => `0${n}`, (n: number) => `${n}_0`))
    .map(([n, f]) => f(n));
const nonInteger = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)), notNumberText, mistypedNumber, fc.boolean());
const unknownField = fc.stringMatching(/^[a-z][a-zA-Z]{2,10}$/).map((k) => `zz${k}`);

/** Latency thresholds in (0, 60] that are not bucket edges of the app's own histogram. */
let appBuckets: number[] = [];
const offBucket = fc.double({ min: 0.001, max: 60, noNaN: true }).filter((d) => !appBuckets.some((b) => Math.abs(b - d) < 1e-9));

// ---------------------------------------------------------------- invalid values, per key

const scalar = (key: string, value: fc.Arbitrary<string>): fc.Arbitrary<Case> =>
    fc.tuple(env, value).map(([e, v]) => ({ key, env: e, set: { [key]: v } }));
const field = (key: string, f: string, value: fc.Arbitrary<Json>): fc.Arbitrary<Case> =>
    fc.tuple(env, value).map(([e, v]) => ({ key, env: e, set: { [key]: withField(e, key, f, v) } }));
const whole = (key: string, value: fc.Arbitrary<string>): fc.Arbitrary<Case> => scalar(key, value);
const structured = (key: string, ...fields: Array<fc.Arbitrary<Case>>) =>
    fc.oneof(whole(key, key === "appSecrets" || key === "rbacRules" ? notAList : notAnObject), whole(key, notJson), ...fields);

const INVALID: Record<string, fc.Arbitrary<Case>> = {
    environment: scalar("environment", anyString.filter((s) => s !== "staging" && s !== "production")),
    appName: scalar("appName", fc.oneof(anyString, fc.stringMatching(/^[a-z]{41,50}$/)).filter((s) => !(DNS_LABEL.test(s) && s.length <= 40))),
    namespace: scalar("namespace", anyString.filter((s) => !DNS_LABEL.test(s))),
    domain: scalar("domain", fc.oneof(anyString, fc.stringMatching(/^[a-z0-9-]{1,10}$/)).filter((s) => !isDnsName(s))),
    logLevel: scalar("logLevel", anyString.filter((s) => !["debug", "info", "warn", "error"].includes(s))),
    kubernetesVersion: scalar("kubernetesVersion", fc.oneof(
        anyString,
        fc.integer({ min: 0, max: 99 }).map((n) => `1.${n}`),
        fc.integer({ min: 2, max: 9 }).map((n) => `${n}.30`),
        fc.constantFrom("1.3", "latest", "v2.34", "1.34.x"),
    ).filter((s) => !SUPPORTED_VERSION.test(s.trim()))),
    secretsRotation: scalar("secretsRotation", blank),
    replicas: scalar("replicas", fc.oneof(
        fc.integer({ max: 0 }).map(String),
        fc.integer({ min: 101 }).map(String),
        nonInteger.map(String),
    ).filter((s) => !(/^[1-9]\d*$/.test(s) && Number(s) <= 100))),

    image: structured("image",
        fc.tuple(env, fc.oneof(
            fc.constantFrom(`${REPO}:latest`, `${REPO}:latest@${DIGEST}`, REPO, "Not/A Ref", `${REPO}@sha256:abc`, ""),
            fc.stringMatching(/^[A-Z][a-zA-Z]{1,8}$/).map((s) => `${REPO}/${s}:1.0`),
        )).map(([e, ref]) => ({ key: "image", env: e, set: { image: json({ ref }) } })),
        fc.constant<Case>({ key: "image", env: "production", set: { image: json({ ref: `${REPO}:1.2.3` }) } }),
        fc.tuple(env, fc.constantFrom<Json>({}, { ref: `${REPO}@${DIGEST}`, build: { repository: REPO } }, { ref: `${REPO}@${DIGEST}`, registry: { server: "ghcr.io", username: "ci" } }))
            .map(([e, v]) => ({ key: "image", env: e, set: { image: json(v) } })),
        fc.tuple(env, fc.oneof(
            fc.record({ repository: fc.constantFrom(`${REPO}:1.0`, "Upper/Case", "") }),
            fc.record({ repository: fc.constant(REPO), tag: fc.constantFrom("latest", "-bad", "a b") }),
            fc.record({ repository: fc.constant(REPO), dockerfile: fc.constantFrom("../Dockerfile", "/etc/Dockerfile", "a/../../b") }),
            fc.record({ repository: fc.constant(REPO), platform: fc.constantFrom("amd64", "linux", "Linux/AMD64", "") }),
            fc.record({ repository: fc.constant(REPO), cacheFrom: fc.constant(["Not/Valid"]) }),
            fc.record({ repository: fc.constant(REPO), [`zzunknown`]: fc.constant(1) }),
        )).map(([e, build]) => ({ key: "image", env: e, set: { image: json({ build }) } })),
        fc.tuple(env, unknownField).map(([e, k]) => ({ key: "image", env: e, set: { image: withField(e, "image", k, 1) } })),
    ),
    autoscaling: structured("autoscaling",
        field("autoscaling", "minReplicas", fc.oneof(fc.integer({ max: 0 }), nonInteger)),
        field("autoscaling", "maxReplicas", fc.oneof(fc.integer({ max: 1 }), fc.integer({ min: 101 }), nonInteger)),
        field("autoscaling", "targetCpuUtilization", fc.oneof(fc.integer({ max: 9 }), fc.integer({ min: 101 }), nonInteger)),
        field("autoscaling", "targetMemoryUtilization", fc.oneof(fc.integer({ max: 9 }), fc.integer({ min: 101 }))),
        field("autoscaling", "enabled", nonBoolean),
        fc.constant<Case>({ key: "autoscaling", env: "production", set: { autoscaling: withField("production", "autoscaling", "minReplicas", 1) } }),
        fc.tuple(env, unknownField).map(([e, k]) => ({ key: "autoscaling", env: e, set: { autoscaling: withField(e, "autoscaling", k, 1) } })),
    ),
    resources: structured("resources",
        fc.tuple(env, fc.constantFrom("requests", "limits"), fc.constantFrom("cpu", "memory", "ephemeralStorage"), fc.oneof(notAQuantity, negativeQuantity, fc.constant(null)))
            .map(([e, set, r, v]) => ({ key: "resources", env: e, set: { resources: withField(e, "resources", `${set}.${r}`, v) } })),
        // A limit below its request: the request raised far above any limit.
        fc.tuple(env, fc.constantFrom<[string, string]>(["cpu", "64"], ["memory", "64Gi"], ["ephemeralStorage", "64Gi"]))
            .map(([e, [r, huge]]) => ({ key: "resources", env: e, set: { resources: withField(e, "resources", `requests.${r}`, huge) } })),
        // No room for the app's /tmp emptyDir.
        field("resources", "limits.ephemeralStorage", fc.constantFrom("1Mi", "32Mi", "64Mi")),
        fc.tuple(env, fc.constantFrom("requests", "limits")).map(([e, set]) => ({ key: "resources", env: e, set: { resources: withField(e, "resources", set, undefined) } })),
    ),
    ingress: structured("ingress",
        field("ingress", "rateLimitRps", fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 10_001 }), nonInteger)),
        field("ingress", "rateLimitConnections", fc.oneof(fc.integer({ max: 0 }), nonInteger)),
        field("ingress", "mode", anyString.filter((s) => s !== "nginx" && s !== "gateway")),
        field("ingress", "mode", fc.constant("gateway")),
        field("ingress", "corsAllowedOrigins", fc.array(fc.oneof(
            fc.constantFrom("*", "https://*.example.com", "http://app.example.com", "https://app.example.com/", "https://localhost", "null", "HTTPS://APP.EXAMPLE.COM"),
            fc.stringMatching(/^[a-z]{1,8}$/).map((h) => `https://${h}`),
        ), { minLength: 1, maxLength: 3 })),
        field("ingress", "bodySize", fc.oneof(fc.constantFrom("1 m", "1mb", "-1m", "m", ""), anyString.filter((s) => !/^\d+[kmg]?$/.test(s)))),
        field("ingress", "hstsMaxAgeSeconds", fc.oneof(fc.integer({ max: -1 }), fc.integer({ min: 63_072_001 }), nonInteger)),
        field("ingress", "className", fc.constant("")),
        field("ingress", "rateLimitRps", fc.constant(undefined)),
    ),
    tls: structured("tls",
        field("tls", "clusterIssuer", anyString.filter((s) => !DNS_LABEL.test(s))),
        field("tls", "acmeServer", fc.oneof(anyString, fc.constant("https://acme.example.com/directory"))),
        field("tls", "acmeEmail", fc.oneof(fc.constantFrom("ops", "ops@", "@example.com", "ops at example.com"), anyString.filter((s) => !/^[^@\s]+@[^@\s]+\.[a-z]+$/.test(s)))),
        fc.constant<Case>({ key: "tls", env: "production", set: { tls: json({ clusterIssuer: "letsencrypt-staging", acmeServer: "https://acme-staging-v02.api.letsencrypt.org/directory", acmeEmail: "ops@example.com" }) } }),
        fc.constant<Case>({ key: "tls", env: "production", set: { tls: withField("production", "tls", "clusterIssuer", "le-staging-issuer") } }),
    ),
    platform: fc.oneof(
        whole("platform", notAnObject),
        whole("platform", notJson),
        fc.tuple(env, fc.constantFrom("ingressNginx", "certManager", "kubePrometheusStack"), fc.constantFrom("4.x", "latest", "v1", "1.2", "", "^1.2.3", "1.2.3-rc.1"))
            .map(([e, chart, v]) => ({ key: "platform", env: e, set: { platform: json({ chartVersions: { [chart]: v } }) } })),
        fc.tuple(env, fc.constantFrom("4.10.6", "4.0.0", "3.41.0")).map(([e, v]) => ({ key: "platform", env: e, set: { platform: json({ installIngressNginx: true, chartVersions: { ingressNginx: v } }) } })),
        fc.tuple(env, fc.constantFrom("installIngressNginx", "installCertManager", "installKubePrometheusStack"), nonBoolean)
            .map(([e, k, v]) => ({ key: "platform", env: e, set: { platform: json({ [k]: v }) } })),
        fc.tuple(env, unknownField).map(([e, k]) => ({ key: "platform", env: e, set: { platform: json({ [k]: true }) } })),
    ),
    monitoring: structured("monitoring",
        field("monitoring", "availabilityObjective", fc.oneof(fc.double({ min: -1000, max: 90, noNaN: true }), fc.double({ min: 100, max: 1e6, noNaN: true }), notNumberText, mistypedNumber.map((t) => `9${t}`), fc.constantFrom(" 99.95", "99,95", "0x10", "", "+99.5", "99.95%", "9.995e1"))),
        field("monitoring", "latencyObjective", fc.oneof(fc.double({ min: 0, max: 90, noNaN: true }), fc.constant(100))),
        field("monitoring", "latencyThresholdSeconds", fc.oneof(offBucket, fc.constantFrom(0, -0.25, 120, "0.3", " 0.25", "0,25", ".25", "0x1"), notNumberText)),
        field("monitoring", "team", anyString.filter((s) => !DNS_LABEL.test(s))),
        field("monitoring", "pageSeverity", anyString.filter((s) => !["critical", "warning", "info"].includes(s))),
        field("monitoring", "alertReceiver", anyString.filter((s) => !["pagerduty", "slack", "webhook", "none"].includes(s))),
        fc.constant<Case>({ key: "monitoring", env: "production", set: { monitoring: withField("production", "monitoring", "alertReceiver", "none") } }),
        field("monitoring", "runbookBaseUrl", fc.constantFrom("http://runbooks.example.com", "not a url", "ftp://x.example.com", "")),
    ),
    networkPolicy: fc.oneof(
        whole("networkPolicy", notAnObject),
        fc.tuple(env, fc.oneof(
            fc.record({ ingressControllerNamespace: anyString.filter((s) => !DNS_LABEL.test(s)) }),
            fc.record({ extraEgress: fc.constant([{ cidr: "10.0.0.0/33", ports: [{ port: 5432 }] }]) }),
            fc.record({ extraEgress: fc.tuple(fc.constantFrom("10.0.0.0", "10.0.0.0/8/1", "not-a-cidr", "::1/128"), fc.integer({ min: 1, max: 65535 })).map(([cidr, port]) => [{ cidr, ports: [{ port }] }]) }),
            fc.record({ extraEgress: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 65536 })).map((port) => [{ cidr: "10.0.0.0/16", ports: [{ port }] }]) }),
            fc.record({ extraEgress: fc.constant([{ cidr: "10.0.0.0/16", ports: [] }]) }),
            fc.record({ extraEgress: fc.constant([{ cidr: "10.0.0.0/16", ports: [{ port: 53, protocol: "SCTP" }] }]) }),
        )).map(([e, v]) => ({ key: "networkPolicy", env: e, set: { networkPolicy: json(v) } })),
    ),
    appSecrets: structured("appSecrets",
        fc.tuple(env, fc.oneof(
            fc.record({ name: fc.constantFrom("session_key", "Session-Key", "session--key", "session-", "-x", "node-options", "app-greeting", "port", ""), length: fc.constant(32), kind: fc.constant("password") }),
            fc.record({ name: fc.constant("api-key"), length: fc.oneof(fc.integer({ max: 15 }), fc.integer({ min: 257 }), fc.double({ min: 16.1, max: 255.9, noNaN: true }).filter((d) => !Number.isInteger(d))), kind: fc.constant("password") }),
            fc.record({ name: fc.constant("api-key"), length: fc.constant(32), kind: anyString.filter((s) => s !== "password" && s !== "bytes") }),
            fc.record({ name: fc.constant("api-key"), length: fc.constant(32), kind: fc.constant("bytes"), special: fc.constant(true) }),
        )).map(([e, spec]) => ({ key: "appSecrets", env: e, set: { appSecrets: json([spec]) } })),
        fc.tuple(env, fc.constantFrom("password", "bytes")).map(([e, kind]) => ({ key: "appSecrets", env: e, set: { appSecrets: json([{ name: "twice", length: 32, kind: "password" }, { name: "twice", length: 32, kind }]) } })),
    ),
    appSettings: fc.oneof(
        whole("appSettings", notAnObject),
        fc.tuple(env, fc.oneof(
            fc.stringMatching(/^[A-Z][A-Z0-9_]{0,10}$/).chain((p) => fc.constantFrom("PASSWORD", "SECRET", "TOKEN", "KEY", "CREDENTIALS", "PRIVATE", "APIKEY").map((w) => ({ [`${p}_${w}`]: "value" }))),
            fc.constantFrom("DB_PASSWORD", "SESSION_KEY", "APP_API_TOKEN").map((k) => ({ [k]: "x" })),
            anyString.filter((k) => !/^[A-Z][A-Z0-9_]*$/.test(k)).map((k) => ({ [k]: "x" })),
            fc.constantFrom("-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ3ZWIifQ.c2lnbmF0dXJl").map((v) => ({ APP_UPSTREAM: v })),
            fc.oneof(fc.integer(), fc.boolean(), fc.constant(null)).map((v) => ({ APP_FLAG: v })),
        )).map(([e, v]) => ({ key: "appSettings", env: e, set: { appSettings: json(v) } })),
    ),
    storage: structured("storage",
        fc.tuple(env, fc.oneof(
            fc.record({ enabled: fc.constant(true), size: fc.oneof(notAQuantity, negativeQuantity, fc.constant("0")), mountPath: fc.constant("/data") }),
            fc.record({ enabled: fc.constant(true), size: fc.constant("1Gi"), mountPath: fc.constantFrom("data", "/tmp", "/tmp/", "", "/a b", "relative/path") }),
            fc.record({ enabled: nonBoolean }),
            fc.record({ zzsize: fc.constant("1Gi") }),
        )).map(([e, v]) => ({ key: "storage", env: e, set: { storage: json(v) } })),
    ),
    rbacRules: structured("rbacRules",
        fc.tuple(env, fc.oneof(
            fc.record({ apiGroups: fc.constant([""]), resources: fc.constant(["configmaps"]), verbs: fc.array(fc.constantFrom("create", "update", "patch", "delete", "deletecollection", "escalate", "bind", "impersonate", "*"), { minLength: 1, maxLength: 3 }) }),
            fc.record({ apiGroups: fc.constantFrom(["*"], [""]), resources: fc.constantFrom(["*"], ["pods/*"]), verbs: fc.constant(["get"]) }),
            fc.record({ apiGroups: fc.constant([""]), resources: fc.constant(["secrets"]), verbs: fc.constantFrom(["get"], ["list"], ["watch"], ["get", "list"]) }),
            fc.record({ apiGroups: fc.constant([""]), resources: fc.constant([]), verbs: fc.constant(["get"]) }),
            fc.record({ apiGroups: fc.constant([""]), resources: fc.constant(["pods"]), verbs: fc.constant([]) }),
            fc.record({ apiGroups: fc.constant([""]), resources: fc.constant(["pods"]), verbs: fc.constant(["get"]), resourceNames: fc.constant(["*"]) }),
        )).map(([e, rule]) => ({ key: "rbacRules", env: e, set: { rbacRules: json([rule]) } })),
    ),
    kubernetes: structured("kubernetes",
        fc.tuple(env, fc.oneof(
            fc.record({ context: fc.constant("") }),
            fc.record({ clusterIdentifier: fc.oneof(fc.integer(), fc.boolean()) }),
            fc.record({ renderYamlToDirectory: fc.constant("") }),
            unknownField.map((k) => ({ [k]: "x" })),
        )).map(([e, v]) => ({ key: "kubernetes", env: e, set: { kubernetes: json(v) } })),
    ),
    // Secrets: what makes them invalid is what they are set (or not set) with.
    kubeconfig: fc.tuple(env, fc.string({ minLength: 1, maxLength: 40 })).map(([e, kubeconfig]) => ({
        key: "kubeconfig", env: e, set: { kubernetes: json({ renderYamlToDirectory: "rendered" }) }, secrets: { kubeconfig },
    })),
    registryPassword: fc.tuple(env, fc.constantFrom<string | undefined>(undefined, "")).map(([e, password]) => ({
        key: "registryPassword", env: e,
        set: { image: json({ build: { repository: "registry.example.com/team/websvc" }, registry: { server: "registry.example.com", username: "ci" } }) },
        secrets: (password === undefined ? {} : { registryPassword: password }) as Record<string, string>,
    })),
    alertWebhookUrl: fc.tuple(fc.constantFrom<Env>("staging", "production"), fc.constantFrom<string | undefined>(undefined, "")).map(([e, url]) => ({
        key: "alertWebhookUrl", env: e, set: { platform: json({ installKubePrometheusStack: true }) },
        secrets: (url === undefined ? {} : { alertWebhookUrl: url }) as Record<string, string>,
    })),
};

// ---------------------------------------------------------------- running the program on a case

const STACK_FRAME = /\n\s+at .+\(?.+:\d+:\d+\)?/;
let cases = 0;

/** Runs index.ts with the case's config; returns the error it threw (or fails if it threw none). */
function runProgram(c: Case): Error {
    const config: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...BASES[c.env], ...c.set })) if (v !== undefined) config[`${UNIT_PROJECT}:${k}`] = v;
    const secretKeys: string[] = [];
    for (const [k, v] of Object.entries(c.secrets ?? {})) {
        config[`${UNIT_PROJECT}:${k}`] = v;
        secretKeys.push(`${UNIT_PROJECT}:${k}`);
    }
    pulumi.runtime.setAllConfig(config, secretKeys);
    try {
        evaluateProgram();
    } catch (e) {
        return e as Error;
    }
    throw new Error(`the program accepted ${JSON.stringify(c)}`);
}

describe(`config boundary fuzz (fast-check, ${RUNS_PER_KEY} generated invalid values per key, through index.ts)`, function () {
    this.timeout(120_000);
    before(async () => {
        const { registry, requestDuration } = createMetrics();
        requestDuration.observe({ method: "GET", route: "/", status_code: "200" }, 0.01);
        const histogram = (await registry.getMetricsAsJSON()).find((m) => m.name === "http_request_duration_seconds")!;
        appBuckets = (histogram.values as Array<{ labels: Record<string, unknown> }>)
            .map((v) => v.labels.le).filter((le): le is number => typeof le === "number" && Number.isFinite(le));
        assert.ok(appBuckets.length > 3, "could not read the app's histogram buckets");
        await recorder.settled();
    });
    after(() => pulumi.runtime.setAllConfig({}, []));

    it("the base configurations (the real stack files) pass, so every failure below is the generated value's", async () => {
        for (const e of ["staging", "production"] as const) {
            const before = recorder.resources.length;
            pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(BASES[e]).map(([k, v]) => [`${UNIT_PROJECT}:${k}`, v])), []);
            evaluateProgram();
            await recorder.settled();
            assert.ok(recorder.resources.length > before, `the ${e} base registered nothing`);
        }
    });

    it("covers every key the program reads (Pulumi.yaml's declarations)", () => {
        const { declarations } = loadStackConfig(ROOT, "production");
        assert.deepEqual(Object.keys(INVALID).sort(), Object.keys(declarations).sort());
    });

    for (const [key, arbitrary] of Object.entries(INVALID)) {
        it(`websvc:${key}: every generated invalid value ends in a config error naming it and the stack, with no stack trace and nothing registered`, async () => {
            await recorder.settled();
            const before = recorder.resources.length;
            fc.assert(fc.property(arbitrary, (c) => {
                cases++;
                const error = runProgram(c);
                const problems: string[] = (error as { problems?: string[] }).problems ?? [];
                const named = problems.filter((p) => p === `websvc:${key}` || new RegExp(`^websvc:${key}[ .\\[]`).test(p));
                return error.name === "ConfigError"
                    && named.length > 0
                    && problems.every((p) => p.endsWith(`(stack ${UNIT_STACK})`))
                    && !STACK_FRAME.test(error.message)
                    && recorder.resources.length === before;
            }), { numRuns: RUNS_PER_KEY });
            await recorder.settled();
            assert.equal(recorder.resources.length, before, "resources were registered");
        });
    }

    it(`ran at least 200 cases in all`, () => {
        assert.ok(cases >= 200, `only ${cases} cases ran`);
    });
});

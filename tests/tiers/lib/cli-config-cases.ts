// What the engine tier's CLI check writes with the real `pulumi config set --path`, for every nested
// key Pulumi.yaml declares (tests/config/declared-keys.ts reads them): a valid text (and the --type
// to write it with), an invalid text, and whether config.ts refuses that invalid value by its shape
// (zod) or by a component's rule (rules run only once the shape is valid, so the two are batched
// apart). Keys are grouped in profiles whose valid values can stand together on one stack.
// tests/config/cli-config-cases.test.ts holds this table to Pulumi.yaml and checks every case
// offline with synth's mirror of the CLI; the engine tier checks them with the real CLI.
import type { CliValueType } from "../../../scripts/lib/config-path";

/**
 * main: the staging stack with every plain key; gateway: the Gateway API mode; context: a kubeconfig
 * context name (the provider reads it even in render mode); build: an image built from source (needs
 * the docker provider, which cannot be built here: preview must stop there, past config);
 * secrets: generated secrets (the random provider: the real one, or the tiers' TEST STAND-IN, so its
 * preview must pass like main's).
 */
export type Profile = "main" | "gateway" | "context" | "build" | "secrets";
/**
 * Profiles whose valid values cannot be previewed in render mode, and the key config.ts then names:
 * a kubeconfig context and renderYamlToDirectory exclude each other (the provider refuses the pair).
 */
export const REFUSED_IN_RENDER_MODE: Partial<Record<Profile, string>> = { context: "kubernetes.context" };
/** Profiles whose preview cannot pass on this machine, and the provider it stops at. */
export const NEEDS_PROVIDER: Partial<Record<Profile, string>> = { build: "pulumi-resource-docker" };

export interface CliCase {
    /** The declared leaf ("networkPolicy.extraEgress[].ports[].port"). */
    leaf: string;
    /** The path given to `pulumi config set --path` (list items at [0], a map key for a map). */
    path: string;
    profile: Profile;
    valid: string;
    type: CliValueType;
    invalid: string;
    /** "shape": refused by config.ts's schema; "rule": by a component's rule. */
    refusedBy: "shape" | "rule";
    /** What the refusal must say besides the key and the stack (the expected form, the allowed values). */
    says?: RegExp;
}

const c = (leaf: string, profile: Profile, valid: string, type: CliValueType, invalid: string, refusedBy: "shape" | "rule", path = leaf.replace(/\[\]/g, "[0]"), says?: RegExp): CliCase =>
    ({ leaf, path, profile, valid, type, invalid, refusedBy, says });
const TRUE_OR_FALSE = /must be true or false/;
/** The expected form of a numeric field as config.ts words it for text that is not a number. */
const DECIMAL_FORM = /written as a number or as decimal text such as "99\.95"/;
const INTEGER_FORM = /written as a number or as plain digits such as "100"/;
const DIGEST = `sha256:${"5e".repeat(32)}`;

export const CLI_CASES: readonly CliCase[] = [
    c("image.ref", "main", `registry.example.com/websvc/app@${DIGEST}`, "string", "registry.example.com/websvc/app:latest", "rule"),
    c("image.build.context", "build", "./app", "string", "", "shape"),
    c("image.build.dockerfile", "build", "Dockerfile", "string", "../Dockerfile", "rule"),
    c("image.build.target", "build", "runtime", "string", "42", "shape"),
    c("image.build.platform", "build", "linux/amd64", "string", "amd64", "rule"),
    c("image.build.cacheFrom", "build", "registry.example.com/team/websvc:cache", "string", "Not/Valid", "rule", "image.build.cacheFrom[0]"),
    c("image.build.repository", "build", "registry.example.com/team/websvc", "string", "Upper/Case", "rule"),
    c("image.build.tag", "build", "1.2.3", "string", "-bad", "rule"),
    c("image.registry.server", "build", "registry.example.com", "string", "", "shape"),
    c("image.registry.username", "build", "ci", "string", "", "shape"),
    c("autoscaling.enabled", "main", "true", "bool", "yes", "shape", undefined, TRUE_OR_FALSE),
    c("autoscaling.minReplicas", "main", "2", "int", "0100", "shape", undefined, /must be an integer .* without leading zeros .*: write 100/),
    c("autoscaling.maxReplicas", "main", "5", "int", "100000", "shape", undefined, /must be an integer <= 100 \(a replica count\)/),
    c("autoscaling.targetCpuUtilization", "main", "75", "int", "150", "shape"),
    c("autoscaling.targetMemoryUtilization", "main", "85", "int", "5", "shape"),
    c("resources.requests.cpu", "main", "50m", "string", "lots", "rule"),
    c("resources.requests.memory", "main", "96Mi", "string", "12MB", "rule"),
    c("resources.requests.ephemeralStorage", "main", "64Mi", "string", "1 Gi", "rule"),
    c("resources.limits.cpu", "main", "0.5", "string", "1e", "rule"),
    c("resources.limits.memory", "main", "192Mi", "string", "-1Mi", "rule"),
    c("resources.limits.ephemeralStorage", "main", "128Mi", "string", "1e3.5", "rule"),
    c("ingress.mode", "main", "nginx", "string", "traefik", "shape"),
    c("ingress.className", "main", "nginx", "string", "", "shape"),
    c("ingress.gateway.name", "gateway", "public", "string", "Public", "shape"),
    c("ingress.gateway.namespace", "gateway", "gateways", "string", "Gateways", "shape"),
    c("ingress.gateway.sectionName", "gateway", "https", "string", "", "shape"),
    c("ingress.rateLimitRps", "main", "50", "int", " 50", "shape", undefined, INTEGER_FORM),
    c("ingress.rateLimitConnections", "main", "20", "int", "10,5", "shape", undefined, INTEGER_FORM),
    c("ingress.bodySize", "main", "2m", "string", "1 m", "shape"),
    c("ingress.corsAllowedOrigins", "main", "https://app.example.com", "string", "*", "rule", "ingress.corsAllowedOrigins[0]"),
    c("ingress.hstsMaxAgeSeconds", "main", "300", "int", "0x10", "shape", undefined, INTEGER_FORM),
    c("tls.clusterIssuer", "main", "letsencrypt-staging", "string", "Letsencrypt", "shape"),
    c("tls.acmeServer", "main", "https://acme-staging-v02.api.letsencrypt.org/directory", "string", "https://acme.example.com/directory", "shape"),
    c("tls.acmeEmail", "main", "platform-team@example.com", "string", "ops", "shape"),
    c("platform.installIngressNginx", "main", "false", "bool", "yes", "shape", undefined, TRUE_OR_FALSE),
    c("platform.installCertManager", "main", "false", "bool", "no", "shape", undefined, TRUE_OR_FALSE),
    c("platform.installKubePrometheusStack", "main", "false", "bool", "False", "shape", undefined, TRUE_OR_FALSE),
    c("platform.chartVersions.ingressNginx", "main", "4.13.3", "string", "latest", "rule"),
    c("platform.chartVersions.certManager", "main", "v1.19.1", "string", "^1.19", "rule"),
    c("platform.chartVersions.kubePrometheusStack", "main", "79.1.0", "string", "79.x", "rule"),
    c("monitoring.prometheusRelease", "main", "kube-prometheus-stack", "string", "", "shape"),
    c("monitoring.prometheusNamespace", "main", "monitoring", "string", "Monitoring", "shape"),
    // The cases: floats, which the CLI stores as strings unless --type float.
    c("monitoring.availabilityObjective", "main", "99.95", "float", " 99.95", "shape", undefined, DECIMAL_FORM),
    c("monitoring.latencyObjective", "main", "99.5", "float", "99,5", "shape", undefined, DECIMAL_FORM),
    // Not a bucket edge: the refusal lists the edges (the app's histogram, app/src/metrics.ts).
    c("monitoring.latencyThresholdSeconds", "main", "0.25", "float", "0.3", "rule", undefined, /0\.3 is not a bucket boundary .*\(buckets: 0\.005, 0\.01, 0\.025, 0\.05, 0\.1, 0\.25, 0\.5, 1, 2\.5, 5, 10\)/),
    c("monitoring.team", "main", "web", "string", "Web", "shape"),
    c("monitoring.pageSeverity", "main", "warning", "string", "urgent", "shape"),
    c("monitoring.ticketSeverity", "main", "info", "string", "low", "shape"),
    c("monitoring.alertReceiver", "main", "slack", "string", "email", "shape"),
    c("monitoring.runbookBaseUrl", "main", "https://runbooks.example.com/websvc", "string", "http://runbooks.example.com", "shape"),
    c("monitoring.kubernetesMixinAlerts", "main", "true", "bool", "on", "shape", undefined, TRUE_OR_FALSE),
    c("networkPolicy.ingressControllerNamespace", "main", "ingress-nginx", "string", "Ingress", "shape"),
    c("networkPolicy.extraEgress[].cidr", "main", "10.20.0.0/16", "string", "10.20.0.0/33", "shape"),
    c("networkPolicy.extraEgress[].ports[].port", "main", "5432", "int", "0x10", "shape", undefined, INTEGER_FORM),
    c("networkPolicy.extraEgress[].ports[].protocol", "main", "TCP", "string", "SCTP", "shape", undefined, /must be "TCP" or "UDP"/),
    c("appSecrets[].name", "secrets", "api-key", "string", "Session_Key", "rule"),
    c("appSecrets[].length", "secrets", "32", "int", "016", "shape", undefined, /without leading zeros .*: write 16/),
    c("appSecrets[].kind", "secrets", "password", "string", "pin", "rule"),
    c("appSecrets[].special", "secrets", "true", "bool", "yes", "shape", undefined, TRUE_OR_FALSE),
    c("appSettings", "main", "hello", "string", "x", "rule", "appSettings.GREETING"),
    c("storage.enabled", "main", "true", "bool", "yes", "shape", undefined, TRUE_OR_FALSE),
    c("storage.size", "main", "2Gi", "string", "-1Gi", "rule"),
    c("storage.storageClassName", "main", "standard", "string", "123", "shape"),
    c("storage.mountPath", "main", "/data", "string", "/tmp", "rule"),
    c("rbacRules[].apiGroups", "main", "apps", "string", "123", "shape", "rbacRules[0].apiGroups[0]"),
    c("rbacRules[].resources", "main", "deployments", "string", "*", "rule", "rbacRules[0].resources[0]"),
    c("rbacRules[].verbs", "main", "get", "string", "delete", "rule", "rbacRules[0].verbs[0]"),
    c("rbacRules[].resourceNames", "main", "websvc-staging", "string", "*", "rule", "rbacRules[0].resourceNames[0]"),
    c("kubernetes.context", "context", "kind-websvc", "string", "", "shape"),
    c("kubernetes.clusterIdentifier", "main", "engine-cli-config", "string", "42", "shape"),
    // The render directory is set by the tier on every stack (render mode); this writes it the same way.
    c("kubernetes.renderYamlToDirectory", "main", "<render>", "string", "", "shape"),
];

/**
 * The config keys a refusal of the case's invalid value may name: its path, or the list or map
 * holding it (a rule about a whole list names the list: "rbacRules[0].resources must not use wildcards").
 */
export function refusedKeys(k: CliCase): string[] {
    const p = INVALID_PATH[k.leaf] ?? k.path;
    return [...new Set([p, p.replace(/\[0\]$/, ""), p.replace(/\.[A-Z_]+$/, "")])];
}

/**
 * Whether a line of output is the refusal a case expects: it names one of refusedKeys and the stack,
 * says what `says` requires, and, for a value the schema refuses, shows the value as the stack file
 * holds it (`got " 99.95"`: for text, exactly what was typed).
 */
export function isRefusal(k: CliCase, line: string, stack: string, stored: unknown): boolean {
    return refusedKeys(k).some((key) => line.includes(`websvc:${key} `))
        && line.includes(`(stack ${stack})`)
        && (k.says === undefined || k.says.test(line))
        && (k.refusedBy !== "shape" || line.includes(`got ${JSON.stringify(stored)}`));
}

/** A secret-looking setting name for the appSettings case's invalid value (the path differs). */
export const INVALID_PATH: Partial<Record<string, string>> = { appSettings: "appSettings.DB_PASSWORD" };

/** Values a profile needs besides its cases' (set first, with --path), and paths it removes. */
export const PROFILE_SETUP: Record<Profile, { set?: Array<[string, string]>; rm?: string[]; secrets?: Array<[string, string]> }> = {
    main: {},
    gateway: { set: [["ingress.mode", "gateway"]] },
    context: {},
    build: { rm: ["image.ref"], secrets: [["registryPassword", "engine-test-only"]] },
    secrets: {},
};

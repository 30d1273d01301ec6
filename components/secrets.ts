// Generated application secrets, delivered to the pods only as secretKeyRef environment variables.
//
// Each secret is a random.RandomPassword or random.RandomBytes whose keeper is the `rotation`
// string: changing it replaces every generator, so every value is new. All values land in ONE
// Kubernetes Secret (stringData, wrapped in pulumi.secret, so Pulumi state holds them encrypted).
// Nothing else sees a value: the outputs are the Secret's name, the key references and a rollout
// checksum computed from the rotation and the spec list (never from the values), which the
// workload puts in its pod-template annotations so a rotation rolls the pods.
import { REPLACED_BY_DESIGN } from "./lib/protection";
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { SETTING_PREFIX, type SecretEnvRef } from "./lib/app-config";
import { refuseInvalidArgs, under, type ArgProblem } from "./lib/problems";

export const APP_SECRETS_TYPE = "websvc:secrets:AppSecrets";

export type AppSecretKind = "password" | "bytes";

export interface AppSecretSpec {
    /** kebab-case; the Secret key. The env var is its SCREAMING_SNAKE form (session-key → SESSION_KEY). */
    name: string;
    /** Characters for a password, bytes (base64-encoded in the Secret) for bytes. */
    length: number;
    kind: AppSecretKind;
    /** Passwords only: include punctuation. Default false (values often end up in URLs or DSNs). */
    special?: boolean;
}

export interface AppSecretsArgs {
    namespace: pulumi.Input<string>;
    secrets: AppSecretSpec[];
    /** Keeper for every generator: change it (e.g. "2026-11") to rotate all values. */
    rotation: string;
    labels?: Record<string, string>;
}

const KEBAB_CASE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const MAX_NAME_LENGTH = 63;
/** Shorter values are guessable; the same floor as the stack config. */
export const MIN_SECRET_LENGTH = 16;
export const MAX_SECRET_LENGTH = 256;
const KINDS: readonly AppSecretKind[] = ["password", "bytes"];
// Variables the app or the Node runtime reads for other purposes: a secret must never shadow them.
const RESERVED_ENV_NAMES = new Set([
    "HOST", "PORT", "METRICS_PORT", "LOG_LEVEL", "SHUTDOWN_TIMEOUT_SECONDS", "SHUTDOWN_DELAY_SECONDS",
    "ENABLE_TEST_ENDPOINTS", "NODE_ENV", "NODE_OPTIONS", "PATH", "HOME",
]);

/** session-key → SESSION_KEY. */
export function envNameFor(secretName: string): string {
    return secretName.toUpperCase().replace(/-/g, "_");
}

/** The specs' problems, with paths such as "[0].length" (prefix them with the arg's name). */
export function secretSpecProblems(specs: readonly AppSecretSpec[]): ArgProblem[] {
    const problems: ArgProblem[] = [];
    const seen = new Set<string>();
    specs.forEach((spec, index) => {
        const at = (field: string) => `[${index}].${field}`;
        if (typeof spec.name !== "string" || !KEBAB_CASE.test(spec.name) || spec.name.length > MAX_NAME_LENGTH) {
            problems.push({ path: at("name"), message: `must be kebab-case (a-z, 0-9, single '-' between words), starting with a letter, at most ${MAX_NAME_LENGTH} characters, got ${JSON.stringify(spec.name)}` });
        } else if (seen.has(spec.name)) {
            problems.push({ path: at("name"), message: `${JSON.stringify(spec.name)} is listed twice; each secret needs its own key` });
        } else {
            const envName = envNameFor(spec.name);
            if (RESERVED_ENV_NAMES.has(envName)) {
                problems.push({ path: at("name"), message: `${JSON.stringify(spec.name)} gives env var ${envName}, which is reserved for runtime configuration; choose another name` });
            } else if (envName.startsWith(SETTING_PREFIX)) {
                problems.push({ path: at("name"), message: `${JSON.stringify(spec.name)} gives env var ${envName}, which starts with ${SETTING_PREFIX}, which the app treats as non-secret configuration; choose another name` });
            }
        }
        if (typeof spec.name === "string") seen.add(spec.name);
        if (!KINDS.includes(spec.kind)) problems.push({ path: at("kind"), message: `must be "password" or "bytes", got ${JSON.stringify(spec.kind)}` });
        if (!Number.isInteger(spec.length) || spec.length < MIN_SECRET_LENGTH || spec.length > MAX_SECRET_LENGTH) {
            problems.push({ path: at("length"), message: `must be an integer from ${MIN_SECRET_LENGTH} to ${MAX_SECRET_LENGTH}, got ${JSON.stringify(spec.length)}` });
        }
        // special: false is accepted on bytes (config schemas default it for every spec); true is a mistake.
        if (spec.kind === "bytes" && spec.special === true) {
            problems.push({ path: at("special"), message: "applies to passwords only; bytes are base64-encoded" });
        }
    });
    return problems;
}

/** The rotation keeper's problem: it must be a non-empty string. */
export function rotationProblems(rotation: unknown, path = "rotation"): ArgProblem[] {
    return typeof rotation === "string" && rotation.trim() !== ""
        ? []
        : [{ path, message: `must be a non-empty string (change it to rotate every secret), got ${JSON.stringify(rotation)}` }];
}

/** Specs with defaults applied (special only for passwords). */
export function normalizedSecretSpecs(specs: readonly AppSecretSpec[]): Required<AppSecretSpec>[] {
    return specs.map((spec) => ({ name: spec.name, length: spec.length, kind: spec.kind, special: spec.kind === "password" && spec.special === true }));
}

/** Every rule AppSecrets' args must meet, as problems with paths into the args. */
export function appSecretsArgsProblems(args: Pick<AppSecretsArgs, "secrets" | "rotation">): ArgProblem[] {
    const problems = rotationProblems(args.rotation);
    if (args.secrets.length === 0) {
        problems.push({ path: "secrets", message: "must list at least one secret spec; omit the component when the app needs no secrets" });
    }
    return [...problems, ...under("secrets", secretSpecProblems(args.secrets))];
}

/**
 * sha256 over the rotation keeper and the normalised spec list, never over values: a pod-template
 * annotation that changes exactly when the Secret's contents are regenerated or reshaped. Spec
 * order does not matter (it changes no value).
 */
export function secretsRolloutChecksum(rotation: string, specs: Required<AppSecretSpec>[]): string {
    const canonical = [...specs]
        .sort((a, b) => a.name.localeCompare(b.name))
        .map(({ name, length, kind, special }) => ({ name, length, kind, special }));
    return crypto.createHash("sha256").update(JSON.stringify({ rotation, secrets: canonical })).digest("hex");
}

export class AppSecrets extends pulumi.ComponentResource {
    /** metadata.name of the Secret holding every value. */
    readonly secretName: pulumi.Output<string>;
    /** One secretKeyRef per spec, in spec order. */
    readonly envFrom: SecretEnvRef[];
    /** For the workload's pod-template annotation; changes on rotation, never reveals a value. */
    readonly rolloutChecksum: pulumi.Output<string>;

    constructor(name: string, args: AppSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate before registering, so a bad spec leaves no half-built component behind.
        refuseInvalidArgs("AppSecrets", name, appSecretsArgsProblems(args));
        const specs = normalizedSecretSpecs(args.secrets);
        super(APP_SECRETS_TYPE, name, {}, opts);

        const keepers = { rotation: args.rotation };
        // Never protected, even under a protected parent: a rotation replaces them by design (the Secret
        // they feed is what a protected stack keeps).
        const generatorOpts = { parent: this, ...REPLACED_BY_DESIGN };
        const values: Record<string, pulumi.Output<string>> = {};
        for (const spec of specs) {
            const generatorName = `${name}-${spec.name}`;
            values[spec.name] =
                spec.kind === "password"
                    ? new random.RandomPassword(generatorName, { length: spec.length, special: spec.special, keepers }, generatorOpts).result
                    : new random.RandomBytes(generatorName, { length: spec.length, keepers }, generatorOpts).base64;
        }

        const secret = new k8s.core.v1.Secret(
            name,
            {
                metadata: { namespace: args.namespace, labels: args.labels },
                type: "Opaque",
                // pulumi.secret on the whole map: the values are secret whatever the generators report.
                stringData: pulumi.secret(pulumi.all(values)),
            },
            // Replaced by the provider when its data changes (a rotation): never protected either.
            { parent: this, additionalSecretOutputs: ["data", "stringData"], ...REPLACED_BY_DESIGN },
        );

        this.secretName = secret.metadata.name;
        this.envFrom = specs.map((spec) => ({
            envName: envNameFor(spec.name),
            secretKeyRef: { name: this.secretName, key: spec.name },
        }));
        this.rolloutChecksum = pulumi.output(secretsRolloutChecksum(args.rotation, specs));
        this.registerOutputs({ secretName: this.secretName, envFrom: this.envFrom, rolloutChecksum: this.rolloutChecksum });
    }
}

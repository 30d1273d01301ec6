// Generated application secrets, delivered to the pods only as secretKeyRef environment variables.
//
// Each secret is a random.RandomPassword or random.RandomBytes whose keeper is the `rotation`
// string: changing it replaces every generator, so every value is new. All values land in ONE
// Kubernetes Secret (stringData, wrapped in pulumi.secret, so Pulumi state holds them encrypted).
// Nothing else sees a value: the outputs are the Secret's name, the key references and a rollout
// checksum computed from the rotation and the spec list (never from the values), which the
// workload puts in its pod-template annotations so a rotation rolls the pods.
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";

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

/** A secret environment variable as the workload consumes it: a reference, never a value. */
export interface SecretEnvRef {
    envName: string;
    secretKeyRef: { name: pulumi.Output<string>; key: string };
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
// The app treats APP_* as non-secret ConfigMap settings (and may echo some of them).
const CONFIG_ENV_PREFIX = "APP_";

/** session-key → SESSION_KEY. */
export function envNameFor(secretName: string): string {
    return secretName.toUpperCase().replace(/-/g, "_");
}

/** Throws an Error naming the offending entry; returns the specs with defaults applied. */
export function validateSecretSpecs(specs: AppSecretSpec[]): Required<AppSecretSpec>[] {
    if (specs.length === 0) {
        throw new Error("AppSecrets needs at least one secret spec; omit the component when the app needs no secrets");
    }
    const seen = new Set<string>();
    return specs.map((spec, index) => {
        const where = `secrets[${index}] (${JSON.stringify(spec.name)})`;
        if (typeof spec.name !== "string" || !KEBAB_CASE.test(spec.name) || spec.name.length > MAX_NAME_LENGTH) {
            throw new Error(`${where}: name must be kebab-case (a-z, 0-9, single '-' between words), starting with a letter, at most ${MAX_NAME_LENGTH} characters`);
        }
        if (seen.has(spec.name)) throw new Error(`${where}: duplicate name; each secret needs its own key`);
        seen.add(spec.name);
        const envName = envNameFor(spec.name);
        if (RESERVED_ENV_NAMES.has(envName)) {
            throw new Error(`${where}: env var ${envName} is reserved for runtime configuration; choose another name`);
        }
        if (envName.startsWith(CONFIG_ENV_PREFIX)) {
            throw new Error(`${where}: env var ${envName} starts with ${CONFIG_ENV_PREFIX}, which the app treats as non-secret configuration; choose another name`);
        }
        if (!KINDS.includes(spec.kind)) throw new Error(`${where}: kind must be "password" or "bytes", got ${JSON.stringify(spec.kind)}`);
        if (!Number.isInteger(spec.length) || spec.length < MIN_SECRET_LENGTH || spec.length > MAX_SECRET_LENGTH) {
            throw new Error(`${where}: length must be an integer from ${MIN_SECRET_LENGTH} to ${MAX_SECRET_LENGTH}, got ${spec.length}`);
        }
        // special: false is accepted on bytes (config schemas default it for every spec); true is a mistake.
        if (spec.kind === "bytes" && spec.special === true) {
            throw new Error(`${where}: special applies to passwords only; bytes are base64-encoded`);
        }
        return { name: spec.name, length: spec.length, kind: spec.kind, special: spec.kind === "password" && spec.special === true };
    });
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

function validateArgs(name: string, args: AppSecretsArgs): Required<AppSecretSpec>[] {
    if (typeof args.rotation !== "string" || args.rotation.trim() === "") {
        throw new Error(`AppSecrets ${name}: rotation must be a non-empty string (change it to rotate every secret)`);
    }
    return validateSecretSpecs(args.secrets);
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
        const specs = validateArgs(name, args);
        super(APP_SECRETS_TYPE, name, {}, opts);

        const keepers = { rotation: args.rotation };
        const values: Record<string, pulumi.Output<string>> = {};
        for (const spec of specs) {
            const generatorName = `${name}-${spec.name}`;
            values[spec.name] =
                spec.kind === "password"
                    ? new random.RandomPassword(generatorName, { length: spec.length, special: spec.special, keepers }, { parent: this }).result
                    : new random.RandomBytes(generatorName, { length: spec.length, keepers }, { parent: this }).base64;
        }

        const secret = new k8s.core.v1.Secret(
            name,
            {
                metadata: { namespace: args.namespace, labels: args.labels },
                type: "Opaque",
                // pulumi.secret on the whole map: the values are secret whatever the generators report.
                stringData: pulumi.secret(pulumi.all(values)),
            },
            { parent: this, additionalSecretOutputs: ["data", "stringData"] },
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

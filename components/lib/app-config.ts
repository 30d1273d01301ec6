// The app's runtime configuration: the ConfigMap of non-secret settings (and the checksum that
// rolls the pods when it changes), the names settings may have, and the Secret references that
// carry everything secret. A setting that looks like a credential is refused: it belongs in a Secret.
import * as crypto from "crypto";
import type * as pulumi from "@pulumi/pulumi";
import { APP_PORT, METRICS_PORT } from "./app-contract";
import type { Environment } from "./environment";
import type { ShutdownPlan } from "./rollout";
import type { ArgProblem } from "./problems";

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const CONFIG_CHECKSUM_ANNOTATION = "checksum/config";
export const SECRETS_CHECKSUM_ANNOTATION = "checksum/secrets";

/** Settings whose name contains one of these words belong in a Secret, not in the ConfigMap. */
export const SECRET_LOOKING_WORDS = ["SECRET", "PASSWORD", "PASSWD", "TOKEN", "KEY", "APIKEY", "CREDENTIAL", "CREDENTIALS", "PRIVATE"] as const;
/** The app treats APP_* variables as non-secret settings (and may echo some of them). */
export const SETTING_PREFIX = "APP_";

/** One secret environment variable: always a reference, never a value (AppSecrets.envFrom, Workload secretEnv). */
export interface SecretEnvRef {
    envName: string;
    secretKeyRef: { name: pulumi.Input<string>; key: string };
}

// Values that are credentials whatever their key is called: PEM private keys and JWTs.
const SECRET_LOOKING_VALUES = [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/];
/** Settings are SCREAMING_SNAKE_CASE, like every variable the app reads. */
const SETTING_NAME = /^[A-Z][A-Z0-9_]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** True for names such as SESSION_KEY or APP_DB_PASSWORD, which must come from a Secret. */
export function looksSecret(envName: string): boolean {
    const words = envName.toUpperCase().split(/[^A-Z0-9]+/);
    return words.some((w) => (SECRET_LOOKING_WORDS as readonly string[]).includes(w));
}

/** True for a value that is itself a credential (a PEM private key, a JWT). */
export function looksSecretValue(value: string): boolean {
    return SECRET_LOOKING_VALUES.some((pattern) => pattern.test(value.trim()));
}

/** The APP_* variable name for a setting key ("GREETING" and "APP_GREETING" both give "APP_GREETING"). */
export function appSettingName(key: string): string {
    return key.startsWith(SETTING_PREFIX) ? key : `${SETTING_PREFIX}${key}`;
}

/** sha256 of the data with sorted keys, so the same settings always give the same pod template. */
export function contentChecksum(data: Record<string, string>): string {
    const canonical = JSON.stringify(Object.keys(data).sort().map((k) => [k, data[k]]));
    return crypto.createHash("sha256").update(canonical).digest("hex");
}

/** Setting names and values: SCREAMING_SNAKE_CASE names, strings, nothing that looks like a credential. */
export function appSettingsProblems(settings: Record<string, unknown>): ArgProblem[] {
    const problems: ArgProblem[] = [];
    for (const [key, value] of Object.entries(settings)) {
        if (!SETTING_NAME.test(key)) {
            problems.push({ path: "", message: `key ${JSON.stringify(key)} must be a SCREAMING_SNAKE_CASE environment variable name` });
        } else if (typeof value !== "string") {
            problems.push({ path: key, message: `must be a string, got ${JSON.stringify(value)}` });
        } else if (looksSecret(appSettingName(key)) || looksSecretValue(value)) {
            problems.push({ path: "", message: `key ${JSON.stringify(key)} looks like a secret; pass it through secretEnv (a Secret reference), never a ConfigMap` });
        }
    }
    return problems;
}

/** Secret references: valid, unique variable names that no ConfigMap setting also sets. */
export function secretEnvProblems(secretEnv: readonly SecretEnvRef[], configData: Record<string, string>): ArgProblem[] {
    const problems: ArgProblem[] = [];
    const seen = new Set<string>();
    secretEnv.forEach((v, i) => {
        const path = `[${i}].envName`;
        if (!ENV_NAME.test(v.envName)) problems.push({ path, message: `must be a valid environment variable name, got ${JSON.stringify(v.envName)}` });
        else if (v.envName in configData) problems.push({ path, message: `${v.envName} collides with a ConfigMap setting` });
        else if (seen.has(v.envName)) problems.push({ path, message: `${v.envName} is listed twice; secretEnv names must be unique` });
        seen.add(v.envName);
    });
    return problems;
}

/** The ConfigMap's content: the app's runtime settings (never secrets). Call after appSettingsProblems found nothing. */
export function appConfigData(options: {
    appName: string;
    environment: Environment;
    logLevel: LogLevel;
    shutdown: ShutdownPlan;
    appSettings: Record<string, string>;
}): Record<string, string> {
    const data: Record<string, string> = {
        APP_NAME: options.appName,
        APP_ENVIRONMENT: options.environment,
    };
    for (const [key, value] of Object.entries(options.appSettings)) data[appSettingName(key)] = value;
    // Runtime settings last: an app setting can never override them (they are not APP_* anyway).
    data.LOG_LEVEL = options.logLevel;
    data.PORT = String(APP_PORT);
    data.METRICS_PORT = String(METRICS_PORT);
    data.SHUTDOWN_TIMEOUT_SECONDS = String(options.shutdown.shutdownTimeoutSeconds);
    if (options.shutdown.appShutdownDelaySeconds !== undefined) {
        data.SHUTDOWN_DELAY_SECONDS = String(options.shutdown.appShutdownDelaySeconds);
    }
    return data;
}

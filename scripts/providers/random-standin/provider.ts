// TEST STAND-IN for the `random` resource provider (pulumi-resource-random), like kwok for kubelets:
// the Go module proxy refuses github.com/pulumi/pulumi-random, so the real provider cannot be built
// here, and without one the engine cannot run `components/secrets.ts` (RandomPassword, RandomBytes).
// This plugin serves exactly the two tokens that component uses, with the inputs, outputs and
// replacement rules of pulumi-random v4, so the engine and cluster tiers can deploy `appSecrets`
// as configured. It is NOT a provider for real stacks:
//   - it starts only when WEBSVC_RANDOM_STANDIN=tests-only (the tiers set it; bin/pulumi-resource-random
//     refuses otherwise), and only the tiers put its bin/ on PATH, so a user's `pulumi up` never finds it;
//   - no bcryptHash output (RandomPassword.bcryptHash stays undefined), no import, no other token.
// Values come from crypto.randomInt/randomBytes (a CSPRNG), as the real provider's crypto/rand.
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import type { provider as providerTypes } from "@pulumi/pulumi";

export const PASSWORD_TOKEN = "random:index/randomPassword:RandomPassword";
export const BYTES_TOKEN = "random:index/randomBytes:RandomBytes";
/** The real provider's default special characters (pulumi-random v4 / terraform-provider-random). */
export const DEFAULT_SPECIAL = "!@#$%&*()-_=+[]{}<>:?";
const LOWER = "abcdefghijklmnopqrstuvwxyz";
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const NUMERIC = "0123456789";

const SIG_KEY = pulumi.runtime.specialSigKey;
const SECRET_SIG = pulumi.runtime.specialSecretSig;

/** A value the engine stores and shows as secret (the wire form; the engine unmarshals with KeepSecrets). */
export function secretValue(value: unknown): Record<string, unknown> {
    return { [SIG_KEY]: SECRET_SIG, value };
}
export function isSecretValue(v: unknown): v is { value: unknown } {
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}
/** The plain value under any secret wrappers (for comparisons only; never returned unwrapped). */
export function plain(v: unknown): unknown {
    if (isSecretValue(v)) return plain(v.value);
    if (Array.isArray(v)) return v.map(plain);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
    return v;
}

type Inputs = Record<string, unknown>;

/** The inputs of each token, with the real provider's defaults; every one forces replacement. */
const PASSWORD_DEFAULTS: Inputs = {
    lower: true, upper: true, numeric: true, number: true, special: true,
    minLower: 0, minUpper: 0, minNumeric: 0, minSpecial: 0,
};
const INPUT_KEYS: Record<string, string[]> = {
    [PASSWORD_TOKEN]: ["keepers", "length", ...Object.keys(PASSWORD_DEFAULTS), "overrideSpecial"],
    [BYTES_TOKEN]: ["keepers", "length"],
};

export function tokenOf(urn: string): string {
    // urn:pulumi:stack::project::parent$type::name → type
    const qualified = urn.split("::")[2] ?? "";
    return qualified.split("$").pop() ?? "";
}

function failure(property: string, reason: string): providerTypes.CheckFailure {
    return { property, reason };
}
const isUnknownOrSecretUnknown = (v: unknown) => v === pulumi.runtime.unknownValue || (isSecretValue(v) && v.value === pulumi.runtime.unknownValue);
const positiveInteger = (v: unknown, min: number) => typeof v === "number" && Number.isInteger(v) && v >= min;

/** Check: defaults applied, bad inputs reported per property as the real provider's schema would. */
export function checkInputs(token: string, news: Inputs): providerTypes.CheckResult {
    const keys = INPUT_KEYS[token];
    if (!keys) return { inputs: news, failures: [failure("", `the random stand-in does not serve ${token} (only ${Object.keys(INPUT_KEYS).join(", ")})`)] };
    const inputs: Inputs = token === PASSWORD_TOKEN ? { ...PASSWORD_DEFAULTS, ...dropUndefined(news) } : { ...dropUndefined(news) };
    const failures: providerTypes.CheckFailure[] = [];
    for (const k of Object.keys(inputs)) if (!keys.includes(k)) failures.push(failure(k, `unknown input ${k}`));
    const length = plain(inputs.length);
    if (!isUnknownOrSecretUnknown(inputs.length) && !positiveInteger(length, 1)) failures.push(failure("length", `must be an integer >= 1, got ${JSON.stringify(length)}`));
    const keepers = plain(inputs.keepers);
    if (keepers !== undefined && !isUnknownOrSecretUnknown(inputs.keepers) && (typeof keepers !== "object" || Array.isArray(keepers) || keepers === null)) {
        failures.push(failure("keepers", "must be a map of strings"));
    }
    if (token === PASSWORD_TOKEN && failures.length === 0 && typeof length === "number") {
        const p = plain(inputs) as Inputs;
        const mins = ["minLower", "minUpper", "minNumeric", "minSpecial"];
        for (const m of mins) if (!positiveInteger(p[m], 0)) failures.push(failure(m, `must be an integer >= 0, got ${JSON.stringify(p[m])}`));
        const sum = mins.reduce((acc, m) => acc + (typeof p[m] === "number" ? (p[m] as number) : 0), 0);
        if (sum > length) failures.push(failure("length", `must be at least the sum of the min* inputs (${sum}), got ${length}`));
        if (!p.lower && !p.upper && !(p.numeric && p.number) && !p.special) failures.push(failure("length", "every character class is off: lower, upper, numeric and special are all false"));
    }
    return { inputs, failures };
}

function dropUndefined(o: Inputs): Inputs {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** Diff: any changed input replaces the resource (all of pulumi-random's inputs are ForceNew). */
export function diffInputs(token: string, olds: Inputs, news: Inputs): providerTypes.DiffResult {
    const keys = INPUT_KEYS[token] ?? [];
    const replaces = keys.filter((k) => JSON.stringify(canonical(plain(olds[k]))) !== JSON.stringify(canonical(plain(news[k]))));
    return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
}
function canonical(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(canonical);
    if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Inputs)[k])]));
    return v;
}

/** A password meeting the min* counts, the rest drawn from every enabled class, then shuffled. */
export function generatePassword(p: Inputs): string {
    const special = typeof p.overrideSpecial === "string" && p.overrideSpecial !== "" ? p.overrideSpecial : DEFAULT_SPECIAL;
    const classes: Array<[boolean, string, number]> = [
        [p.lower !== false, LOWER, Number(p.minLower ?? 0)],
        [p.upper !== false, UPPER, Number(p.minUpper ?? 0)],
        [p.numeric !== false && p.number !== false, NUMERIC, Number(p.minNumeric ?? 0)],
        [p.special !== false, special, Number(p.minSpecial ?? 0)],
    ];
    const pick = (set: string) => set[crypto.randomInt(set.length)];
    const chars: string[] = [];
    for (const [, set, min] of classes) for (let i = 0; i < min; i++) chars.push(pick(set));
    const all = classes.filter(([on]) => on).map(([, set]) => set).join("");
    while (chars.length < Number(p.length)) chars.push(pick(all));
    for (let i = chars.length - 1; i > 0; i--) {
        const j = crypto.randomInt(i + 1);
        [chars[i], chars[j]] = [chars[j], chars[i]];
    }
    return chars.join("");
}

/** Outputs: the inputs plus the generated values, each generated value marked secret. */
export function createOutputs(token: string, inputs: Inputs): Inputs {
    const p = plain(inputs) as Inputs;
    if (token === PASSWORD_TOKEN) return { ...inputs, result: secretValue(generatePassword(p)) };
    if (token === BYTES_TOKEN) {
        const bytes = crypto.randomBytes(Number(p.length));
        return { ...inputs, base64: secretValue(bytes.toString("base64")), hex: secretValue(bytes.toString("hex")) };
    }
    throw new Error(`the random stand-in does not serve ${token}`);
}

function versionOfRandomSdk(): string {
    // The version the program's @pulumi/random asks for, so the engine sees the plugin it expects.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a JSON file read at run time
    return (require("@pulumi/random/package.json") as { version: string }).version;
}

export const standInProvider: providerTypes.Provider = {
    version: versionOfRandomSdk(),
    async check(urn, _olds, news) {
        return checkInputs(tokenOf(urn), news);
    },
    async diff(_id, urn, olds, news) {
        return diffInputs(tokenOf(urn), olds, news);
    },
    async create(urn, inputs) {
        return { id: "none", outs: createOutputs(tokenOf(urn), inputs) };
    },
    async read(id, urn, props) {
        // Nothing lives outside the state: what was generated is what exists.
        const keys = INPUT_KEYS[tokenOf(urn)] ?? [];
        const inputs = Object.fromEntries(Object.entries(props ?? {}).filter(([k]) => keys.includes(k)));
        return { id, props, inputs };
    },
    async update() {
        throw new Error("the random stand-in replaces on every input change; update is never expected");
    },
    async delete() {
        // Nothing to delete outside the state.
    },
};

export const STANDIN_ENV = "WEBSVC_RANDOM_STANDIN";
export const STANDIN_ENV_VALUE = "tests-only";

if (require.main === module) {
    if (process.env[STANDIN_ENV] !== STANDIN_ENV_VALUE) {
        console.error(`pulumi-resource-random (websvc test stand-in): refusing to start without ${STANDIN_ENV}=${STANDIN_ENV_VALUE}; this plugin exists only for the engine and cluster test tiers (docs/deploy-safety.md). Install the real pulumi-resource-random for real stacks.`);
        process.exit(1);
    }
    // The engine ends its plugins when it exits, but nothing does when it is killed (the
    // deploy-safety tier kills `pulumi up` on purpose): the stand-in leaves once its engine is gone.
    const engine = process.ppid;
    setInterval(() => {
        if (process.ppid !== engine) process.exit(0);
    }, 2000).unref();
    pulumi.provider.main(standInProvider, process.argv.slice(2)).catch((err) => {
        console.error(err);
        process.exit(1);
    });
}

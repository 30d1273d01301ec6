// Which stack config key a rendered object's value matches, for the source map the synth writes
// (scripts/lib/source-map.ts). The program reads config once (config.ts) into plain values, so
// nothing at run time says where a value came from; this is a match of value and name, not a trace:
//   - the field's name must end with one of the key's names, letters and digits compared without
//     case (`spec.maxReplicas` ~ `autoscaling.maxReplicas`, `data.LOG_LEVEL` ~ `logLevel`,
//     `containers[0].image` ~ `image.ref`, `…/proxy-body-size` ~ `ingress.bodySize`). Value
//     equality alone was tried and claimed four coincidences on the staging stack (an HPA window of
//     300 s "from" ingress.hstsMaxAgeSeconds: 300, an alert's `for: 2m` "from" ingress.bodySize: 2m,
//     a scale-down step of 50 "from" ingress.rateLimitRps, a `component: monitoring` label "from"
//     monitoring.prometheusNamespace); a field named unlike its key (`metadata.labels.release` from
//     `monitoring.prometheusRelease`) is missed rather than guessed;
//   - a config leaf (`websvc:resources.limits.memory`, `websvc:autoscaling.minReplicas`) is a
//     candidate only when no other config leaf has the same value (same JSON value, type included);
//   - booleans and empty strings are never candidates (too many fields hold them by chance);
//   - secret keys are never read, so their values are neither compared nor written;
//   - only whole-value equality counts: a config value inside a longer string (the domain inside
//     a CORS origin) is not claimed.
// The checker names the key only for the field its finding names (or fields under it).
import type { ConfigDeclaration } from "./stack-config";

export interface ConfigMatch {
    /** Field path in the object, as policy messages write it: `spec.template.spec.containers[0].resources.limits.memory`. */
    path: string;
    /** Stack config key in `pulumi config --path` form: `websvc:resources.limits.memory`. */
    key: string;
}

type Leaf = { key: string; value: string | number };

function typedValue(encoded: string, declaration: ConfigDeclaration | undefined): unknown {
    if (declaration?.type === "string") return encoded;
    try {
        return JSON.parse(encoded);
    } catch {
        return encoded;
    }
}

function leavesOf(value: unknown, key: string, out: Leaf[]): void {
    if (Array.isArray(value)) value.forEach((v, i) => leavesOf(v, `${key}[${i}]`, out));
    else if (typeof value === "object" && value !== null) for (const [k, v] of Object.entries(value)) leavesOf(v, `${key}.${k}`, out);
    else if ((typeof value === "string" && value !== "") || typeof value === "number") out.push({ key, value });
}

/** Candidate values (JSON text → config key) of a stack's config, secrets left out, ambiguous values dropped. */
export function configCandidates(
    config: Record<string, string>,
    secretKeys: readonly string[],
    declarations: Record<string, ConfigDeclaration>,
): Map<string, string> {
    const leaves: Leaf[] = [];
    for (const [fullKey, encoded] of Object.entries(config)) {
        if (secretKeys.includes(fullKey)) continue;
        const declaration = declarations[fullKey.slice(fullKey.indexOf(":") + 1)];
        leavesOf(typedValue(encoded, declaration), fullKey, leaves);
    }
    const byValue = new Map<string, string[]>();
    for (const leaf of leaves) {
        const text = JSON.stringify(leaf.value);
        byValue.set(text, [...(byValue.get(text) ?? []), leaf.key]);
    }
    return new Map([...byValue].filter(([, keys]) => keys.length === 1).map(([text, keys]) => [text, keys[0]]));
}

/** Every leaf of `object` whose value is a candidate, with its path and key. */
export function configMatches(object: unknown, candidates: Map<string, string>, path = ""): ConfigMatch[] {
    if (Array.isArray(object)) return object.flatMap((v, i) => configMatches(v, candidates, `${path}[${i}]`));
    if (typeof object === "object" && object !== null) {
        return Object.entries(object).flatMap(([k, v]) => configMatches(v, candidates, path ? `${path}.${k}` : k));
    }
    const key = typeof object === "string" || typeof object === "number" ? candidates.get(JSON.stringify(object)) : undefined;
    return key && namesAgree(path, key) ? [{ path, key }] : [];
}

const normalized = (name: string) => name.replace(/\[\d+\]/g, "").toLowerCase().replace(/[^a-z0-9]/g, "");

/** The field's last name ends with one of the key's names (`…/proxy-body-size` / `ingress.bodySize`, `containers[0].image` / `image.ref`). */
export function namesAgree(fieldPath: string, key: string): boolean {
    const field = normalized(fieldPath.split(".").pop() ?? "");
    const names = key.slice(key.indexOf(":") + 1).split(".").map(normalized).filter(Boolean);
    return names.some((name) => field.endsWith(name));
}

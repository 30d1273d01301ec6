// Checks on the generated secrets (AppSecrets: RandomPassword/RandomBytes into one Secret) as a real
// cluster holds them, shared by the cluster tier (tests/tiers/cluster/stacks.test.ts) and the
// deploy-safety specs: the Secret with the generated keys, the pods' references to it, and whether a
// rotation rolled every pod. Pure functions over what kubectl returned (`-o json` items).
import { envNameFor } from "../../../components/secrets";

type Obj = Record<string, any>;

/** The Secret holding every generated key, with its values decoded. */
export interface GeneratedSecret {
    name: string;
    /** key → decoded value */
    values: Record<string, string>;
}

/**
 * The one Secret among `secrets` whose data holds exactly the generated `keys`; throws naming the
 * namespace's Secrets when none or several do.
 */
export function generatedSecret(secrets: readonly Obj[], keys: readonly string[], namespace: string): GeneratedSecret {
    const want = [...keys].sort();
    const holders = secrets.filter((s) => JSON.stringify(Object.keys(s.data ?? {}).sort()) === JSON.stringify(want));
    if (holders.length !== 1) {
        const seen = secrets.map((s) => `${s.metadata?.name} [${Object.keys(s.data ?? {}).join(", ")}]`).join("; ") || "none";
        throw new Error(`want exactly one Secret in ${namespace} with the keys [${want.join(", ")}], found ${holders.length} (Secrets: ${seen})`);
    }
    const s = holders[0];
    const values = Object.fromEntries(Object.entries(s.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
    return { name: s.metadata.name, values };
}

/**
 * What is wrong with how `pods` use the generated Secret: every container must get each key as the env
 * var `envNameFor(key)` through `secretKeyRef` to that Secret, and nothing else may carry it (no envFrom of
 * a Secret, no Secret volume, no value of it anywhere in the pod spec). Empty when it holds.
 */
export function secretKeyRefProblems(pods: readonly Obj[], secret: GeneratedSecret): string[] {
    const problems: string[] = [];
    if (pods.length === 0) return ["no pods to check"];
    const want = Object.keys(secret.values).map((key) => `${envNameFor(key)}=${secret.name}/${key}`).sort();
    for (const pod of pods) {
        const name = pod.metadata?.name;
        for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
            const refs = (c.env ?? []).filter((e: Obj) => e.valueFrom?.secretKeyRef)
                .map((e: Obj) => `${e.name}=${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`).sort();
            const isApp = pod.spec.containers.indexOf(c) === 0;
            if (isApp && JSON.stringify(refs) !== JSON.stringify(want)) problems.push(`${name}/${c.name}: secretKeyRefs [${refs.join(", ")}], want [${want.join(", ")}]`);
            if (!isApp && refs.some((r: string) => r.includes(`=${secret.name}/`))) problems.push(`${name}/${c.name}: references the Secret too`);
            if ((c.envFrom ?? []).some((e: Obj) => e.secretRef)) problems.push(`${name}/${c.name}: envFrom a Secret`);
        }
        if ((pod.spec?.volumes ?? []).some((v: Obj) => v.secret || v.projected?.sources?.some((s: Obj) => s.secret))) problems.push(`${name}: mounts a Secret volume`);
        const spec = JSON.stringify(pod.spec);
        for (const [key, value] of Object.entries(secret.values)) {
            if (spec.includes(value) || spec.includes(Buffer.from(value).toString("base64"))) problems.push(`${name}: the value of ${key} is in the pod spec`);
        }
    }
    return problems;
}

/** Keys whose value did not change between two reads of the generated Secret. */
export function unchangedKeys(before: GeneratedSecret, after: GeneratedSecret): string[] {
    return Object.keys(before.values).filter((k) => after.values[k] === undefined || after.values[k] === before.values[k]);
}

/** The running pods when none of them is one of `before` (every pod rolled), else undefined. */
export function rolledPods(running: readonly string[], before: readonly string[]): string[] | undefined {
    return running.length > 0 && running.every((n) => !before.includes(n)) ? [...running] : undefined;
}

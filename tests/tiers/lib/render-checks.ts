// Checks on what the real engine rendered (the engine tier, kubernetes provider in render mode):
//   compareRender   engine-rendered YAML vs `npm run synth`'s objects (kinds, names, security fields)
//   secretLeaks     no secret value (rendered Secret data, secret stack outputs) in plaintext in the
//                   state; with expectFound, the positive control against the decrypted state
// Each returns a one-line summary and one line per problem (none when the check holds).
import * as fs from "fs";
import * as path from "path";
import { isDeepStrictEqual } from "util";
import YAML from "yaml";

type Obj = Record<string, any>;

/** The YAML files under a directory (render mode writes one per object); none when it does not exist. */
export function yamlFiles(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) return yamlFiles(p);
        return /\.ya?ml$/.test(e.name) ? [p] : [];
    });
}

function objectsIn(dir: string): Map<string, Obj> {
    const out = new Map<string, Obj>();
    for (const file of yamlFiles(dir)) {
        for (const doc of YAML.parseAllDocuments(fs.readFileSync(file, "utf8"))) {
            const o = doc.toJSON() as Obj | null;
            if (o?.kind) out.set(keyOf(o), o);
        }
    }
    return out;
}

// Auto-named objects get a random 8-hex suffix from the engine and a different one from synth's mock
// runtime: compare them by the name without it.
const AUTONAME_SUFFIX = /-[0-9a-f]{8}$/;
const keyOf = (o: Obj) => `${o.kind}/${o.metadata?.namespace ?? "-"}/${String(o.metadata?.name).replace(AUTONAME_SUFFIX, "-*")}`;

// The pod spec of any workload kind (Pod, Deployment, StatefulSet, DaemonSet, Job, CronJob).
function podSpecOf(o: Obj): Obj | undefined {
    if (o.kind === "Pod") return o.spec;
    if (o.kind === "CronJob") return o.spec?.jobTemplate?.spec?.template?.spec;
    return o.spec?.template?.spec;
}

const CONTAINER_FIELDS = ["image", "securityContext", "resources", "livenessProbe", "readinessProbe", "startupProbe"];
const POD_FIELDS = ["securityContext", "automountServiceAccountToken", "serviceAccountName", "hostNetwork", "hostPID", "hostIPC"];

function securityView(o: Obj): Obj {
    const pod = podSpecOf(o);
    if (!pod) return {};
    const pick = (src: Obj, fields: string[]) => Object.fromEntries(fields.filter((f) => src[f] !== undefined).map((f) => [f, src[f]]));
    const containers = (list: Obj[] | undefined) => (list ?? []).map((c) => ({ name: c.name, ...pick(c, CONTAINER_FIELDS) }));
    const podFields = pick(pod, POD_FIELDS);
    if (typeof podFields.serviceAccountName === "string") podFields.serviceAccountName = podFields.serviceAccountName.replace(AUTONAME_SUFFIX, "-*");
    return { pod: podFields, initContainers: containers(pod.initContainers), containers: containers(pod.containers) };
}

export interface CheckResult {
    summary: string;
    problems: string[];
}

export function compareRender(renderDir: string, synthDir: string): CheckResult {
    const rendered = objectsIn(renderDir);
    const synth = objectsIn(synthDir);
    const problems: string[] = [];
    for (const k of synth.keys()) if (!rendered.has(k)) problems.push(`missing from the engine render: ${k}`);
    for (const k of rendered.keys()) if (!synth.has(k)) problems.push(`rendered by the engine but not by synth: ${k}`);
    let workloads = 0;
    for (const [k, s] of synth) {
        const r = rendered.get(k);
        if (!r) continue;
        const [sv, rv] = [securityView(s), securityView(r)];
        if (podSpecOf(s)) workloads++;
        if (!isDeepStrictEqual(sv, rv)) {
            problems.push(`${k}: security-relevant fields differ\n    synth:  ${JSON.stringify(sv)}\n    engine: ${JSON.stringify(rv)}`);
        }
    }
    if (synth.size === 0) problems.push("synth produced no objects");
    return { summary: `${synth.size} synth objects, ${rendered.size} engine-rendered objects, ${workloads} workload(s) with pod specs compared`, problems };
}

// Secret values: every value of the rendered Secrets (render mode writes them in plaintext, which
// is why the render directory is a throwaway) plus the secret stack outputs.
export function secretValues(renderDir: string, outputValues: readonly unknown[]): string[] {
    const values = new Set<string>();
    for (const o of objectsIn(renderDir).values()) {
        if (o.kind !== "Secret") continue;
        for (const v of Object.values<string>(o.data ?? {})) values.add(Buffer.from(v, "base64").toString("utf8"));
        for (const v of Object.values<string>(o.stringData ?? {})) values.add(v);
    }
    const collect = (v: unknown): void => {
        if (typeof v === "string") values.add(v);
        else if (v && typeof v === "object") Object.values(v).forEach(collect);
    };
    outputValues.forEach(collect);
    // Short values (a port, "true") would match by accident; generated secrets are long.
    return [...values].filter((v) => v.length >= 12);
}

/** Every string in a JSON value (the state, parsed: escapes such as Go's \u0026 are undone). */
function stringsIn(value: unknown, out: string[] = []): string[] {
    if (typeof value === "string") out.push(value);
    else if (value && typeof value === "object") for (const v of Object.values(value)) stringsIn(v, out);
    return out;
}

/**
 * Secret values found in plaintext (or base64) in a stack's state. Without expectFound every value
 * found is a problem; with it (the decrypted state, a positive control) every value NOT found is.
 */
export function secretLeaks(state: unknown, secrets: readonly string[], expectFound = false): CheckResult {
    const strings = stringsIn(state);
    const found = secrets.filter((v) => {
        const b64 = Buffer.from(v).toString("base64");
        return strings.some((s) => s.includes(v) || s.includes(b64));
    });
    const summary = `${secrets.length} secret value(s) checked against the state (${strings.length} strings): ${found.length} found in plaintext`;
    if (secrets.length === 0) return { summary, problems: ["no secret values to check"] };
    if (expectFound) return { summary, problems: found.length === secrets.length ? [] : [`${secrets.length - found.length} secret value(s) not found in the decrypted state: the check cannot see them`] };
    return { summary, problems: found.map((v) => `a secret value (${v.length} chars) appears in plaintext in the state`) };
}

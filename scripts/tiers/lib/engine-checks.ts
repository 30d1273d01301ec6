// Assertions for scripts/tiers/test-engine.sh on what the real engine produced:
//   compare <renderDir> <synthDir>   engine-rendered YAML vs `npm run synth` objects
//   leaks [--expect-found] <stackExport.json> <renderDir> [values.json...]
//        no secret value (rendered Secret data, strings in values.json) in plaintext in the state;
//        --expect-found inverts it, as a positive control against `stack export --show-secrets`
// Exit 0 when the check holds, 1 with one line per problem otherwise.
import * as fs from "fs";
import * as path from "path";
import { isDeepStrictEqual } from "util";
import YAML from "yaml";

type Obj = Record<string, any>;

function yamlFiles(dir: string): string[] {
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

function compare(renderDir: string, synthDir: string): string[] {
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
    console.log(`compare: ${synth.size} synth objects, ${rendered.size} engine-rendered objects, ${workloads} workload(s) with pod specs compared`);
    if (synth.size === 0) problems.push("synth produced no objects");
    return problems;
}

// Secret values: every value of the rendered Secrets (render mode writes them in plaintext, which
// is why the render directory is a throwaway) plus the secret stack outputs.
function secretValues(renderDir: string, valueFiles: string[]): string[] {
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
    for (const f of valueFiles) collect(JSON.parse(fs.readFileSync(f, "utf8")));
    // Short values (a port, "true") would match by accident; generated secrets are long.
    return [...values].filter((v) => v.length >= 12);
}

function leaks(exportFile: string, renderDir: string, valueFiles: string[], expectFound: boolean): string[] {
    const state = fs.readFileSync(exportFile, "utf8");
    const secrets = secretValues(renderDir, valueFiles);
    const found = secrets.filter((v) => state.includes(v) || state.includes(Buffer.from(v).toString("base64")));
    console.log(`leaks: ${secrets.length} secret value(s) checked against ${path.basename(exportFile)} (${state.length} bytes): ${found.length} found in plaintext`);
    if (secrets.length === 0) return ["no secret values to check"];
    if (expectFound) return found.length === secrets.length ? [] : [`${secrets.length - found.length} secret value(s) not found in the decrypted export: the check cannot see them`];
    return found.map((v) => `a secret value (${v.length} chars) appears in plaintext in the stack export`);
}

function main(argv: string[]): number {
    const [cmd, ...args] = argv;
    let problems: string[];
    const expectFound = args[0] === "--expect-found";
    const rest = expectFound ? args.slice(1) : args;
    if (cmd === "compare" && args.length === 2) problems = compare(args[0], args[1]);
    else if (cmd === "leaks" && rest.length >= 2) problems = leaks(rest[0], rest[1], rest.slice(2), expectFound);
    else {
        console.error("usage: checks.ts compare <renderDir> <synthDir> | leaks [--expect-found] <export.json> <renderDir> [values.json...]");
        return 2;
    }
    for (const p of problems) console.error(`  FAIL ${p}`);
    return problems.length === 0 ? 0 : 1;
}

process.exit(main(process.argv.slice(2)));

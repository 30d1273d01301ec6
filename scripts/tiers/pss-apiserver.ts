// Compares the pack's PSS verdicts with a real kube-apiserver's PodSecurity admission. Starts
// nothing: it uses the cluster KUBECONFIG points at (the cluster tier starts one).
//
//   KUBECONFIG=... ts-node --transpile-only scripts/tiers/pss-apiserver.ts [--limit N] [--concurrency N] [--deadline-seconds N]
//
// For each level and Kubernetes version of Kubernetes' own pod-security-admission fixtures it
// creates a namespace labelled pod-security.kubernetes.io/enforce=<level>, enforce-version=v1.N
// (and warn/warn-version, for the workload kinds), then server-side dry-run creates (dryRun=All:
// nothing is stored):
//  - every fixture Pod of that level and version;
//  - the defaulting fixtures of tests/pss-oracle/fixtures.ts wrapped in every pod-bearing kind
//    (Pods are judged by enforce; for other kinds PodSecurity only warns, so the verdict is the
//    "would violate PodSecurity" warning).
// A response that the API rejects as invalid (422, or a 4xx without "violates PodSecurity") is no
// PodSecurity verdict: it is counted apart and left out of the comparison. The namespaces are
// deleted at the end, also on failure.
// Exit: 0 all verdicts agree; 1 some disagree; 2 setup error (no KUBECONFIG, cluster not ready).
import * as fs from "fs";
import * as https from "https";
import * as path from "path";
import YAML from "yaml";
import { checkObjects } from "../../policy/cli/checker";
import type { ManifestObject } from "../../policy/cli/manifests";
import { defaultingFixtures } from "../../tests/pss-oracle/fixtures";
import { workloadKinds } from "../../policy/test/policies/support/workloads";
import { fixtureDirs } from "../lib/psa-fixtures";

interface Options { limit: number; concurrency: number; deadlineSeconds: number }

function parseArgs(argv: string[]): Options {
    const opts: Options = { limit: Number.POSITIVE_INFINITY, concurrency: 8, deadlineSeconds: 900 };
    for (let i = 0; i < argv.length; i++) {
        const value = Number(argv[i + 1]);
        if (argv[i] === "--limit") opts.limit = value;
        else if (argv[i] === "--concurrency") opts.concurrency = value;
        else if (argv[i] === "--deadline-seconds") opts.deadlineSeconds = value;
        else throw new Error(`unknown argument ${argv[i]}`);
        i++;
        if (!Number.isFinite(value) || value <= 0) throw new Error(`${argv[i - 1]} needs a positive number`);
    }
    return opts;
}

// ---- a minimal client from the kubeconfig (client certificate or bearer token) ---------------

interface Client { server: URL; agent: https.Agent; token?: string }

function fileOrData(base: string, entry: Record<string, string | undefined>, key: string): Buffer | undefined {
    const data = entry[`${key}-data`];
    if (data) return Buffer.from(data, "base64");
    const file = entry[key];
    return file ? fs.readFileSync(path.resolve(base, file)) : undefined;
}

function clientFromKubeconfig(file: string): Client {
    const config = YAML.parse(fs.readFileSync(file, "utf8"));
    const contextName = config["current-context"] ?? config.contexts?.[0]?.name;
    const context = config.contexts?.find((c: { name: string }) => c.name === contextName)?.context;
    const cluster = config.clusters?.find((c: { name: string }) => c.name === context?.cluster)?.cluster;
    const user = config.users?.find((u: { name: string }) => u.name === context?.user)?.user ?? {};
    if (!cluster?.server) throw new Error(`${file}: no cluster server for context ${contextName}`);
    const base = path.dirname(file);
    const agent = new https.Agent({
        ca: fileOrData(base, cluster, "certificate-authority"),
        cert: fileOrData(base, user, "client-certificate"),
        key: fileOrData(base, user, "client-key"),
        rejectUnauthorized: cluster["insecure-skip-tls-verify"] !== true,
        keepAlive: true,
    });
    return { server: new URL(cluster.server), agent, token: user.token };
}

interface ApiResponse { status: number; body: Record<string, any>; warnings: string[] }

function request(client: Client, method: string, apiPath: string, body?: unknown): Promise<ApiResponse> {
    const url = new URL(apiPath, client.server);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
        const req = https.request(url, {
            method,
            agent: client.agent,
            timeout: 20_000,
            headers: { "content-type": "application/json", accept: "application/json", ...(client.token ? { authorization: `Bearer ${client.token}` } : {}) },
        }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => {
                const text = Buffer.concat(chunks).toString();
                let parsed: Record<string, any>;
                try { parsed = text ? JSON.parse(text) : {}; } catch { parsed = { message: text }; }
                const header = res.headers.warning;
                const warnings = header === undefined ? [] : Array.isArray(header) ? header : [header];
                resolve({ status: res.statusCode ?? 0, body: parsed, warnings });
            });
        });
        req.on("timeout", () => req.destroy(new Error(`${method} ${apiPath}: timed out`)));
        req.on("error", reject);
        if (payload !== undefined) req.write(payload);
        req.end();
    });
}

/** Collection path of a namespaced object, e.g. /apis/apps/v1/namespaces/ns/deployments. */
function collectionPath(apiVersion: string, kind: string, namespace: string): string {
    const prefix = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    return `${prefix}/namespaces/${namespace}/${kind.toLowerCase()}s`;
}

// ---- cases ---------------------------------------------------------------------------------

interface Case {
    label: string;
    level: "baseline" | "restricted";
    version: string;
    object: Record<string, any>;
    /** What the fixture's folder says (upstream fixtures only). */
    expected?: "pass" | "fail";
}

type Outcome = "admitted" | "rejected" | "invalid" | "error";

function cases(limit: number): Case[] {
    const out: Case[] = [];
    for (const d of fixtureDirs()) {
        for (const f of fs.readdirSync(d.dir).filter((n) => n.endsWith(".yaml")).sort()) {
            const object = YAML.parse(fs.readFileSync(path.join(d.dir, f), "utf8"));
            // Fixture names such as "capabilities_baseline0" are not valid object names: the API
            // would reject them before admission, so they get a DNS-safe name.
            object.metadata = { ...(object.metadata ?? {}), name: String(object.metadata?.name ?? f.replace(/\.yaml$/, "")).toLowerCase().replace(/[^a-z0-9-]/g, "-") };
            out.push({ label: `${d.level}/v${d.version}/${d.expect}/${f}`, level: d.level, version: d.version, object, expected: d.expect });
        }
    }
    // Defaulting fixtures in every pod-bearing kind, at both levels, for the newest version.
    for (const fx of defaultingFixtures()) {
        for (const kind of workloadKinds) {
            for (const level of ["baseline", "restricted"] as const) {
                const name = `dflt-${kind.kind.toLowerCase()}-${out.length}`;
                const object = { apiVersion: kind.apiVersion, kind: kind.kind, ...kind.wrap(structuredClone(fx.pod), name, "") };
                out.push({ label: `${level}/v1.37/${kind.kind}/${fx.name}`, level, version: "1.37", object });
            }
        }
    }
    return out.slice(0, limit);
}

const namespaceFor = (level: string, version: string) => `pss-cmp-${level}-v1-${version.split(".")[1]}`;

function outcomeOf(kind: string, res: ApiResponse): { outcome: Outcome; detail: string } {
    const message = String(res.body.message ?? "");
    if (res.status >= 200 && res.status < 300) {
        // Only Pods are enforced; other kinds get a warning when their pod template would violate.
        const warned = res.warnings.some((w) => w.includes("would violate PodSecurity"));
        return { outcome: kind !== "Pod" && warned ? "rejected" : "admitted", detail: res.warnings.join(" | ") };
    }
    if (message.includes("violates PodSecurity")) return { outcome: "rejected", detail: message };
    if (res.status === 422 || (res.status >= 400 && res.status < 500)) return { outcome: "invalid", detail: `${res.status} ${message}` };
    return { outcome: "error", detail: `${res.status} ${message}` };
}

function packRejects(c: Case): boolean {
    const object: ManifestObject = { file: c.label, apiVersion: c.object.apiVersion, kind: c.object.kind, name: String(c.object.metadata?.name ?? c.label), body: c.object };
    const result = checkObjects([object], { only: `pss-${c.level}`, kubernetesVersion: c.version });
    return result.reports.some((r) => r.violations.length > 0);
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array(items.length);
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
        while (next < items.length) {
            const i = next++;
            results[i] = await fn(items[i]);
        }
    }));
    return results;
}

async function main(): Promise<number> {
    const opts = parseArgs(process.argv.slice(2));
    const kubeconfig = process.env.KUBECONFIG;
    if (!kubeconfig || !fs.existsSync(kubeconfig)) {
        process.stderr.write("apiserver-compare: KUBECONFIG is not set to an existing file\n");
        return 2;
    }
    const client = clientFromKubeconfig(kubeconfig);
    const ready = await request(client, "GET", "/readyz").catch((e: Error) => ({ status: 0, body: { message: e.message }, warnings: [] }));
    if (ready.status !== 200) {
        process.stderr.write(`apiserver-compare: ${client.server.origin}/readyz answered ${ready.status} ${ready.body.message ?? ""}\n`);
        return 2;
    }
    const deadline = Date.now() + opts.deadlineSeconds * 1000;
    const all = cases(opts.limit);
    const levelVersionOf = new Map(all.map((c) => [namespaceFor(c.level, c.version), { level: c.level, minor: c.version.split(".")[1] }]));
    const namespaces = [...levelVersionOf.keys()];
    const counts: Record<Outcome, number> = { admitted: 0, rejected: 0, invalid: 0, error: 0 };
    const disagreements: string[] = [];
    const invalid: string[] = [];
    let expectedMismatch = 0;
    let agree = 0;
    let compared = 0;
    try {
        for (const ns of namespaces) {
            const { level, minor } = levelVersionOf.get(ns)!;
            const labels = {
                "pod-security.kubernetes.io/enforce": level, "pod-security.kubernetes.io/enforce-version": `v1.${minor}`,
                "pod-security.kubernetes.io/warn": level, "pod-security.kubernetes.io/warn-version": `v1.${minor}`,
            };
            const res = await request(client, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels } });
            if (res.status !== 201 && res.status !== 409) throw new Error(`creating namespace ${ns}: ${res.status} ${res.body.message}`);
        }
        const outcomes = await mapLimit(all, opts.concurrency, async (c) => {
            if (Date.now() > deadline) return { outcome: "error" as Outcome, detail: "deadline passed" };
            const ns = namespaceFor(c.level, c.version);
            const object: Record<string, any> = { ...c.object, metadata: { ...(c.object.metadata ?? {}), namespace: ns } };
            try {
                const res = await request(client, "POST", `${collectionPath(object.apiVersion, object.kind, ns)}?dryRun=All`, object);
                return outcomeOf(object.kind, res);
            } catch (e) {
                return { outcome: "error" as Outcome, detail: (e as Error).message };
            }
        });
        outcomes.forEach(({ outcome, detail }, i) => {
            const c = all[i];
            counts[outcome] += 1;
            if (outcome === "invalid" || outcome === "error") {
                invalid.push(`${c.label}: ${outcome}: ${detail}`);
                return;
            }
            compared += 1;
            const serverRejects = outcome === "rejected";
            if (c.expected && serverRejects !== (c.expected === "fail")) expectedMismatch += 1;
            if (packRejects(c) === serverRejects) agree += 1;
            else disagreements.push(`${c.label}: apiserver ${outcome}, pack ${serverRejects ? "admitted" : "rejected"} (${detail})`);
        });
    } finally {
        for (const ns of namespaces) {
            await request(client, "DELETE", `/api/v1/namespaces/${ns}`).catch(() => undefined);
        }
    }
    console.log(`apiserver-compare: ${all.length} dry-run creates in ${namespaces.length} namespaces: admitted ${counts.admitted}, rejected by PodSecurity ${counts.rejected}, invalid (no PodSecurity verdict) ${counts.invalid}, errors ${counts.error}`);
    console.log(`apiserver-compare: pack agrees with the apiserver on ${agree}/${compared} PodSecurity verdicts; upstream fixtures whose folder disagrees with the apiserver: ${expectedMismatch}`);
    for (const line of invalid.slice(0, 10)) console.log(`  not compared: ${line}`);
    for (const line of disagreements.slice(0, 20)) console.log(`  DISAGREE ${line}`);
    return disagreements.length === 0 && counts.error === 0 ? 0 : 1;
}

if (require.main === module) {
    main().then((code) => { process.exitCode = code; }, (e: Error) => { process.stderr.write(`apiserver-compare: ${e.message}\n`); process.exitCode = 2; });
}

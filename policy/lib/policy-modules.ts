// Policy modules: users' own policies, written on the pack's public factory API (the
// `resourcePolicy` / `stackPolicy` helpers the pack's own policies use), loaded from a JavaScript
// file or an installed package. The checker loads them from `--policy-module PATH`
// (cli/policy-modules.ts) and from the pack config's `policy-modules` entry, the CrossGuard pack
// from that same entry (lib/pack-modules.ts). A module exports either a function that receives
// that API and returns its policies (works wherever the module sits), or `policies`, an array
// built by requiring the same installed pack. They run like built-in policies: same outputs,
// exemption annotations, baselines, enforcement levels and config entries.
import * as fs from "fs";
import * as path from "path";
import { resourcePolicy, requirePodView, isBatch } from "./resource-policy";
import { stackPolicy } from "./stack-policy";
import type { PackPolicy } from "./types";

/** What a module's exported function receives. */
export const POLICY_API = { resourcePolicy, stackPolicy, requirePodView, isBatch };
export type PolicyApi = typeof POLICY_API;

/** One module to load: its spec as written, the directory a relative spec is resolved against, and how errors name it. */
export interface ModuleEntry {
    spec: string;
    baseDir: string;
    /** Where the spec was written, e.g. `--policy-module x.js` or `config.json: "policy-modules".modules[0] "x.js"`. */
    label: string;
}

/** A module that cannot be used; the message starts with the entry's label (key and path). */
export class PolicyModuleError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PolicyModuleError";
    }
}

/**
 * The policies of every module, in order; a module named twice (same resolved file) is loaded
 * once. Throws PolicyModuleError naming the entry (and the policy).
 */
export function loadPolicyModules(entries: ModuleEntry[], builtinIds: Set<string>): PackPolicy[] {
    const out: PackPolicy[] = [];
    const seen = new Map<string, string>();
    const files = new Set<string>();
    for (const entry of entries) {
        const file = resolveModule(entry);
        if (files.has(file)) continue;
        files.add(file);
        for (const policy of policiesOf(entry, file)) {
            if (builtinIds.has(policy.name)) throw new PolicyModuleError(`${entry.label}: policy "${policy.name}" is a built-in policy id`);
            const other = seen.get(policy.name);
            if (other) throw new PolicyModuleError(`${entry.label}: policy "${policy.name}" is also defined by ${other}`);
            seen.set(policy.name, entry.label);
            out.push(policy);
        }
    }
    return out;
}

/** The checked policies `file` exports. */
function policiesOf(entry: ModuleEntry, file: string): PackPolicy[] {
    let exported: unknown;
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- a user's policy module, a path known only at run time
        exported = require(file);
    } catch (e) {
        throw new PolicyModuleError(`${entry.label}: cannot load ${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const mod = exported as { default?: unknown; policies?: unknown };
    const source = typeof exported === "function" ? exported : typeof mod.default === "function" ? mod.default : mod.policies ?? mod.default;
    let policies: unknown;
    try {
        policies = typeof source === "function" ? (source as (api: PolicyApi) => unknown)(POLICY_API) : source;
    } catch (e) {
        throw new PolicyModuleError(`${entry.label}: its function threw: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!Array.isArray(policies)) throw new PolicyModuleError(`${entry.label}: ${file} must export a function (api) => policies, or an array \`policies\``);
    if (policies.length === 0) throw new PolicyModuleError(`${entry.label}: ${file} exports no policy`);
    policies.forEach((p, i) => {
        const problem = policyProblem(p);
        if (problem) throw new PolicyModuleError(`${entry.label}: policies[${i}]: ${problem}`);
    });
    return policies as PackPolicy[];
}

function resolveModule(entry: ModuleEntry): string {
    const asPath = path.resolve(entry.baseDir, entry.spec);
    if (fs.existsSync(asPath)) return asPath;
    try {
        return require.resolve(entry.spec, { paths: [entry.baseDir] });
    } catch {
        throw new PolicyModuleError(`${entry.label}: no such file (${asPath}), and no package of that name installed from ${entry.baseDir}`);
    }
}

/** Why `p` is not a policy made by the factories (the fields the checker and its outputs read), or undefined. */
function policyProblem(p: unknown): string | undefined {
    if (typeof p !== "object" || p === null) return "not a policy object (make it with api.resourcePolicy or api.stackPolicy)";
    const policy = p as Partial<PackPolicy> & { validateResource?: unknown; validateStack?: unknown };
    if (typeof policy.name !== "string" || !/^[a-z0-9][a-z0-9-]*$/.test(policy.name)) return `name ${JSON.stringify(policy.name)} must be a lower-case id (letters, digits, dashes)`;
    if (typeof policy.validateResource !== "function" && typeof policy.validateStack !== "function") return `policy "${policy.name}" has neither validateResource nor validateStack`;
    const m = policy.metadata;
    if (!m || m.id !== policy.name || typeof m.title !== "string" || !["critical", "high", "medium", "low"].includes(m.severity)) {
        return `policy "${policy.name}": metadata (id, title, severity) missing: make it with api.resourcePolicy or api.stackPolicy`;
    }
    return undefined;
}

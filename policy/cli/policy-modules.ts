// `--policy-module PATH`: users' own policies, written on the pack's public factory API (the
// `resourcePolicy` / `stackPolicy` helpers the pack's own policies use), loaded from a JavaScript
// file or an installed package. A module exports either a function that receives that API and
// returns its policies (works wherever the module sits), or `policies`, an array built by requiring
// the same installed pack as the checker. They run like built-in policies: same outputs,
// exemption annotations, baselines, enforcement levels and config entries.
import * as fs from "fs";
import * as path from "path";
import { PolicyConfigError } from "./checker";
import { resourcePolicy, requirePodView, isBatch } from "../lib/resource-policy";
import { stackPolicy } from "../lib/stack-policy";
import type { PackPolicy } from "../lib/types";

/** What a module's exported function receives. */
export const POLICY_API = { resourcePolicy, stackPolicy, requirePodView, isBatch };
export type PolicyApi = typeof POLICY_API;

/** The policies of every module, in order; throws PolicyConfigError naming the module (and policy). */
export function loadPolicyModules(specs: string[], builtinIds: Set<string>, cwd: string = process.cwd()): PackPolicy[] {
    const out: PackPolicy[] = [];
    const seen = new Map<string, string>();
    for (const spec of specs) {
        const file = resolveModule(spec, cwd);
        let exported: unknown;
        try {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            exported = require(file);
        } catch (e) {
            throw new PolicyConfigError(`--policy-module ${spec}: cannot load ${file}: ${e instanceof Error ? e.message : String(e)}`);
        }
        const mod = exported as { default?: unknown; policies?: unknown };
        const source = typeof exported === "function" ? exported : typeof mod.default === "function" ? mod.default : mod.policies ?? mod.default;
        let policies: unknown;
        try {
            policies = typeof source === "function" ? (source as (api: PolicyApi) => unknown)(POLICY_API) : source;
        } catch (e) {
            throw new PolicyConfigError(`--policy-module ${spec}: its function threw: ${e instanceof Error ? e.message : String(e)}`);
        }
        if (!Array.isArray(policies)) throw new PolicyConfigError(`--policy-module ${spec}: export a function (api) => policies, or an array \`policies\``);
        policies.forEach((p, i) => {
            const problem = policyProblem(p);
            if (problem) throw new PolicyConfigError(`--policy-module ${spec}: policies[${i}]: ${problem}`);
            const policy = p as PackPolicy;
            if (builtinIds.has(policy.name)) throw new PolicyConfigError(`--policy-module ${spec}: policy "${policy.name}" is a built-in policy id`);
            const other = seen.get(policy.name);
            if (other) throw new PolicyConfigError(`--policy-module ${spec}: policy "${policy.name}" is also defined by ${other}`);
            seen.set(policy.name, spec);
            out.push(policy);
        });
    }
    return out;
}

function resolveModule(spec: string, cwd: string): string {
    const asPath = path.resolve(cwd, spec);
    if (fs.existsSync(asPath)) return asPath;
    try {
        return require.resolve(spec, { paths: [cwd] });
    } catch {
        throw new PolicyConfigError(`--policy-module ${spec}: no such file, and no package of that name installed from ${cwd}`);
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

// The pack config's `policy-modules` entry: users' own policy modules (lib/policy-modules.ts) for
// the CrossGuard pack and the checker alike, written once in the per-environment config file:
//
//   "policy-modules": { "modules": ["./policies/team-owner-label.js", "@acme/k8s-policies"] }
//
// Why an object under a policy-like key, not `"policyModules": [...]`: the Pulumi CLI reads every
// top-level key of a --policy-pack-config file as a policy's entry and refuses anything but a
// string (a level) or an object there (pkg/resource/analyzer/config.go, parsePolicyPackConfig).
// The pack registers a `policy-modules` policy whose configSchema is that object, so the engine
// validates the entry like any other.
//
// Why the pack also needs WEBSVC_K8S_POLICY_PACK_CONFIG: CrossGuard takes the policy list when
// the pack starts (`new PolicyPack`), asks for it (GetAnalyzerInfo), reconciles and validates the
// config against the schemas it got (defaults, `all`, JSON schema), and only then sends the config
// (Configure). The config file's path never reaches the pack (it gets the stack config, names and
// its own directory as cwd). So the pack reads the same file, named by that variable, at start;
// the `policy-modules` policy then checks, on every resource, that the entry the engine sent lists
// the same modules, and stops the run otherwise. Loaded at start, module policies are ordinary
// policies for the engine: listed, their config validated and defaulted, `all` applied.
import * as fs from "fs";
import * as path from "path";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { loadPolicyModules, PolicyModuleError, type ModuleEntry } from "./policy-modules";
import type { PackPolicy } from "./types";

/** The pack config key (a policy id, as the Pulumi CLI wants every top-level key). */
export const POLICY_MODULES_KEY = "policy-modules";
/** Absolute path of the pack config file the CrossGuard pack reads its modules from at start. */
export const PACK_CONFIG_ENV = "WEBSVC_K8S_POLICY_PACK_CONFIG";

/** The module specs of a parsed pack config ([] without the entry); throws naming `where` and the key on a bad shape. */
export function modulesOfConfig(config: Record<string, unknown>, where: string): string[] {
    const entry = config[POLICY_MODULES_KEY];
    if (entry === undefined) return [];
    const key = `"${POLICY_MODULES_KEY}"`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
        throw new PolicyModuleError(`${where}: ${key} must be an object { "modules": ["<file or package>", ...] } (the Pulumi CLI takes only a string or an object per key), got ${JSON.stringify(entry)}`);
    }
    const { modules, enforcementLevel: _level, ...rest } = entry as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) throw new PolicyModuleError(`${where}: ${key}: unknown setting ${unknown.map((k) => `"${k}"`).join(", ")} (known: modules)`);
    if (modules === undefined) return [];
    if (!Array.isArray(modules) || modules.some((m) => typeof m !== "string" || m.trim() === "")) {
        throw new PolicyModuleError(`${where}: ${key}.modules must be a list of file paths or package names, got ${JSON.stringify(modules)}`);
    }
    return modules as string[];
}

/** Reads a pack config file as JSON; throws PolicyModuleError naming the file. */
function readConfigFile(file: string, what: string): Record<string, unknown> {
    let parsed: unknown;
    try {
        parsed = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new PolicyModuleError(`${what}: cannot read policy config: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new PolicyModuleError(`${what}: policy config must be a JSON object keyed by policy id`);
    return parsed as Record<string, unknown>;
}

/** The modules the `policy-modules` entry of the pack config `file` lists, relative to the file's directory. */
export function configuredModules(file: string, what = file): ModuleEntry[] {
    const specs = modulesOfConfig(readConfigFile(file, what), what);
    const baseDir = path.dirname(file);
    return specs.map((spec, i) => ({ spec, baseDir, label: `${what}: "${POLICY_MODULES_KEY}".modules[${i}] ${spec}` }));
}

/** What the pack loaded at start. */
export interface PackModules {
    /** The config file named by PACK_CONFIG_ENV, if any. */
    configFile?: string;
    /** Its `policy-modules` entry's modules, as written. */
    specs: string[];
    policies: PackPolicy[];
}

/** The modules of the pack config named by PACK_CONFIG_ENV (none when it is unset); throws PolicyModuleError naming the variable, file and key. */
export function packModulesFromEnv(builtinIds: Set<string>, env: NodeJS.ProcessEnv = process.env): PackModules {
    const file = env[PACK_CONFIG_ENV];
    if (file === undefined || file === "") return { specs: [], policies: [] };
    const what = `${PACK_CONFIG_ENV}=${file}`;
    if (!path.isAbsolute(file)) {
        throw new PolicyModuleError(`${what}: give an absolute path (the Pulumi CLI starts the pack in the pack's own directory, not in yours)`);
    }
    const entries = configuredModules(file, what);
    return { configFile: file, specs: entries.map((e) => e.spec), policies: loadPolicyModules(entries, builtinIds) };
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The `policy-modules` policy: declares the entry's schema (so the engine validates it) and stops
 * the run (an analyze error) when the entry the engine sent does not list the modules the pack
 * loaded at start. It reports nothing otherwise.
 */
export function policyModulesPolicy(loaded: PackModules): ResourceValidationPolicy {
    return {
        name: POLICY_MODULES_KEY,
        description: `Loads own policy modules listed in the pack config's "${POLICY_MODULES_KEY}" entry (read at start from the file named by ${PACK_CONFIG_ENV}); reports nothing.`,
        enforcementLevel: "advisory",
        configSchema: {
            properties: {
                modules: {
                    type: "array",
                    items: { type: "string", minLength: 1 },
                    default: [],
                    description: "Own policy modules: JavaScript files (relative to this config file) or package names.",
                },
            },
        },
        validateResource: (args) => {
            const sent = args.getConfig<{ modules?: string[] }>().modules ?? [];
            if (sameList(sent, loaded.specs)) return;
            const source = loaded.configFile ? `the pack loaded ${JSON.stringify(loaded.specs)} at start from ${PACK_CONFIG_ENV}=${loaded.configFile}` : `${PACK_CONFIG_ENV} was not set when the pack started, so it loaded none`;
            throw new Error(
                `"${POLICY_MODULES_KEY}".modules: the policy pack config lists ${JSON.stringify(sent)}, but ${source}. ` +
                    `CrossGuard takes a pack's policies before it sends the config: set ${PACK_CONFIG_ENV} to the absolute path of the file given to --policy-pack-config.`,
            );
        },
    };
}

/** The pack's policy list: the modules' guard, the built-in policies, the modules' policies, then `last` (policy-exemptions, which must see every finding). */
export function packPolicies(builtin: readonly PackPolicy[], last: PackPolicy, env: NodeJS.ProcessEnv = process.env): (PackPolicy | ResourceValidationPolicy)[] {
    const loaded = packModulesFromEnv(new Set([...builtin.map((p) => p.name), last.name, POLICY_MODULES_KEY]), env);
    return [policyModulesPolicy(loaded), ...builtin, ...loaded.policies, last];
}

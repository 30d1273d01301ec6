// `--policy-module PATH` and the pack config's `policy-modules` entry, for the checker: the
// loader is lib/policy-modules.ts (the CrossGuard pack uses it too); here its errors become
// PolicyConfigError (exit 2).
import * as path from "path";
import { PolicyConfigError } from "./checker";
import { loadPolicyModules as load, PolicyModuleError, type ModuleEntry } from "../lib/policy-modules";
import { configuredModules, POLICY_MODULES_KEY } from "../lib/pack-modules";
import type { PackPolicy } from "../lib/types";

export { POLICY_API, type PolicyApi } from "../lib/policy-modules";

/**
 * The policies of the `--policy-module` specs (relative to `cwd`), then of the `policy-modules`
 * entry of the pack config `configFile` (relative to that file); throws PolicyConfigError naming
 * the flag or the config key, and the module.
 */
export function loadPolicyModules(specs: string[], builtinIds: Set<string>, cwd: string = process.cwd(), configFile?: string): PackPolicy[] {
    try {
        const entries: ModuleEntry[] = specs.map((spec) => ({ spec, baseDir: cwd, label: `--policy-module ${spec}` }));
        if (configFile) entries.push(...configuredModules(path.resolve(cwd, configFile)));
        // The pack's own policy-modules policy holds that id there.
        return entries.length > 0 ? load(entries, new Set([...builtinIds, POLICY_MODULES_KEY])) : [];
    } catch (e) {
        if (e instanceof PolicyModuleError) throw new PolicyConfigError(e.message);
        throw e;
    }
}

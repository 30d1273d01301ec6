// Helpers every policy (PSS, hygiene, stack) uses to read its config like CrossGuard hands it over.
import type { PolicyConfigSchema } from "@pulumi/policy";

interface ConfigSource { getConfig<T extends object>(): T }

/** getConfig() with the schema's defaults filled in for keys the caller did not set (the CLI
 *  applies them, but a pack run without any config must behave the same). */
export function readConfig<T extends object>(args: ConfigSource, schema: PolicyConfigSchema): T {
    const cfg: Record<string, unknown> = { ...args.getConfig<Record<string, unknown>>() };
    for (const [key, prop] of Object.entries(schema.properties)) {
        if (cfg[key] === undefined && typeof prop === "object" && prop.default !== undefined) {
            cfg[key] = structuredClone(prop.default);
        }
    }
    return cfg as T;
}

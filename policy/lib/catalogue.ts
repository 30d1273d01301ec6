// What the engine (engine.ts) is handed instead of importing the policies: the policy list, the
// groups (former policy ids that are now several policies) and the pack's default enforcement
// level. policies/index.ts builds the pack's catalogue; lib/ never imports it.
import type { EnforcementLevel } from "@pulumi/policy";
import type { PackPolicy } from "./types";

/**
 * A former policy id that bundled aspects peers check separately, kept as a group name: in
 * `--only` it selects its members, and a config entry under the group id (enforcement level,
 * settings) applies to each member that has no entry of its own (settings only where the member
 * knows them). A member declares its group (PolicyMetadata.group), so an exemption annotation
 * naming the group reaches it without any registry.
 */
export interface PolicyGroup {
    members: string[];
    /** Members the group's level reaches only when this boolean setting of the group entry is true
     *  (they were off by default inside the old policy). */
    optIn?: { setting: string; members: string[] };
}

export interface Catalogue {
    policies: readonly PackPolicy[];
    groups: Readonly<Record<string, PolicyGroup>>;
    /** Default enforcement level of the pack (each policy may set its own). */
    enforcementLevel: EnforcementLevel;
}

/** Group id -> the ids of the policies that declare it (PolicyMetadata.group), in pack order. */
export function groupMembers(policies: readonly PackPolicy[], groupId: string): string[] {
    return policies.filter((p) => p.metadata.group === groupId).map((p) => p.name);
}

/** Settings a group entry may carry: its members' settings plus its opt-in switch. */
export function groupSettings(catalogue: Catalogue, groupId: string): Set<string> {
    const group = catalogue.groups[groupId];
    const names = new Set<string>(["enforcementLevel"]);
    if (!group) return names;
    if (group.optIn) names.add(group.optIn.setting);
    for (const p of catalogue.policies.filter((p) => group.members.includes(p.name))) {
        for (const key of Object.keys(p.configSchema?.properties ?? {})) names.add(key);
    }
    return names;
}

/** A policy's config entry with its group's entry folded in underneath (the policy's own wins). */
export function configEntryFor(groups: Catalogue["groups"], file: Record<string, unknown>, policy: PackPolicy): unknown {
    const own = file[policy.name];
    const groupId = Object.keys(groups).find((g) => groups[g].members.includes(policy.name) && file[g] !== undefined);
    if (groupId === undefined) return own;
    const group = groups[groupId];
    const raw = file[groupId];
    const entry: Record<string, unknown> = typeof raw === "string" ? { enforcementLevel: raw } : { ...(raw as Record<string, unknown>) };
    if (group.optIn?.members.includes(policy.name) && entry[group.optIn.setting] !== true) {
        delete entry.enforcementLevel;
    }
    const known = new Set(Object.keys(policy.configSchema?.properties ?? {}));
    const inherited: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(entry)) {
        if (k === "enforcementLevel" || known.has(k)) inherited[k] = v;
    }
    if (own === undefined) return inherited;
    const ownEntry = typeof own === "string" ? { enforcementLevel: own } : (own as Record<string, unknown>);
    return { ...inherited, ...ownEntry };
}

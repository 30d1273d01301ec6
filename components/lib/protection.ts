// What a stack refuses to delete. Decided here, from the environment, never from config: a stack
// file cannot switch production's guard off, and taking production down is a deliberate, documented
// procedure (docs/deploy-safety.md) that clears the guard in the state, not in the code.
//
// production: the Namespace is `protect`ed (deleting it deletes every object in it, the claim
//   included) and so is the PersistentVolumeClaim; the claim is also `retainOnDelete`, so even a
//   deliberate destroy (after unprotecting) leaves the claim, and so the volume, to be removed by hand.
//   The Workload sets these itself, so they hold wherever the component is used.
//   No stack-wide guard (every component protected) is applied: with
//   the real engine (CLI v3.171.0) a stack-wide guard blocked the replacement of the settings ConfigMap
//   on a production settings change although that object is registered `protect: false`
//   (REPLACED_BY_DESIGN). Cause not found yet; the trade-off is that a `pulumi destroy` run without the
//   documented procedure deletes the namespaced objects before it stops at the Namespace.
//   REPLACED_BY_DESIGN marks what routine changes replace (random generators, the app's Secret, the
//   settings ConfigMap): never protected, even under a protected parent.
// staging: nothing is protected. Staging is rebuilt from scratch by CI and the test tiers (destroy,
//   then up), holds only disposable data, and a guard that every teardown must clear by hand teaches
//   people to run `pulumi state unprotect` reflexively, which is exactly what must stay rare in production.
import type * as pulumi from "@pulumi/pulumi";
import { PRODUCTION, type Environment } from "./environment";

/** For objects that routine changes replace: never protected, even under a protected parent. */
export const REPLACED_BY_DESIGN = { protect: false } as const;

export interface ProtectionOptions {
    /** Options for the Namespace. */
    namespace: Pick<pulumi.CustomResourceOptions, "protect" | "retainOnDelete">;
    /** Options for the PersistentVolumeClaim (when storage is on). */
    claim: Pick<pulumi.CustomResourceOptions, "protect" | "retainOnDelete">;
}

/**
 * Only the guards that are on are set: an option left unset inherits from the parent component, so a
 * caller who protects the whole Workload (`protect: true` on it) still protects staging's children.
 */
export function protectionFor(environment: Environment): ProtectionOptions {
    if (environment !== PRODUCTION) return { namespace: {}, claim: {} };
    return {
        namespace: { protect: true },
        claim: { protect: true, retainOnDelete: true },
    };
}

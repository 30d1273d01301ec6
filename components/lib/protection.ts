// What a stack refuses to delete. Decided here, from the environment, never from config: a stack
// file cannot switch production's guard off, and taking production down is a deliberate, documented
// procedure (docs/deploy-safety.md) that clears the guard in the state, not in the code.
//
// production: the Namespace is `protect`ed (deleting it deletes every object in it, the claim
//   included) and so is the PersistentVolumeClaim; the claim is also `retainOnDelete`, so even a
//   deliberate destroy (after unprotecting) leaves the claim, and so the volume, to be removed by hand.
//   A `pulumi destroy`, or a config change that would replace either (a new `namespace`, `appName`),
//   stops with the engine's own "marked for protection" error naming the resource, before any change.
// staging: nothing is protected. Staging is rebuilt from scratch by CI and the test tiers (destroy,
//   then up), holds only disposable data, and a guard that every teardown must clear by hand teaches
//   people to run `pulumi state unprotect` reflexively, which is exactly what must stay rare in production.
import type * as pulumi from "@pulumi/pulumi";
import { PRODUCTION, type Environment } from "./environment";

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

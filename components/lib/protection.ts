// What a stack refuses to delete. Decided here, from the environment, never from config: a stack
// file cannot switch production's guard off, and taking production down is a deliberate, documented
// procedure (docs/deploy-safety.md) that clears the guard in the state, not in the code.
//
// production: the Namespace is `protect`ed (deleting it deletes every object in it, the claim
//   included) and so is the PersistentVolumeClaim; the claim is also `retainOnDelete`, so even a
//   deliberate destroy (after unprotecting) leaves the claim, and so the volume, to be removed by hand.
//   The Workload sets these itself, so they hold wherever the component is used.
//   And every other object of the stack is protected too (`stack`, given to each component by index.ts):
//   `pulumi destroy` deletes dependents first and checks `protect` only when it reaches a resource
//   (CLI v3.171.0, resource/deploy/step.go), so with the Namespace alone protected a destroy would
//   delete the Deployment, Service, Secret… and only then stop at the Namespace: an outage. With every
//   object protected, the first deletions are refused and nothing is deleted. A change that would
//   replace an object (a new `namespace` or `appName`, an immutable field) stops the same way, with the
//   engine's "marked for protection" error naming the resource, before any change.
//   The exceptions are what a routine change replaces by design (REPLACED_BY_DESIGN): the random
//   generators (a rotation), the app's Secret and its settings ConfigMap (the kubernetes provider
//   replaces a ConfigMap or Secret whose data changes). Protected, they would block every rotation and
//   every settings change in production (the cluster tier's rolling update found it). The protected
//   Deployment depends on both, so a destroy still stops at the Deployment before deleting them.
// staging: nothing is protected. Staging is rebuilt from scratch by CI and the test tiers (destroy,
//   then up), holds only disposable data, and a guard that every teardown must clear by hand teaches
//   people to run `pulumi state unprotect` reflexively, which is exactly what must stay rare in production.
import type * as pulumi from "@pulumi/pulumi";
import { PRODUCTION, type Environment } from "./environment";

/** For objects that routine changes replace: never protected, even under a protected parent. */
export const REPLACED_BY_DESIGN = { protect: false } as const;

export interface ProtectionOptions {
    /** Options for every component of the stack (their children inherit them). */
    stack: Pick<pulumi.CustomResourceOptions, "protect">;
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
    if (environment !== PRODUCTION) return { stack: {}, namespace: {}, claim: {} };
    return {
        stack: { protect: true },
        namespace: { protect: true },
        claim: { protect: true, retainOnDelete: true },
    };
}

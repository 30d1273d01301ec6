// The pack's run API: the engine (lib/engine.ts) bound to the pack's catalogue (policies/index.ts).
// Options are the engine's without `catalogue`; `policies` defaults to every policy of the pack.
import * as engine from "./lib/engine";
import type { ManifestResource, ResolvedPolicy, Violation, ExemptedViolation } from "./lib/engine";
import type { PackPolicy } from "./lib/types";
import { catalogue } from "./policies";

export { defaultsOnly, LAZY_PROPS_WEIGHT, PACK_NAME, typeTokenFor } from "./lib/engine";
export type { ExemptedViolation, ManifestResource, PolicyConfigFile, ResolvedPolicy, Violation } from "./lib/engine";

export type RunOptions = Omit<engine.RunOptions, "catalogue">;

const bound = <T extends object>(opts: T): T & { catalogue: typeof catalogue } => ({ catalogue, ...opts });

/** Enforcement level and validated config per policy, as the CLI would send them to the pack. */
export function resolvePolicies(policies: PackPolicy[], opts: Pick<RunOptions, "config" | "kubernetesVersion" | "disallowAnnotationExemptions"> = {}): ResolvedPolicy[] {
    return engine.resolvePolicies(policies, bound(opts));
}

/** Runs the pack's policies one resource at a time (see lib/engine.ts). */
export class PolicyRunner extends engine.PolicyRunner {
    constructor(opts: RunOptions = {}) {
        super(bound(opts));
    }
}

/** Violations of `resources` under `opts` (findings waived by exemption annotations left out). */
export function runPolicies(resources: ManifestResource[], opts: RunOptions = {}): Violation[] {
    return engine.runPolicies(resources, bound(opts));
}

/** runPolicies, plus the findings exemption annotations waived. */
export function runPolicyCheck(resources: ManifestResource[], opts: RunOptions = {}): { violations: Violation[]; exempted: ExemptedViolation[] } {
    return engine.runPolicyCheck(resources, bound(opts));
}

/** Applies the remediate-level policies' fixes like the runtime's remediate RPC (see lib/engine.ts). */
export function remediateResource(resource: ManifestResource, opts: RunOptions = {}): Record<string, unknown> {
    return engine.remediateResource(resource, bound(opts));
}

// The contract every policy module, the pack (index.ts), the plain-manifest checker
// (check.ts) and the synth script share. Keep it small and stable: other teams import it.
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

export type Severity = "critical" | "high" | "medium" | "low";

/** One peer check id, or several when one policy of ours covers several of the peer's checks
 *  with the same meaning (e.g. Polaris hostIPCSet, hostPIDSet and hostNetworkSet). */
export type PeerIds = string | string[];

/** Where a policy sits among peer tools, so teams migrating from them can map rules. Only
 *  checks with the same meaning are listed; near-misses are documented in the README. */
export interface PeerMapping {
    /** Pod Security Standards control, e.g. "restricted/runAsNonRoot" or "baseline/hostNamespaces". */
    pss?: string;
    polaris?: PeerIds;
    checkov?: PeerIds;
    kyverno?: PeerIds;
    kubeScore?: PeerIds;
    gatekeeper?: PeerIds;
    kubeLinter?: PeerIds;
}

/** A peer mapping entry as a list. */
export function peerIds(ids: PeerIds | undefined): string[] {
    return ids === undefined ? [] : Array.isArray(ids) ? ids : [ids];
}

export interface PolicyMetadata {
    /** Stable kebab-case id; always equal to the policy's `name`. */
    id: string;
    title: string;
    severity: Severity;
    /** PSS level this policy implements, if it is a PSS control (drives `--only pss-baseline|pss-restricted`). */
    pssLevel?: "baseline" | "restricted";
    /** "pss" | "hygiene" | "stack" | "rbac" — used for selection and the README table. */
    category: "pss" | "hygiene" | "stack" | "rbac";
    frameworks: PeerMapping;
    /** Human remediation steps, imperative mood. */
    remediation: string;
    /** PSS controls only: the pod-security-admission check id this policy mirrors, e.g. "runAsNonRoot". */
    psaCheckId?: string;
    /** PSS restricted controls only: baseline policies this one replaces at the restricted level
     *  from a Kubernetes version on (pod-security-admission's OverrideCheckIDs), e.g.
     *  [{ policyId: "pss-baseline-capabilities", since: "1.22" }]. */
    overrides?: { policyId: string; since: string }[];
    /** The former policy id this one was split out of, now a group (lib/catalogue.ts): the group's
     *  config entry and an exemption annotation naming the group reach this policy too. */
    group?: string;
}

/**
 * `kinds`: the only kinds (any group and version) the policy can judge; for every other kind its
 * validateResource finds the resource not applicable. The checker's runner does not call it for
 * those (tests/policy-tooling/policy-kinds.test.ts holds every policy to its list).
 */
export type PackResourcePolicy = ResourceValidationPolicy & { metadata: PolicyMetadata; kinds?: readonly string[] };
/** `kinds`: the only kinds whose objects' props the policy reads (the checker keeps those in memory and loads others again if asked). */
export type PackStackPolicy = StackValidationPolicy & { metadata: PolicyMetadata; kinds?: readonly string[] };
export type PackPolicy = PackResourcePolicy | PackStackPolicy;

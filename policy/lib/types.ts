// The contract every policy module, the pack (index.ts), the plain-manifest checker
// (check.ts) and the synth script share. Keep it small and stable: other teams import it.
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

export type Severity = "critical" | "high" | "medium" | "low";

/** Where a policy sits among peer tools, so teams migrating from them can map rules. */
export interface PeerMapping {
    /** Pod Security Standards control, e.g. "restricted/runAsNonRoot" or "baseline/hostNamespaces". */
    pss?: string;
    polaris?: string;
    checkov?: string;
    kyverno?: string;
    kubeScore?: string;
    gatekeeper?: string;
}

export interface PolicyMetadata {
    /** Stable kebab-case id; always equal to the policy's `name`. */
    id: string;
    title: string;
    severity: Severity;
    /** PSS level this policy implements, if it is a PSS control (drives `--only pss-baseline|pss-restricted`). */
    pssLevel?: "baseline" | "restricted";
    /** "pss" | "hygiene" | "stack" — used for selection and the README table. */
    category: "pss" | "hygiene" | "stack";
    frameworks: PeerMapping;
    /** Human remediation steps, imperative mood. */
    remediation: string;
    /** PSS controls only: the pod-security-admission check id this policy mirrors, e.g. "runAsNonRoot". */
    psaCheckId?: string;
    /** PSS restricted controls only: baseline policies this one replaces at the restricted level
     *  from a Kubernetes version on (pod-security-admission's OverrideCheckIDs), e.g.
     *  [{ policyId: "pss-baseline-capabilities", since: "1.22" }]. */
    overrides?: { policyId: string; since: string }[];
}

export type PackResourcePolicy = ResourceValidationPolicy & { metadata: PolicyMetadata };
export type PackStackPolicy = StackValidationPolicy & { metadata: PolicyMetadata };
export type PackPolicy = PackResourcePolicy | PackStackPolicy;

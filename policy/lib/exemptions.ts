// Exemptions written on the object: an annotation `exempt.websvc-k8s/<policy id>: "<reason>"`
// waives that policy's findings on that object. The policy factories (resource-policy.ts,
// stack-policy.ts) apply it, so every policy built with them honours it, in the CrossGuard pack
// and in the checker alike. A waived finding is never silent: it goes to the exemption sink
// (the checker reports it as exempted, with the reason; in the pack, policy-exemptions reports it
// as an advisory finding), and an exemption that is not honoured says why in the finding itself.
import type { Obj } from "./k8s";

/** Annotation key prefix; the rest of the key is the policy id, e.g. exempt.websvc-k8s/hygiene-probes. */
export const EXEMPTION_ANNOTATION_PREFIX = "exempt.websvc-k8s/";

/** Per-policy setting that refuses annotation exemptions (for organisations that forbid self-exemption). */
export const DISALLOW_SETTING = "disallowAnnotationExemptions";

export type AnnotationExemption =
    | { honoured: true; annotation: string; reason: string }
    | { honoured: false; annotation: string; refusal: string };

export interface ExemptionRules {
    policyId: string;
    /** The former policy id this one was split out of (PolicyMetadata.group): an annotation that
     *  names the group exempts it too, so annotations written before the split keep working.
     *  The policy's own annotation wins. */
    group?: string;
    /** Pod Security Standards controls are never exempted by annotation (see policy/README.md). */
    category: "pss" | "hygiene" | "stack" | "rbac";
    /** The policy's disallowAnnotationExemptions setting. */
    disallowed?: boolean;
}

export const PSS_REFUSAL =
    "Pod Security Standards controls cannot be exempted by an annotation on the object; exempt them in the pack config (exemptNamespaces, exemptResources), as pod-security-admission's exemptions are set by the cluster admin";

/** What the object's annotations say about one policy; undefined when they do not name it. */
export function annotationExemption(props: Obj | undefined, rules: ExemptionRules): AnnotationExemption | undefined {
    let annotation = EXEMPTION_ANNOTATION_PREFIX + rules.policyId;
    let value: unknown;
    try {
        const annotations = props?.metadata?.annotations;
        if (annotations === null || typeof annotations !== "object") return undefined;
        for (const id of rules.group === undefined ? [rules.policyId] : [rules.policyId, rules.group]) {
            value = (annotations as Record<string, unknown>)[EXEMPTION_ANNOTATION_PREFIX + id];
            if (value !== undefined) {
                annotation = EXEMPTION_ANNOTATION_PREFIX + id;
                break;
            }
        }
    } catch {
        // An annotation unknown during preview cannot exempt anything: the finding stands.
        return undefined;
    }
    if (value === undefined) return undefined;
    if (rules.category === "pss") return { honoured: false, annotation, refusal: PSS_REFUSAL };
    if (rules.disallowed) return { honoured: false, annotation, refusal: `annotation exemptions are disallowed (${DISALLOW_SETTING})` };
    const reason = typeof value === "string" ? value.trim() : "";
    if (reason === "") return { honoured: false, annotation, refusal: "an exemption needs a reason as the annotation's value" };
    return { honoured: true, annotation, reason };
}

/** A finding an annotation waived. */
export interface ExemptedFinding {
    policy: string;
    /** URN of the exempted resource. */
    urn: string;
    message: string;
    reason: string;
    annotation: string;
}

/** The finding's message when an exemption annotation named the policy but was not honoured. */
export function withRefusal(message: string, exemption: AnnotationExemption & { honoured: false }): string {
    return `${message} [exemption ${exemption.annotation} not honoured: ${exemption.refusal}]`;
}

type Sink = (finding: ExemptedFinding) => void;

// In the pack (no runner around the policies), waived findings wait here for policy-exemptions,
// which the pack runs last in its stack validation.
const pending: ExemptedFinding[] = [];
let sink: Sink = (finding) => pending.push(finding);

/** Reports a waived finding to whoever runs the policies. */
export function reportExempted(finding: ExemptedFinding): void {
    sink(finding);
}

/** Runs `fn` with waived findings going to `collect` instead of the pack's queue (policies are synchronous). */
export function withExemptionSink<T>(collect: Sink, fn: () => T): T {
    const previous = sink;
    sink = collect;
    try {
        return fn();
    } finally {
        sink = previous;
    }
}

/** Takes the queued waived findings of these resources (all of them without a filter). */
export function takePendingExemptions(urns?: ReadonlySet<string>): ExemptedFinding[] {
    const taken: ExemptedFinding[] = [];
    let kept = 0;
    for (const f of pending) {
        if (!urns || urns.has(f.urn)) taken.push(f);
        else pending[kept++] = f;
    }
    pending.length = kept;
    return taken;
}

/** The annotation keys on an object that name a policy id not in `known` (typos exempt nothing). */
export function unknownExemptionAnnotations(props: Obj | undefined, known: ReadonlySet<string>): string[] {
    const annotations = props?.metadata?.annotations;
    if (annotations === null || typeof annotations !== "object") return [];
    return Object.keys(annotations).filter((k) => k.startsWith(EXEMPTION_ANNOTATION_PREFIX) && !known.has(k.slice(EXEMPTION_ANNOTATION_PREFIX.length)));
}

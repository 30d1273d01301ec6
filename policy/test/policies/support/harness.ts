// Runs one policy the way the CrossGuard runtime does (args built by policy/lib/args.ts),
// collecting reported messages and whether the policy declared itself not applicable.
import { isNotApplicable, makeResourceValidationArgs, makeStackValidationArgs, type ResourceInit } from "../../../lib/args";
import { resolvePolicies } from "../../../run";
import type { PackPolicy, PackResourcePolicy, PackStackPolicy } from "../../../lib/types";

export interface Outcome {
    messages: string[];
    notApplicable?: string;
}

export interface RunOneOptions {
    config?: Record<string, unknown>;
    stackTags?: Record<string, string>;
    unknownChecking?: boolean;
}

/** Config as CrossGuard would deliver it: validated against the policy's schema, defaults applied. */
export function effectiveConfig(policy: PackPolicy, config: Record<string, unknown> = {}): Record<string, unknown> {
    return resolvePolicies([policy], { config: { [policy.name]: config } })[0].config;
}

function capture(fn: (report: (m?: string) => void) => void): Outcome {
    const messages: string[] = [];
    try {
        fn((m) => messages.push(m ?? ""));
    } catch (e) {
        if (isNotApplicable(e)) {
            return { messages, notApplicable: e.reason ?? "" };
        }
        throw e;
    }
    return { messages };
}

export function validateResource(policy: PackPolicy, resource: ResourceInit, o: RunOneOptions = {}): Outcome {
    const validate = (policy as PackResourcePolicy).validateResource;
    if (!validate) {
        throw new Error(`${policy.name} has no validateResource`);
    }
    const args = makeResourceValidationArgs(resource, { config: effectiveConfig(policy, o.config), stackTags: o.stackTags, unknownChecking: o.unknownChecking });
    return capture((report) => {
        for (const v of Array.isArray(validate) ? validate : [validate]) {
            void v(args, report);
        }
    });
}

export function validateStack(policy: PackPolicy, resources: ResourceInit[], o: RunOneOptions = {}): Outcome {
    const validate = (policy as PackStackPolicy).validateStack;
    if (!validate) {
        throw new Error(`${policy.name} has no validateStack`);
    }
    const args = makeStackValidationArgs(resources, { config: effectiveConfig(policy, o.config), stackTags: o.stackTags, unknownChecking: o.unknownChecking });
    return capture((report) => void validate(args, report));
}

export function remediate(policy: PackPolicy, resource: ResourceInit, o: RunOneOptions = {}): Record<string, unknown> | undefined {
    const fix = (policy as PackResourcePolicy).remediateResource;
    if (!fix) {
        throw new Error(`${policy.name} has no remediateResource`);
    }
    const args = makeResourceValidationArgs(resource, { config: effectiveConfig(policy, o.config), stackTags: o.stackTags, unknownChecking: o.unknownChecking });
    try {
        return fix(args) as Record<string, unknown> | undefined;
    } catch (e) {
        if (isNotApplicable(e)) {
            return undefined;
        }
        throw e;
    }
}

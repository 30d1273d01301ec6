// The catalogue: the pack's policy list, its groups and default enforcement level, and selection
// by id / category keyword / group. Builds values only: importing it changes no other module.
import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { kubernetesMinor, type CommonConfig } from "../lib/config";
import type { PackPolicy, PackResourcePolicy } from "../lib/types";
import { hygieneAllowedRegistries } from "./hygiene-allowed-registries";
import { hygieneAutomountServiceAccountToken } from "./hygiene-automount-service-account-token";
import { hygieneDangerousCapabilities } from "./hygiene-dangerous-capabilities";
import { hygieneHighUidGid } from "./hygiene-high-uid-gid";
import { hygieneImageTag } from "./hygiene-image-tag";
import { hygieneInsecureCapabilities } from "./hygiene-insecure-capabilities";
import { hygieneNoSecretsInConfigMaps } from "./hygiene-no-secrets-in-configmaps";
import { hygienePriorityClass } from "./hygiene-priority-class";
import { hygieneRunAsNonRootUser } from "./hygiene-run-as-non-root-user";
import { hygieneNoDefaultServiceAccount } from "./hygiene-no-default-service-account";
import { hygieneNoSecretEnvLiterals } from "./hygiene-no-secret-env-literals";
import { hygieneCpuLimits } from "./hygiene-cpu-limits";
import { hygieneCpuRequests } from "./hygiene-cpu-requests";
import { hygieneEphemeralStorageLimits } from "./hygiene-ephemeral-storage-limits";
import { hygieneEphemeralStorageRequests } from "./hygiene-ephemeral-storage-requests";
import { hygieneLivenessProbe } from "./hygiene-liveness-probe";
import { hygieneMemoryLimits } from "./hygiene-memory-limits";
import { hygieneMemoryRequests } from "./hygiene-memory-requests";
import { hygieneReadinessProbe } from "./hygiene-readiness-probe";
import { hygieneReadOnlyRootFilesystem } from "./hygiene-read-only-root-filesystem";
import { hygieneResourceLimitRange } from "./hygiene-resource-limit-range";
import { hygieneStartupProbe } from "./hygiene-startup-probe";
import { pssBaselineAppArmor } from "./pss-baseline-apparmor";
import { pssBaselineCapabilities } from "./pss-baseline-capabilities";
import { pssBaselineHostNamespaces } from "./pss-baseline-host-namespaces";
import { pssBaselineHostPathVolumes } from "./pss-baseline-host-path-volumes";
import { pssBaselineHostPorts } from "./pss-baseline-host-ports";
import { pssBaselineHostProbes } from "./pss-baseline-host-probes";
import { pssBaselineHostProcess } from "./pss-baseline-host-process";
import { pssBaselinePrivileged } from "./pss-baseline-privileged";
import { pssBaselineProcMount } from "./pss-baseline-proc-mount";
import { pssBaselineSeccomp } from "./pss-baseline-seccomp";
import { pssBaselineSeLinux } from "./pss-baseline-selinux";
import { pssBaselineSysctls } from "./pss-baseline-sysctls";
import { pssRestrictedCapabilities } from "./pss-restricted-capabilities";
import { pssRestrictedPrivilegeEscalation } from "./pss-restricted-privilege-escalation";
import { pssRestrictedProcMount } from "./pss-restricted-proc-mount";
import { pssRestrictedRunAsNonRoot } from "./pss-restricted-run-as-non-root";
import { pssRestrictedRunAsUser } from "./pss-restricted-run-as-user";
import { pssRestrictedSeccomp } from "./pss-restricted-seccomp";
import { pssRestrictedVolumeTypes } from "./pss-restricted-volume-types";
import { rbacNoClusterAdminBinding } from "./rbac-no-cluster-admin-binding";
import { rbacNoClusterWideSecretRead } from "./rbac-no-cluster-wide-secret-read";
import { rbacNoPodsExecAttach } from "./rbac-no-pods-exec-attach";
import { rbacNoWildcards } from "./rbac-no-wildcards";
import { stackHpaMinReplicas } from "./stack-hpa-min-replicas";
import { stackIngressTls } from "./stack-ingress-tls";
import { stackMultipleReplicas } from "./stack-multiple-replicas";
import { stackTopologySpread } from "./stack-topology-spread";
import { stackNetworkPolicy } from "./stack-network-policy";
import { stackPodDisruptionBudget } from "./stack-pod-disruption-budget";
import { stackServiceMonitor } from "./stack-service-monitor";
import { stackServiceType } from "./stack-service-type";
import { configEntryFor as catalogueConfigEntryFor, groupMembers, groupSettings as catalogueGroupSettings, type Catalogue, type PolicyGroup } from "../lib/catalogue";

/** Default enforcement level of the pack (each policy may set its own). */
export const PACK_ENFORCEMENT_LEVEL = "mandatory" as const;

export const pssBaselinePolicies: PackPolicy[] = [
    pssBaselineHostProcess,
    pssBaselineHostNamespaces,
    pssBaselinePrivileged,
    pssBaselineCapabilities,
    pssBaselineHostPathVolumes,
    pssBaselineHostPorts,
    pssBaselineAppArmor,
    pssBaselineSeLinux,
    pssBaselineProcMount,
    pssBaselineSeccomp,
    pssBaselineSysctls,
    pssBaselineHostProbes,
];

export const pssRestrictedPolicies: PackPolicy[] = [
    pssRestrictedVolumeTypes,
    pssRestrictedPrivilegeEscalation,
    pssRestrictedRunAsNonRoot,
    pssRestrictedRunAsUser,
    pssRestrictedSeccomp,
    pssRestrictedCapabilities,
    pssRestrictedProcMount,
];

export const hygienePolicies: PackPolicy[] = [
    hygieneReadOnlyRootFilesystem,
    hygieneCpuRequests,
    hygieneCpuLimits,
    hygieneMemoryRequests,
    hygieneMemoryLimits,
    hygieneEphemeralStorageRequests,
    hygieneEphemeralStorageLimits,
    hygieneResourceLimitRange,
    hygieneLivenessProbe,
    hygieneReadinessProbe,
    hygieneStartupProbe,
    hygieneImageTag,
    hygieneAllowedRegistries,
    hygieneAutomountServiceAccountToken,
    hygieneNoDefaultServiceAccount,
    hygieneNoSecretEnvLiterals,
    hygieneHighUidGid,
    hygieneInsecureCapabilities,
    hygieneDangerousCapabilities,
    hygieneRunAsNonRootUser,
    hygienePriorityClass,
    hygieneNoSecretsInConfigMaps,
];

export const stackPolicies: PackPolicy[] = [
    stackPodDisruptionBudget,
    stackHpaMinReplicas,
    stackNetworkPolicy,
    stackServiceType,
    stackIngressTls,
    stackServiceMonitor,
    stackMultipleReplicas,
    stackTopologySpread,
];

export const rbacPolicies: PackPolicy[] = [
    rbacNoClusterAdminBinding,
    rbacNoPodsExecAttach,
    rbacNoWildcards,
    rbacNoClusterWideSecretRead,
];

export const allPolicies: PackPolicy[] = [...pssBaselinePolicies, ...pssRestrictedPolicies, ...hygienePolicies, ...stackPolicies, ...rbacPolicies];

/**
 * The restricted level of pod-security-admission replaces some baseline checks with stricter
 * restricted ones from a version on (e.g. capabilities from 1.22). Where the replacement is not
 * a superset (Windows pods are exempt from restricted capabilities/seccomp from 1.25), running
 * both would reject pods the restricted level admits. So for `pss-restricted` the replaced
 * baseline policy steps aside (not applicable) from that version on.
 */
function steppingAsideFrom(baseline: PackResourcePolicy, restrictedId: string, since: string): PackResourcePolicy {
    const validate = baseline.validateResource;
    const validations = validate === undefined ? [] : Array.isArray(validate) ? validate : [validate];
    const sinceMinor = kubernetesMinor(since);
    return {
        ...baseline,
        validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
            const cfg = args.getConfig<Partial<CommonConfig>>();
            if (kubernetesMinor(cfg.kubernetesVersion) >= sinceMinor) {
                args.notApplicable(`replaced by ${restrictedId} at the restricted level from Kubernetes ${since}`);
            }
            for (const v of validations) {
                v(args, report);
            }
        },
    };
}

function restrictedLevel(): PackPolicy[] {
    const byId = new Map(pssBaselinePolicies.map((p) => [p.name, p]));
    for (const r of pssRestrictedPolicies) {
        for (const o of r.metadata.overrides ?? []) {
            const baseline = byId.get(o.policyId);
            if (baseline && "validateResource" in baseline) {
                byId.set(o.policyId, steppingAsideFrom(baseline as PackResourcePolicy, r.name, o.since));
            }
        }
    }
    return [...byId.values(), ...pssRestrictedPolicies];
}

export type { PolicyGroup } from "../lib/catalogue";

/** The former policy ids that are now groups of per-aspect policies (see lib/catalogue.ts). */
export const policyGroups: Record<string, PolicyGroup> = {
    "hygiene-resources": {
        members: groupMembers(allPolicies, "hygiene-resources"),
        optIn: { setting: "requireEphemeralStorage", members: ["hygiene-ephemeral-storage-requests", "hygiene-ephemeral-storage-limits"] },
    },
    "hygiene-probes": {
        members: groupMembers(allPolicies, "hygiene-probes"),
    },
};

/** The pack's catalogue: what the engine (lib/engine.ts) and the checker are handed. */
export const catalogue: Catalogue = { policies: allPolicies, groups: policyGroups, enforcementLevel: PACK_ENFORCEMENT_LEVEL };

/** Settings a group entry may carry: its members' settings plus its opt-in switch. */
export function groupSettings(groupId: string): Set<string> {
    return catalogueGroupSettings(catalogue, groupId);
}

/** A policy's config entry with its group's entry folded in underneath (the policy's own wins). */
export function configEntryFor(file: Record<string, unknown>, policy: PackPolicy): unknown {
    return catalogueConfigEntryFor(policyGroups, file, policy);
}

const keywords: Record<string, () => PackPolicy[]> = {
    "pss-baseline": () => pssBaselinePolicies,
    "pss-restricted": restrictedLevel,
    pss: () => [...pssBaselinePolicies, ...pssRestrictedPolicies],
    hygiene: () => hygienePolicies,
    stack: () => stackPolicies,
    rbac: () => rbacPolicies,
    all: () => allPolicies,
};

/**
 * Policies for a comma list of policy ids and/or keywords (pss-baseline, pss-restricted, pss,
 * hygiene, stack, rbac, all) and/or group ids (policyGroups). Order follows the pack; duplicates collapse (a keyword's variant wins).
 */
export function selectPolicies(selector: string): PackPolicy[] {
    const chosen = new Map<string, PackPolicy>();
    const items = selector.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
    if (items.length === 0) {
        throw new Error("empty policy selector: give policy ids or one of " + Object.keys(keywords).join(", "));
    }
    for (const item of items) {
        const group = policyGroups[item];
        const fromKeyword = keywords[item] ?? (group && (() => allPolicies.filter((p) => group.members.includes(p.name))));
        if (fromKeyword) {
            for (const p of fromKeyword()) {
                chosen.set(p.name, p);
            }
            continue;
        }
        const policy = allPolicies.find((p) => p.name === item);
        if (!policy) {
            throw new Error(`unknown policy or keyword "${item}" (keywords: ${Object.keys(keywords).join(", ")}; groups: ${Object.keys(policyGroups).join(", ")})`);
        }
        if (!chosen.has(item)) {
            chosen.set(item, policy);
        }
    }
    const order = new Map(allPolicies.map((p, i) => [p.name, i]));
    return [...chosen.values()].sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
}

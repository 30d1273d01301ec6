// Pod Security Standards "restricted" building blocks: the namespace labels that make the
// admission controller enforce the profile, and the pod/container security contexts that pass it.
// Kept free of Pulumi resources so tests and other components can reuse them directly.
import { kubernetesMinor } from "./kubernetes-version";
import { describeProblem, type ArgProblem } from "./problems";

/** UID/GID the embedded app image runs as (app/Dockerfile: USER 10001:10001). */
export const DEFAULT_RUN_AS_USER = 10001;
/** Lowest UID/GID we accept: well clear of system and distro-allocated users (and of host users if user namespaces are off). */
export const MIN_NON_ROOT_ID = 10000;

export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

/**
 * Namespace labels for Pod Security Admission. enforce, audit and warn all use the same level,
 * each pinned to the cluster's version so a control-plane upgrade never silently changes which
 * checks apply (the policy is re-pinned deliberately, together with kubernetesVersion).
 */
export function podSecurityLabels(level: PodSecurityLevel, kubernetesVersion: string): Record<string, string> {
    const version = `v1.${kubernetesMinor(kubernetesVersion)}`;
    const labels: Record<string, string> = {};
    for (const mode of ["enforce", "audit", "warn"] as const) {
        labels[`pod-security.kubernetes.io/${mode}`] = level;
        labels[`pod-security.kubernetes.io/${mode}-version`] = version;
    }
    return labels;
}

export interface RunAsIds {
    runAsUser: number;
    runAsGroup: number;
}

/** Both ids must be integers >= MIN_NON_ROOT_ID (paths "runAsUser", "runAsGroup"). */
export function nonRootIdProblems(ids: RunAsIds): ArgProblem[] {
    return Object.entries(ids)
        .filter(([, id]) => !Number.isInteger(id) || id < MIN_NON_ROOT_ID)
        .map(([field, id]) => ({ path: field, message: `must be an integer >= ${MIN_NON_ROOT_ID}, got ${id}` }));
}

/** Throws unless both ids are integers >= MIN_NON_ROOT_ID. */
export function assertNonRootIds(ids: RunAsIds): void {
    const problems = nonRootIdProblems(ids);
    if (problems.length > 0) throw new Error(problems.map(describeProblem).join("; "));
}

/**
 * The restricted profile's fields that do not depend on who runs: for third-party images (the
 * platform charts), which choose their own non-root user.
 */
export const RESTRICTED_POD_BASELINE = { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } } as const;
export const RESTRICTED_CONTAINER_BASELINE = {
    runAsNonRoot: true,
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
} as const;

/** Pod-level context for the restricted profile. fsGroup makes mounted volumes writable for the app's group. */
export function restrictedPodSecurityContext(ids: RunAsIds, options: { hasPersistentVolume?: boolean } = {}) {
    assertNonRootIds(ids);
    return {
        runAsNonRoot: RESTRICTED_POD_BASELINE.runAsNonRoot,
        runAsUser: ids.runAsUser,
        runAsGroup: ids.runAsGroup,
        fsGroup: ids.runAsGroup,
        // Only matters for real volumes: skips the recursive chown on every mount once ownership is right.
        ...(options.hasPersistentVolume ? { fsGroupChangePolicy: "OnRootMismatch" } : {}),
        seccompProfile: { ...RESTRICTED_POD_BASELINE.seccompProfile },
    };
}

/**
 * Container-level context. Repeats the ids and seccomp profile from the pod level on purpose:
 * a container-level value wins, so being explicit here keeps the container compliant even if
 * someone edits the pod-level context.
 */
export function restrictedContainerSecurityContext(ids: RunAsIds) {
    assertNonRootIds(ids);
    const { runAsNonRoot, capabilities, seccompProfile, ...rest } = RESTRICTED_CONTAINER_BASELINE;
    return {
        runAsNonRoot,
        runAsUser: ids.runAsUser,
        runAsGroup: ids.runAsGroup,
        ...rest,
        capabilities: { drop: [...capabilities.drop] },
        seccompProfile: { ...seccompProfile },
    };
}

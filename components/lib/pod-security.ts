// Pod Security Standards "restricted" building blocks: the namespace labels that make the
// admission controller enforce the profile, and the pod/container security contexts that pass it.
// Kept free of Pulumi resources so tests and other components can reuse them directly.

/** UID/GID the embedded app image runs as (app/Dockerfile: USER 10001:10001). */
export const DEFAULT_RUN_AS_USER = 10001;
/** Lowest UID/GID we accept: well clear of system and distro-allocated users (and of host users if user namespaces are off). */
export const MIN_NON_ROOT_ID = 10000;

export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

/** Parses "1.34" (or "v1.34", "1.34.2") to its minor number; throws on anything that is not a 1.x version. */
export function kubernetesMinor(version: string): number {
    const m = /^v?1\.(\d+)(\.\d+)?$/.exec(version.trim());
    if (!m) throw new Error(`kubernetesVersion must look like "1.34", got ${JSON.stringify(version)}`);
    return Number(m[1]);
}

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

/** Throws unless both ids are integers >= MIN_NON_ROOT_ID. */
export function assertNonRootIds(ids: RunAsIds): void {
    for (const [field, id] of Object.entries(ids)) {
        if (!Number.isInteger(id) || id < MIN_NON_ROOT_ID) {
            throw new Error(`${field} must be an integer >= ${MIN_NON_ROOT_ID}, got ${id}`);
        }
    }
}

/** Pod-level context for the restricted profile. fsGroup makes mounted volumes writable for the app's group. */
export function restrictedPodSecurityContext(ids: RunAsIds, options: { hasPersistentVolume?: boolean } = {}) {
    assertNonRootIds(ids);
    return {
        runAsNonRoot: true,
        runAsUser: ids.runAsUser,
        runAsGroup: ids.runAsGroup,
        fsGroup: ids.runAsGroup,
        // Only matters for real volumes: skips the recursive chown on every mount once ownership is right.
        ...(options.hasPersistentVolume ? { fsGroupChangePolicy: "OnRootMismatch" } : {}),
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/**
 * Container-level context. Repeats the ids and seccomp profile from the pod level on purpose:
 * a container-level value wins, so being explicit here keeps the container compliant even if
 * someone edits the pod-level context.
 */
export function restrictedContainerSecurityContext(ids: RunAsIds) {
    assertNonRootIds(ids);
    return {
        runAsNonRoot: true,
        runAsUser: ids.runAsUser,
        runAsGroup: ids.runAsGroup,
        privileged: false,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}

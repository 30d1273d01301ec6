// Builds one CrossGuard policy per Pod Security Standards control. Each control lists the
// Kubernetes versions its behaviour changed in (as pod-security-admission does): a pod is
// judged by the newest variant not newer than the configured kubernetesVersion, and a control
// that did not exist yet at that version does not apply.
import type { ResourceValidationArgs } from "@pulumi/policy";
import { kubernetesMinor } from "./config";
import { containersOf, dig, podViewOf, type ContainerRef, type Obj, type PodView } from "./k8s";
import { POD_KINDS, requirePodView, resourcePolicy, type Finding } from "./resource-policy";
import type { PackResourcePolicy, PeerMapping, Severity } from "./types";

export type { Finding };

export type PodCheck = (view: PodView) => Finding[];

export interface VersionedCheck {
    /** Minor version (1.N) from which this variant applies. */
    since: number;
    check: PodCheck;
}

export interface PssControl {
    id: string;
    title: string;
    description: string;
    level: "baseline" | "restricted";
    /** Control name in the PSS docs and pod-security-admission check id. */
    psaCheckId: string;
    severity: Severity;
    frameworks: Omit<PeerMapping, "pss">;
    remediation: string;
    versions: VersionedCheck[];
    overrides?: { policyId: string; since: number }[];
    /** Safe automatic fix, given a plain copy of the pod view (mutate it in place). */
    remediate?: (view: PodView) => void;
}

export function activeCheck(versions: VersionedCheck[], minor: number): VersionedCheck | undefined {
    let found: VersionedCheck | undefined;
    for (const v of versions) {
        if (v.since <= minor) {
            found = v;
        }
    }
    return found;
}

/** The check variant for the configured Kubernetes version, or not applicable. */
function checkAt(control: PssControl, args: ResourceValidationArgs, kubernetesVersion: string): PodCheck {
    const variant = activeCheck(control.versions, kubernetesMinor(kubernetesVersion));
    if (!variant) {
        return args.notApplicable(`${control.level}/${control.psaCheckId} does not exist before Kubernetes 1.${control.versions[0].since}`);
    }
    return variant.check;
}

export function pssPolicy(control: PssControl): PackResourcePolicy {
    const fix = control.remediate;
    return resourcePolicy({
        id: control.id,
        title: control.title,
        description: control.description,
        severity: control.severity,
        category: "pss",
        frameworks: { pss: `${control.level}/${control.psaCheckId}`, ...control.frameworks },
        remediation: control.remediation,
        metadata: {
            pssLevel: control.level,
            psaCheckId: control.psaCheckId,
            overrides: control.overrides?.map((o) => ({ policyId: o.policyId, since: `1.${o.since}` })),
        },
        kinds: POD_KINDS,
        check: (args, cfg) => {
            const view = requirePodView(args);
            return checkAt(control, args, cfg.kubernetesVersion)(view);
        },
        remediate: fix && ((props, args) => {
            const view = podViewOf(args.type, props, { defaults: false });
            if (view?.specPresent) {
                fix(view);
            }
        }),
    });
}

// ---- small readers shared by the controls -------------------------------------------------

export function podSecurityContext(view: PodView): Obj | undefined {
    return dig(view.podSpec, "securityContext");
}

export function containerSecurityContext(ref: ContainerRef): Obj | undefined {
    return dig(ref.container, "securityContext");
}

export function isWindowsPod(view: PodView): boolean {
    return dig(view.podSpec, "os", "name") === "windows";
}

/** hostUsers: false puts the pod in a user namespace; some controls relax for it from 1.35. */
export function inUserNamespace(view: PodView): boolean {
    return view.podSpec.hostUsers === false;
}

export function isSet(v: unknown): boolean {
    return v !== undefined && v !== null;
}

export function quote(v: unknown): string {
    return JSON.stringify(v);
}

export function containerLabel(ref: ContainerRef): string {
    return `container ${quote(ref.name)}`;
}

/** Wraps a check so it passes Windows pods (restricted controls from 1.25). */
export function exceptWindows(check: PodCheck): PodCheck {
    return (view) => (isWindowsPod(view) ? [] : check(view));
}

/** Wraps a check so it passes pods with hostUsers: false (user-namespaced, from 1.35). */
export function exceptUserNamespace(check: PodCheck): PodCheck {
    return (view) => (inUserNamespace(view) ? [] : check(view));
}

/** Pod-level and per-container findings for a securityContext field checked in both places. */
export function securityContextFindings(
    view: PodView,
    judge: (sc: Obj | undefined, where: string) => string | undefined,
    field: string,
): Finding[] {
    const findings: Finding[] = [];
    const podMsg = judge(podSecurityContext(view), "pod");
    if (podMsg) {
        findings.push({ path: `${view.specPath}.securityContext.${field}`, message: podMsg });
    }
    for (const ref of containersOf(view)) {
        const msg = judge(containerSecurityContext(ref), containerLabel(ref));
        if (msg) {
            findings.push({ path: `${ref.path}.securityContext.${field}`, message: msg });
        }
    }
    return findings;
}

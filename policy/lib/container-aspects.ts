// Factories for the per-aspect container policies that peers check one by one (Polaris,
// kube-score, Kyverno): one policy per resource request or limit and one per probe, so an
// organisation can switch one aspect off (dropping CPU limits is a common, deliberate choice).
// Both judge the regular containers of the pod as the API server stores it (requests defaulted
// from limits, see pod-defaults.ts); init and ephemeral containers are out of scope, as for the peers.
import { containersOf, dig, isObj, type ContainerRef } from "./k8s";
import { parseQuantity } from "./quantity";
import { isBatch, POD_KINDS, requirePodView, resourcePolicy } from "./resource-policy";
import type { PackResourcePolicy, PeerMapping, PolicyMetadata, Severity } from "./types";

export type ResourceName = "cpu" | "memory" | "ephemeral-storage";
export type ResourceField = "requests" | "limits";

export interface AspectDef {
    id: string;
    title: string;
    severity: Severity;
    enforcementLevel?: "advisory" | "mandatory";
    frameworks: PeerMapping;
    remediation: string;
    metadata?: Pick<PolicyMetadata, "group">;
}

/** Regular containers only: init containers run to completion, ephemeral ones cannot set either. */
export function servingContainers(refs: ContainerRef[]): ContainerRef[] {
    return refs.filter((r) => r.group === "containers");
}

export function resourceAspectPolicy(def: AspectDef & { resource: ResourceName; field: ResourceField }): PackResourcePolicy {
    const what = `${def.resource} ${def.field === "requests" ? "request" : "limit"}`;
    const aWhat = `${/^[aeiou]/.test(what) ? "an" : "a"} ${what}`;
    return resourcePolicy({
        ...def,
        description: `Every container must set ${aWhat} (resources.${def.field}.${def.resource}).`,
        kinds: POD_KINDS,
        check: (args) => servingContainers(containersOf(requirePodView(args)))
            .filter((ref) => parseQuantity(dig(ref.container, "resources", def.field, def.resource)) === undefined)
            .map((ref) => ({ path: `${ref.path}.resources.${def.field}.${def.resource}`, message: `container "${ref.name}" must set ${aWhat}` })),
    });
}

export type ProbeName = "livenessProbe" | "readinessProbe" | "startupProbe";

export function probePolicy(def: AspectDef & { probe: ProbeName }): PackResourcePolicy {
    return resourcePolicy({
        ...def,
        description: `Long-running containers must define a ${def.probe}.`,
        kinds: POD_KINDS,
        check: (args) => {
            const view = requirePodView(args);
            if (isBatch(view)) {
                args.notApplicable(`${view.kind} pods run to completion`);
            }
            return servingContainers(containersOf(view))
                .filter((ref) => !isObj(ref.container[def.probe]))
                .map((ref) => ({ path: `${ref.path}.${def.probe}`, message: `container "${ref.name}" must define a ${def.probe}` }));
        },
    });
}

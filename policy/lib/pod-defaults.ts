// The API server's v1 defaults that change a verdict, applied to a pod spec the way
// k8s.io/kubernetes/pkg/apis/core/v1 (defaults.go, zz_generated.defaults.go at v1.37.2,
// SetObjectDefaults_Pod) applies them before admission. Pod-security-admission judges the stored,
// defaulted pod; so does every policy here, through the pod view (k8s.ts podViewOf).
//
// Pods created from a template (Deployment, Job, ...) are defaulted as Pods when the controller
// creates them, so the Pod-only defaults (SetDefaults_Pod) apply to every pod-bearing kind.
//
// Applied (each changes what some policy sees):
//  - SetDefaults_Volume: a volume with no source becomes emptyDir: {} (restricted volume types);
//  - SetDefaults_Pod, hostNetwork: every containerPort of containers and init containers with no
//    hostPort gets hostPort = containerPort (baseline host ports);
//  - SetDefaults_Pod: a container's or init container's limits are copied to requests that are
//    not set (the resource request policies);
//  - SetDefaults_PodSpec: serviceAccountName is taken from the deprecated serviceAccount when
//    empty (service account policies).
// Not applied, because no policy's verdict depends on them: imagePullPolicy (no policy reads it:
// see the pullPolicyNotAlways near-miss in the README), probe timings and HTTPGet path/scheme,
// port protocol, dnsPolicy, restartPolicy, schedulerName, terminationGracePeriodSeconds,
// enableServiceLinks, volume defaultMode, an empty pod securityContext, quantity rounding.
//
// Copy-on-write: the input is never modified (it may be the runtime's props proxy); objects along
// a changed path are shallow-copied. A value that is unknown during preview is left alone, so the
// policy that reads it reports the unknown exactly as before.
// From proxy.js (no dependencies), the class the package root re-exports: the root would load the
// policy runtime's server, @pulumi/pulumi and gRPC into every checker run.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a private module of @pulumi/policy, by path (see above)
const { UnknownValueError } = require("@pulumi/policy/proxy") as Pick<typeof import("@pulumi/policy"), "UnknownValueError">;
// Not imported from k8s.ts, which imports this module (its pod view applies these defaults).
type Obj = Record<string, any>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Every field of core/v1 VolumeSource (k8s.io/api v0.37.2): a volume with none of them set is emptyDir. */
export const volumeSourceFields: readonly string[] = [
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi",
    "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI", "fc",
    "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "projected",
    "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image",
];

const isSet = (v: unknown) => v !== undefined && v !== null;

/** Runs one defaulting step; a preview unknown leaves that part as it is. */
function unlessUnknown<T>(step: () => T, otherwise: T): T {
    try {
        return step();
    } catch (e) {
        if (e instanceof UnknownValueError) return otherwise;
        throw e;
    }
}

/** Maps an array, returning the same array when no element changed. */
function mapSame<T>(items: T[], fn: (item: T) => T): T[] {
    let changed = false;
    const out = items.map((item) => {
        const next = fn(item);
        changed ||= next !== item;
        return next;
    });
    return changed ? out : items;
}

function defaultVolume(v: unknown): unknown {
    if (!isObj(v) || volumeSourceFields.some((f) => isSet(v[f]))) return v;
    return { ...v, emptyDir: {} };
}

function defaultHostPorts(c: Obj): Obj {
    if (!Array.isArray(c.ports)) return c;
    const ports = mapSame(c.ports as unknown[], (p) =>
        isObj(p) && (!isSet(p.hostPort) || p.hostPort === 0) && typeof p.containerPort === "number" && p.containerPort !== 0
            ? { ...p, hostPort: p.containerPort } : p);
    return ports === c.ports ? c : { ...c, ports };
}

function defaultRequestsFromLimits(c: Obj): Obj {
    const resources = c.resources;
    if (!isObj(resources) || !isObj(resources.limits)) return c;
    const requests = isObj(resources.requests) ? resources.requests : {};
    const missing = Object.keys(resources.limits).filter((k) => !(k in requests));
    if (missing.length === 0) return c;
    const filled: Obj = { ...requests };
    for (const k of missing) filled[k] = resources.limits[k];
    return { ...c, resources: { ...resources, requests: filled } };
}

function defaultContainers(list: unknown, steps: ((c: Obj) => Obj)[]): unknown {
    if (!Array.isArray(list)) return list;
    return mapSame(list as unknown[], (c) => (isObj(c) ? steps.reduce((acc, step) => unlessUnknown(() => step(acc), acc), c) : c));
}

/** Marks a field that stays as it is (nothing to default, or unknown during preview). */
const KEEP: unique symbol = Symbol("keep");

/** The pod spec as the API server stores it (for the defaults above); the same object when nothing applies. */
export function defaultedPodSpec(spec: Obj): Obj {
    const out: Obj = {};
    const set = (key: string, compute: (current: unknown) => unknown) => {
        const value = unlessUnknown(() => {
            const current = spec[key];
            const next = compute(current);
            return next === current ? KEEP : next;
        }, KEEP);
        if (value !== KEEP) out[key] = value;
    };
    const hostNetwork = unlessUnknown(() => spec.hostNetwork === true, false);
    const podSteps = [defaultRequestsFromLimits, ...(hostNetwork ? [defaultHostPorts] : [])];
    set("containers", (list) => defaultContainers(list, podSteps));
    set("initContainers", (list) => defaultContainers(list, podSteps));
    set("volumes", (list) => (Array.isArray(list) ? mapSame(list as unknown[], (v) => unlessUnknown(() => defaultVolume(v), v)) : list));
    set("serviceAccountName", (name) => {
        const legacy = spec.serviceAccount;
        return (!isSet(name) || name === "") && typeof legacy === "string" && legacy !== "" ? legacy : name;
    });
    if (Object.keys(out).length === 0) return spec;
    // The original's keys in their order, the defaulted ones replaced; the others are read through
    // from the original on access, so a preview unknown still throws where a policy reads it.
    const copy: Obj = {};
    for (const key of Object.keys(spec)) {
        if (key in out) copy[key] = out[key];
        else Object.defineProperty(copy, key, { get: () => spec[key], enumerable: true, configurable: true });
    }
    for (const key of Object.keys(out)) if (!(key in copy)) copy[key] = out[key];
    return copy;
}

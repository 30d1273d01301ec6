// Builds ResourceValidationArgs / StackValidationArgs the way the @pulumi/policy 1.21 runtime
// (server.js makeAnalyzeRpcFun / makeAnalyzeStackRpcFun) builds them, so policies can be run
// outside a gRPC-served PolicyPack (tests, the plain-manifest checker, the benchmark).
//
// Reused from the runtime rather than re-implemented:
//  - `deserializeProperties` (props go through a protobuf Struct like on the wire),
//  - `unknownCheckingProxy` / `UnknownValueError` (preview-time unknowns),
//  - the not-applicable signal: the runtime does not export its NotApplicableError, so we take
//    the real `notApplicable` function from one probe call of the exported makeAnalyzeRpcFun.
// The wire round trip and the probe need @pulumi/policy's server, which loads @pulumi/pulumi and
// gRPC (~1 s): they are loaded on first use only, so the checker's plain-JSON path (wire: false,
// unknownChecking: false) never pays for them.
import type {
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
} from "@pulumi/policy";
import { detach } from "./detach";
/* eslint-disable @typescript-eslint/no-require-imports -- private modules of @pulumi/policy without type declarations, loaded by path (some on first use only) */
// proxy.js has no dependencies, so it is cheap to load eagerly (the package root would load the server).
const proxyInternals = require("@pulumi/policy/proxy");
const { UnknownValueError, unknownCheckingProxy } = proxyInternals as Pick<typeof import("@pulumi/policy"), "UnknownValueError" | "unknownCheckingProxy">;

/** The runtime modules only the wire round trip, isType and the probe need, loaded on first use. */
const runtime = (() => {
    let loaded: { server: any; policyInternals: any; deserialize: any; analyzerproto: any; Struct: any } | undefined;
    return () =>
        (loaded ??= {
            server: require("@pulumi/policy/server"),
            policyInternals: require("@pulumi/policy/policy"),
            deserialize: require("@pulumi/policy/deserialize"),
            analyzerproto: require("@pulumi/pulumi/proto/analyzer_pb"),
            Struct: require("google-protobuf/google/protobuf/struct_pb").Struct,
        });
})();
/* eslint-enable @typescript-eslint/no-require-imports */

export { UnknownValueError };

/** The sentinels the engine puts in place of values that are unknown during preview. */
export const unknown = {
    string: proxyInternals.unknownStringValue as string,
    number: proxyInternals.unknownNumberValue as string,
    boolean: proxyInternals.unknownBooleanValue as string,
    array: proxyInternals.unknownArrayValue as string,
    object: proxyInternals.unknownObjectValue as string,
} as const;

type ThrowNotApplicable = (reason?: string) => never;

/** Obtains the runtime's own `notApplicable` implementation (and so its error class). */
function harvestRuntimeNotApplicable(): ThrowNotApplicable {
    const { server, analyzerproto, Struct } = runtime();
    let captured: ThrowNotApplicable | undefined;
    const analyze = server.makeAnalyzeRpcFun("args-probe", "0.0.0", "advisory", [{
        name: "args-probe",
        description: "captures the runtime notApplicable function",
        validateResource: (args: ResourceValidationArgs) => { captured = args.notApplicable; },
    }]);
    const req = new analyzerproto.AnalyzeRequest();
    req.setType("probe:index:Probe");
    req.setName("probe");
    req.setUrn("urn:pulumi:probe::probe::probe:index:Probe::probe");
    req.setProperties(Struct.fromJavaScript({}));
    req.setOptions(new analyzerproto.AnalyzerResourceOptions());
    // The validation runs synchronously before the first await; the response is irrelevant.
    analyze({ request: req }, () => undefined);
    if (!captured) {
        throw new Error("could not obtain notApplicable from @pulumi/policy's runtime");
    }
    return captured;
}

let runtimeSignal: { throwIt: ThrowNotApplicable; errorClass: new (...a: never[]) => Error } | undefined;

function runtimeNotApplicableSignal(): NonNullable<typeof runtimeSignal> {
    if (!runtimeSignal) {
        const throwIt = harvestRuntimeNotApplicable();
        try {
            throwIt("probe");
        } catch (e) {
            runtimeSignal = { throwIt, errorClass: (e as Error).constructor as new (...a: never[]) => Error };
        }
        if (!runtimeSignal) throw new Error("runtime notApplicable did not throw");
    }
    return runtimeSignal;
}

/** The runtime's notApplicable function (loads the runtime on first call). */
export const runtimeNotApplicable: ThrowNotApplicable = (reason?: string) => runtimeNotApplicableSignal().throwIt(reason);

/**
 * The plain path's not-applicable signal: thrown like the runtime's NotApplicableError and with
 * its `reason`, but not an Error. Policies throw it for every resource they do not cover (tens of
 * thousands of times on a large corpus), and constructing Errors was ~7% of the checker's time.
 */
class PlainNotApplicable {
    readonly name = "NotApplicableError";
    constructor(readonly reason?: string) {}
    get message(): string {
        return this.reason ?? "";
    }
}

/** notApplicable for the plain path (no wire round trip, no proxy): the runtime is never loaded. */
export const plainNotApplicable: ThrowNotApplicable = (reason?: string) => {
    throw new PlainNotApplicable(reason);
};

/** True when `e` is a not-applicable signal (the runtime's or the plain path's); `reason` is what the policy passed. */
export function isNotApplicable(e: unknown): e is { reason?: string; message: string } {
    return e instanceof PlainNotApplicable || (runtimeSignal !== undefined && e instanceof runtimeSignal.errorClass);
}

export type StackTagsInput = Record<string, string> | ReadonlyMap<string, string>;

// Maps freezeStackTags made: the runtime builds stackTags once per pack, so one frozen map can be
// handed to every policy call; freezing it again per call only cost time.
const frozenTags = new WeakSet<object>();

/** Read-only map with the same surface the runtime's freezeMap gives policies (returned as is if it is one). */
export function freezeStackTags(tags: StackTagsInput | undefined): ReadonlyMap<string, string> {
    if (tags && frozenTags.has(tags)) return tags as ReadonlyMap<string, string>;
    const map = new Map<string, string>(tags instanceof Map ? tags : Object.entries(tags ?? {}));
    const frozen = Object.freeze({
        entries: map.entries.bind(map),
        forEach: map.forEach.bind(map),
        get: map.get.bind(map),
        has: map.has.bind(map),
        keys: map.keys.bind(map),
        size: map.size,
        values: map.values.bind(map),
        [Symbol.iterator]: map[Symbol.iterator].bind(map),
    });
    frozenTags.add(frozen);
    return frozen as unknown as ReadonlyMap<string, string>;
}

/** Drops `undefined` (as the engine does when serializing inputs) and sends props through a
 *  protobuf Struct and the runtime's deserializer, so policies see exactly what they see live. */
export function wireProps(props: Record<string, unknown>): Record<string, any> {
    const { deserialize, Struct } = runtime();
    const plain = JSON.parse(JSON.stringify(props ?? {}));
    return deserialize.deserializeProperties(Struct.fromJavaScript(plain), false);
}

/** Thrown inside plainWireProps when a value needs the real round trip. */
const NOT_PLAIN: unique symbol = Symbol("not plain JSON");

/**
 * What wireProps returns, computed without protobuf for values that are plain JSON already
 * (parsed YAML/JSON: plain objects and arrays, strings, finite numbers, booleans, null): a deep
 * copy with every object's keys in the order the Struct round trip gives them (sorted, as
 * google-protobuf's Map iterates). Anything else (undefined, NaN/Infinity, -0, class instances,
 * `__proto__` or the engine's signature key) goes through wireProps itself, so the result is
 * always identical to wireProps(props).
 */
export function plainWireProps(props: Record<string, unknown>): Record<string, any> {
    try {
        return plainCopy(props ?? {}) as Record<string, any>;
    } catch (e) {
        if (e === NOT_PLAIN) return wireProps(props);
        throw e;
    }
}

// Roughly what the last plainWireProps copy occupies: characters of its strings plus 16 per
// object, array and other value (counted during the copy, where it costs next to nothing).
let copiedWeight = 0;

/** plainWireProps, and about how many bytes the copy holds. */
export function weighedPlainWireProps(props: Record<string, unknown>): { props: Record<string, any>; weight: number } {
    copiedWeight = 0;
    const wired = plainWireProps(props);
    return { props: wired, weight: copiedWeight };
}

/** Strings at least this long are not detached: see plainCopy. */
const DETACH_BELOW = 64 * 1024;

/** @pulumi/pulumi's runtime/rpc specialSigKey (tests/policy-tooling checks it is the same). */
export const SPECIAL_SIG_KEY = "4dabf18193072939515e22adb298388d";

function plainCopy(v: unknown): unknown {
    copiedWeight += 16;
    switch (typeof v) {
        case "string":
            copiedWeight += v.length;
            // Kept until the stack policies ran: it must not keep the parsed file's text alive.
            // (A string this long makes its document heavy enough to be reloaded, not kept.)
            return v.length < DETACH_BELOW ? detach(v) : v;
        case "boolean":
            return v;
        case "number":
            if (!Number.isFinite(v) || Object.is(v, -0)) throw NOT_PLAIN;
            return v;
        case "object": {
            if (v === null) return v;
            if (Array.isArray(v)) {
                const out = new Array(v.length);
                for (let i = 0; i < v.length; i++) {
                    const item = v[i];
                    if (item === undefined) throw NOT_PLAIN;
                    out[i] = plainCopy(item);
                }
                return out;
            }
            const proto = Object.getPrototypeOf(v);
            if (proto !== Object.prototype && proto !== null) throw NOT_PLAIN;
            const keys = Object.keys(v).sort();
            const out: Record<string, unknown> = {};
            for (const k of keys) {
                if (k === "__proto__" || k === SPECIAL_SIG_KEY) throw NOT_PLAIN;
                const item = (v as Record<string, unknown>)[k];
                if (item === undefined) throw NOT_PLAIN;
                out[k] = plainCopy(item);
            }
            return out;
        }
        default:
            throw NOT_PLAIN;
    }
}


export function defaultUrn(type: string, name: string, stack = "dev", project = "websvc"): string {
    return `urn:pulumi:${stack}::${project}::${type}::${name}`;
}

function isTypeOf(type: string, resourceClass: unknown): boolean {
    const pulumiType = runtime().policyInternals.getPulumiType(resourceClass);
    if (pulumiType) {
        return type === pulumiType;
    }
    const isInstance = (resourceClass as { isInstance?: unknown }).isInstance;
    return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

export interface ResourceInit {
    type: string;
    name: string;
    props: Record<string, unknown>;
    urn?: string;
    opts?: Partial<PolicyResourceOptions>;
    provider?: PolicyProviderResource;
    /** Only used for stack validation: URN of the parent resource. */
    parent?: string;
    /**
     * Loads the props on first read instead of `props` (the checker keeps large documents out of
     * memory until a stack policy reads them). Same values as `props` would hold.
     */
    loadProps?: () => Record<string, unknown>;
}

export interface ArgsOptions {
    /** Config the policy's getConfig() returns (already validated, enforcementLevel removed). */
    config?: Record<string, unknown>;
    stackTags?: StackTagsInput;
    /** Wrap props in unknownCheckingProxy like the runtime does (default true). Unknown
     *  sentinels in props then throw UnknownValueError when a policy reads them. */
    unknownChecking?: boolean;
    /** Send props through the protobuf wire round trip (default true). */
    wire?: boolean;
}

function resourceOptions(opts: Partial<PolicyResourceOptions> | undefined): PolicyResourceOptions {
    const result: PolicyResourceOptions = {
        protect: opts?.protect ?? false,
        ignoreChanges: opts?.ignoreChanges ?? [],
        aliases: opts?.aliases ?? [],
        customTimeouts: opts?.customTimeouts ?? { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: opts?.additionalSecretOutputs ?? [],
    };
    if (opts?.deleteBeforeReplace !== undefined) {
        result.deleteBeforeReplace = opts.deleteBeforeReplace;
    }
    if (opts?.parent) {
        result.parent = opts.parent;
    }
    return result;
}

/** The plain path (props already plain JSON, no proxy) never needs the runtime, so it gets a
 *  not-applicable signal of the runtime's shape without loading it. */
function notApplicableFor(o: ArgsOptions): ThrowNotApplicable {
    return o.wire === false && o.unknownChecking === false ? plainNotApplicable : runtimeNotApplicable;
}

function prepareProps(props: Record<string, unknown>, o: ArgsOptions): Record<string, any> {
    const wired = o.wire === false ? props : wireProps(props);
    return o.unknownChecking === false ? wired : unknownCheckingProxy(wired);
}

function makeGetConfig(config: Record<string, unknown> | undefined) {
    return function getConfig<T extends object>(): T {
        // The runtime hands out the config object minus enforcementLevel.
        const { enforcementLevel: _ignored, ...properties } = (config ?? {}) as Record<string, unknown>;
        return properties as T;
    };
}

/** The fields a resource has both in ResourceValidationArgs and in a stack's PolicyResource. */
function resourceFields(init: ResourceInit, o: ArgsOptions) {
    const type = init.type;
    const load = init.loadProps;
    let props: Record<string, any> | undefined = load ? undefined : prepareProps(init.props, o);
    const propsOf = () => (props ??= prepareProps(load!(), o));
    const fields = {
        type,
        props: props as Record<string, any>,
        urn: init.urn ?? defaultUrn(type, init.name),
        name: init.name,
        opts: resourceOptions(init.opts),
        isType: (resourceClass: unknown) => isTypeOf(type, resourceClass),
        asType: (resourceClass: unknown) => (isTypeOf(type, resourceClass) ? propsOf() : undefined),
    };
    // Loaded on first read, in the same key position (a spread would read it: see withFields).
    if (load) Object.defineProperty(fields, "props", { get: propsOf, enumerable: true, configurable: true });
    return fields;
}

/** `{ ...fields, ...rest }` that keeps a lazy props getter lazy. */
function withFields<T extends object>(fields: ReturnType<typeof resourceFields>, rest: T, lazy: boolean): ReturnType<typeof resourceFields> & T {
    if (!lazy) return { ...fields, ...rest };
    return Object.defineProperties(Object.defineProperties({}, Object.getOwnPropertyDescriptors(fields)), Object.getOwnPropertyDescriptors(rest)) as ReturnType<typeof resourceFields> & T;
}

export function makeResourceValidationArgs(init: ResourceInit, o: ArgsOptions = {}): ResourceValidationArgs {
    const fields = resourceFields(init, o);
    const args: ResourceValidationArgs = withFields(fields, {
        isType: fields.isType as ResourceValidationArgs["isType"],
        asType: fields.asType as ResourceValidationArgs["asType"],
        stackTags: freezeStackTags(o.stackTags),
        getConfig: makeGetConfig(o.config),
        notApplicable: notApplicableFor(o),
    }, init.loadProps !== undefined);
    if (init.provider) {
        args.provider = init.provider;
    }
    return args;
}

const getConfigs = new WeakMap<object, ReturnType<typeof makeGetConfig>>();

/**
 * makeResourceValidationArgs for every policy over one resource: on the plain path (no wire
 * round trip, no proxy) the fields are built once and each policy gets them with its own
 * getConfig; otherwise each call builds its args (and proxy) afresh, as the runtime does.
 */
export function resourceArgsFactory(init: ResourceInit, o: Omit<ArgsOptions, "config"> = {}): (config: Record<string, unknown>) => ResourceValidationArgs {
    if (o.wire !== false || o.unknownChecking !== false || init.loadProps || init.provider) {
        return (config) => makeResourceValidationArgs(init, { ...o, config });
    }
    const fields = resourceFields(init, o);
    const base: ResourceValidationArgs = {
        ...fields,
        isType: fields.isType as ResourceValidationArgs["isType"],
        asType: fields.asType as ResourceValidationArgs["asType"],
        stackTags: freezeStackTags(o.stackTags),
        getConfig: makeGetConfig(undefined),
        notApplicable: plainNotApplicable,
    };
    return (config) => {
        let getConfig = getConfigs.get(config);
        if (!getConfig) getConfigs.set(config, (getConfig = makeGetConfig(config)));
        return { ...base, getConfig };
    };
}

export function makePolicyResources(inits: ResourceInit[], o: ArgsOptions = {}): PolicyResource[] {
    const byUrn = new Map<string, PolicyResource>();
    const resources = inits.map((init) => {
        if (init.loadProps !== undefined) {
            const resource = lazyPolicyResource(init, init.loadProps, o);
            byUrn.set(resource.urn, resource);
            return resource;
        }
        const fields = resourceFields(init, o);
        const resource: PolicyResource = withFields(fields, {
            isType: fields.isType as PolicyResource["isType"],
            asType: fields.asType as PolicyResource["asType"],
            dependencies: [] as PolicyResource[],
            propertyDependencies: {} as Record<string, PolicyResource[]>,
        }, init.loadProps !== undefined);
        if (init.provider) {
            resource.provider = init.provider;
        }
        byUrn.set(resource.urn, resource);
        return resource;
    });
    inits.forEach((init, i) => {
        const parent = init.parent ?? init.opts?.parent;
        const found = parent ? byUrn.get(parent) : undefined;
        if (found) {
            resources[i].parent = found;
        }
    });
    return resources;
}

/**
 * A stack resource whose props load on first read: what resourceFields and withFields make, with
 * the same keys in the same order, as one object literal. (Copied property by property, the
 * object fell into V8's dictionary mode: ~1 KB each, for every object of a large corpus and every
 * stack policy, which decided the checker's peak memory.)
 */
function lazyPolicyResource(init: ResourceInit, load: () => Record<string, unknown>, o: ArgsOptions): PolicyResource {
    const type = init.type;
    let props: Record<string, any> | undefined;
    const propsOf = () => (props ??= prepareProps(load(), o));
    const resource: PolicyResource = {
        type,
        get props() {
            return propsOf();
        },
        urn: init.urn ?? defaultUrn(type, init.name),
        name: init.name,
        opts: resourceOptions(init.opts),
        isType: ((resourceClass: unknown) => isTypeOf(type, resourceClass)) as PolicyResource["isType"],
        asType: ((resourceClass: unknown) => (isTypeOf(type, resourceClass) ? propsOf() : undefined)) as PolicyResource["asType"],
        dependencies: [],
        propertyDependencies: {},
    };
    if (init.provider) resource.provider = init.provider;
    return resource;
}

export function makeStackValidationArgs(inits: ResourceInit[], o: ArgsOptions = {}): StackValidationArgs {
    return {
        resources: makePolicyResources(inits, o),
        getConfig: makeGetConfig(o.config),
        stackTags: freezeStackTags(o.stackTags),
        notApplicable: notApplicableFor(o),
    };
}

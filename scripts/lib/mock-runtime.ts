// Runs Pulumi programs under Pulumi's official mock runtime (pulumi.runtime.setMocks) and records
// every registered resource: type token, name, parent, inputs, and which input paths are secret.
// Used by the synth script and by the tests, so both see exactly the same thing.
import * as crypto from "crypto";
import * as path from "path";
import { fileURLToPath } from "url";
import * as pulumi from "@pulumi/pulumi";

// The SDK's wire marker for secret values (runtime/rpc.ts: specialSigKey / specialSecretSig).
const SIG_KEY = pulumi.runtime.specialSigKey;
const SECRET_SIG = pulumi.runtime.specialSecretSig;
export const SECRET_MASK = "[secret]";

export interface RecordedResource {
    urn: string;
    type: string;
    name: string;
    /** URN of the parent, if any (components and the stack are parents too). */
    parent?: string;
    custom: boolean;
    /** Inputs as the provider would receive them, secrets unwrapped. Never print these. */
    inputs: Record<string, any>;
    /** Inputs with every secret value replaced by "[secret]": safe to write to disk. */
    masked: Record<string, any>;
    /** Dotted paths of inputs that were secret, e.g. "stringData". */
    secretPaths: string[];
    /** URNs this resource depends on: explicit dependsOn plus the resources behind its input Outputs. */
    dependencies: string[];
    /** State returned by the mock (inputs plus provider-computed fields such as metadata.name). */
    state: Record<string, any>;
    /** Where the program constructed it (see constructionSite); undefined when no frame is program source. */
    source?: SourcePosition;
    /** Resource options as registered on the wire (undefined when the program left them unset). */
    options: { protect?: boolean; retainOnDelete?: boolean };
}

/** A line of program source: `file` absolute, line and column 1-based (TypeScript positions under ts-node). */
export interface SourcePosition {
    file: string;
    line: number;
    column: number;
}

export interface MockRuntimeOptions {
    project: string;
    stack: string;
    /** Config values keyed by `<project>:<key>`; objects are passed as JSON strings, like the engine does. */
    config?: Record<string, string>;
    secretKeys?: string[];
    preview?: boolean;
    /** Which files are program source for `source` (default: index.ts and components/ of this repository). */
    isProgramFile?: (file: string) => boolean;
}

const REPO_ROOT = path.resolve(__dirname, "../..");

/** index.ts and components/** of this repository, never node_modules. */
export function isRepositoryProgramFile(file: string): boolean {
    const rel = path.relative(REPO_ROOT, file).split(path.sep).join("/");
    return !rel.split("/").includes("node_modules") && (rel === "index.ts" || rel.startsWith("components/"));
}

/**
 * The construction site: the first frame of the stack the SDK captured in the Resource
 * constructor (sent to the engine as RegisterResourceRequest.stackTrace, file URLs) that is
 * program source. Frames the SDK could not parse (anonymous functions without a name) arrive
 * without a position and are passed over.
 */
export function constructionSite(req: any, isProgramFile: (file: string) => boolean): SourcePosition | undefined {
    for (const frame of req.getStacktrace?.()?.getFramesList?.() ?? []) {
        const pc = frame.getPc?.();
        const uri: string | undefined = pc?.getUri?.();
        if (!uri?.startsWith("file:")) continue;
        const file = fileURLToPath(uri);
        if (isProgramFile(file)) return { file, line: pc.getLine(), column: pc.getColumn() };
    }
    return undefined;
}

function isSecretEnvelope(v: unknown): v is { value: unknown } {
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/**
 * Walks a raw wire object: returns the masked copy and records secret paths. A secret object or
 * list keeps its shape (keys are not secret) with every leaf masked, so masked manifests still
 * validate against their schema.
 */
function maskSecrets(value: unknown, path: string, paths: string[], insideSecret = false): unknown {
    if (isSecretEnvelope(value)) return maskSecrets(value.value, path, paths, true);
    if (Array.isArray(value)) return value.map((v, i) => maskSecrets(v, `${path}[${i}]`, paths, insideSecret));
    if (typeof value === "object" && value !== null) {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) out[k] = maskSecrets(v, path ? `${path}.${k}` : k, paths, insideSecret);
        return out;
    }
    if (insideSecret) {
        paths.push(path);
        return SECRET_MASK;
    }
    return value;
}

/** The same tree with secret envelopes replaced by their plain values. */
function unwrapSecrets(value: unknown): unknown {
    if (isSecretEnvelope(value)) return unwrapSecrets(value.value);
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
    }
    return value;
}

const shortHash = (s: string, n = 8) => crypto.createHash("sha256").update(s).digest("hex").slice(0, n);

// Kinds that are cluster-scoped, so the mock does not default their namespace.
const CLUSTER_SCOPED = new Set([
    "Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "ClusterIssuer",
    "PersistentVolume", "StorageClass", "PriorityClass", "IngressClass", "GatewayClass",
    "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
]);

/**
 * What a provider would add on create: Kubernetes auto-names (mocks do not), random values,
 * docker digests. Values are deterministic per resource name so synth output is stable.
 */
function providerState(args: pulumi.runtime.MockResourceArgs, stack: string): Record<string, any> {
    const state: Record<string, any> = { ...args.inputs };
    const seed = `${stack}/${args.type}/${args.name}`;
    if (args.type.startsWith("kubernetes:") && !args.type.startsWith("kubernetes:helm.sh") && args.type !== "pulumi:providers:kubernetes") {
        const metadata = { ...(state.metadata ?? {}) };
        if (!metadata.name) metadata.name = `${args.name}-${shortHash(seed)}`;
        const kind = args.type.split(":").pop()!;
        if (!metadata.namespace && !CLUSTER_SCOPED.has(kind)) metadata.namespace = "default";
        state.metadata = metadata;
    }
    switch (args.type) {
        case "random:index/randomPassword:RandomPassword":
            // A fresh value each run: tests search outputs for it to prove it never leaks.
            state.result = crypto.randomBytes(48).toString("base64url").slice(0, args.inputs.length ?? 32);
            state.bcryptHash = `$2a$10$${shortHash(seed, 53)}`;
            break;
        case "random:index/randomBytes:RandomBytes": {
            const bytes = crypto.randomBytes(args.inputs.length ?? 32);
            state.base64 = bytes.toString("base64");
            state.hex = bytes.toString("hex");
            break;
        }
        case "docker:index/image:Image": {
            const imageName = String(args.inputs.imageName ?? args.name);
            const repo = imageName.replace(/:[^/:]+$/, "");
            state.repoDigest = `${repo}@sha256:${crypto.createHash("sha256").update(seed).digest("hex")}`;
            state.baseImageName = imageName;
            break;
        }
    }
    return state;
}

export class ResourceRecorder {
    readonly resources: RecordedResource[] = [];
    /** Registrations sent to the mock monitor and not yet answered. */
    inFlight = 0;

    /** Resolves once no registration has been in flight for a few event-loop turns. */
    async settled(): Promise<void> {
        let quiet = 0;
        while (quiet < 5) {
            await new Promise((r) => setTimeout(r, 5));
            quiet = this.inFlight === 0 ? quiet + 1 : 0;
        }
    }

    ofType(type: string): RecordedResource[] {
        return this.resources.filter((r) => r.type === type);
    }

    /** Exactly one resource of the type (optionally whose name contains `nameIncludes`), or throw. */
    one(type: string, nameIncludes?: string): RecordedResource {
        const found = this.ofType(type).filter((r) => nameIncludes === undefined || r.name.includes(nameIncludes));
        if (found.length !== 1) {
            throw new Error(`expected exactly one ${type}${nameIncludes ? ` named *${nameIncludes}*` : ""}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`);
        }
        return found[0];
    }

    /** Kubernetes objects as the API server would receive them (state merged over inputs). */
    kubernetesObjects(options: { masked?: boolean } = {}): Array<{ resource: RecordedResource; object: Record<string, any> }> {
        return this.resources
            .filter((r) => r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:helm.sh") && !r.type.startsWith("pulumi:providers"))
            .map((r) => {
                const base = options.masked ? r.masked : r.inputs;
                const object: Record<string, any> = { ...base, metadata: { ...(base.metadata ?? {}) } };
                object.metadata.name ??= r.state.metadata?.name;
                if (r.state.metadata?.namespace && object.metadata.namespace === undefined) object.metadata.namespace = r.state.metadata.namespace;
                return { resource: r, object };
            });
    }

    reset(): void {
        this.resources.length = 0;
    }
}

/**
 * Installs the mocks and the recorder. Must run before the program (or component) modules are
 * imported, because the SDK reads config and the monitor when resources are constructed.
 */
export function installMockRuntime(options: MockRuntimeOptions): ResourceRecorder {
    const recorder = new ResourceRecorder();
    const pending = new Map<string, { raw: Record<string, unknown>; parent?: string; dependencies: string[]; source?: SourcePosition; options: RecordedResource["options"] }>();
    const isProgramFile = options.isProgramFile ?? isRepositoryProgramFile;

    if (options.config) pulumi.runtime.setAllConfig(options.config, options.secretKeys ?? []);
    pulumi.runtime.setMocks(
        {
            newResource(args) {
                const state = providerState(args, options.stack);
                const id = args.custom === false ? "" : `${args.name}-id`;
                const captured = pending.get(`${args.type}::${args.name}`);
                const secretPaths: string[] = [];
                const masked = maskSecrets(captured?.raw ?? args.inputs, "", secretPaths) as Record<string, any>;
                recorder.resources.push({
                    urn: "",
                    type: args.type,
                    name: args.name,
                    parent: captured?.parent || undefined,
                    custom: args.custom !== false,
                    inputs: unwrapSecrets(args.inputs) as Record<string, any>,
                    masked,
                    secretPaths,
                    dependencies: captured?.dependencies ?? [],
                    state,
                    source: captured?.source,
                    options: captured?.options ?? {},
                });
                return { id, state };
            },
            call(args) {
                return args.inputs;
            },
        },
        options.project,
        options.stack,
        options.preview ?? false,
    );

    // Wrap the mock monitor to see the wire object (which still marks secrets) and the parent.
    const monitor = pulumi.runtime.getMonitor() as any;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: (err: unknown, resp: any) => void) => {
        pending.set(`${req.getType()}::${req.getName()}`, {
            raw: req.getObject()?.toJavaScript() ?? {},
            parent: req.getParent(),
            dependencies: req.getDependenciesList(),
            source: constructionSite(req, isProgramFile),
            options: {
                protect: req.hasProtect() ? req.getProtect() : undefined,
                retainOnDelete: req.hasRetainondelete() ? req.getRetainondelete() : undefined,
            },
        });
        recorder.inFlight++;
        register(req, (err: unknown, resp: any) => {
            recorder.inFlight--;
            if (!err && resp) {
                const rec = [...recorder.resources].reverse().find((r) => r.type === req.getType() && r.name === req.getName() && r.urn === "");
                if (rec) rec.urn = resp.getUrn();
            }
            callback(err, resp);
        });
    };
    return recorder;
}

/** Resolves an Output in tests and scripts (mocks resolve everything, unknowns included). */
export function outputValue<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((v) => { resolve(v); return v; }));
}

export function outputIsSecret(output: pulumi.Output<unknown>): Promise<boolean> {
    return pulumi.isSecret(output);
}

// The @pulumi/policy runtime's analyze RPCs (server.js makeAnalyzeRpcFun / makeAnalyzeStackRpcFun),
// called as its gRPC server calls them: what `pulumi preview --policy-pack` runs, without the CLI.
// The runtime is the pack's own install (the root install has no @pulumi/policy). It never gets a
// Configure call here, so every policy sees its own defaults and enforcement level.
import type { ManifestResource } from "../../policy/lib/run";
import { POLICY_DIR } from "./support";

const fromPack = (m: string) => require(require.resolve(m, { paths: [POLICY_DIR] })); // eslint-disable-line @typescript-eslint/no-require-imports -- modules of the pack's own node_modules, resolved from there
export const server = fromPack("@pulumi/policy/server");
export const analyzerproto = fromPack("@pulumi/pulumi/proto/analyzer_pb");
const { Struct } = fromPack("google-protobuf/google/protobuf/struct_pb");

export interface Diagnostic { policyName: string; message: string; enforcementLevel: number; urn: string }

/** Calls one of the runtime's RPC functions as the gRPC server would and returns the diagnostics. */
export function rpc(fn: (call: unknown, cb: (err: unknown, res: unknown) => void) => unknown, request: unknown): Promise<Diagnostic[]> {
    type Raw = { policyname: string; message: string; enforcementlevel: number; urn: string };
    return new Promise((resolve, reject) => {
        fn({ request }, (err, res) => {
            if (err) return reject(err);
            const list = (res as { toObject(): { diagnosticsList: Raw[] } }).toObject().diagnosticsList;
            resolve(list.map((d) => ({ policyName: d.policyname, message: d.message, enforcementLevel: d.enforcementlevel, urn: d.urn })));
        });
    });
}

/** An AnalyzeRequest (or AnalyzerResource, for analyzeStack) for `r`. */
export function analyzerResource<T>(Cls: new () => T, r: ManifestResource, urn: string): T {
    const req = new Cls() as T & Record<string, (v: unknown) => void>;
    req.setType(r.type);
    req.setName(r.name);
    req.setUrn(urn);
    req.setProperties(Struct.fromJavaScript(JSON.parse(JSON.stringify(r.props))));
    req.setOptions(new analyzerproto.AnalyzerResourceOptions());
    return req;
}

/** Every resource through analyze, then all of them through analyzeStack, as one preview does. */
export async function analyzeAll(policies: unknown[], resources: ManifestResource[], urnOf: (r: ManifestResource) => string, enforcementLevel = "mandatory"): Promise<{ perResource: Map<string, Diagnostic[]>; stack: Diagnostic[] }> {
    const analyze = server.makeAnalyzeRpcFun("websvc-k8s", "1.0.0", enforcementLevel, policies);
    const perResource = new Map<string, Diagnostic[]>();
    for (const r of resources) perResource.set(r.name, await rpc(analyze, analyzerResource(analyzerproto.AnalyzeRequest, r, urnOf(r))));
    const stackReq = new analyzerproto.AnalyzeStackRequest();
    stackReq.setResourcesList(resources.map((r) => analyzerResource(analyzerproto.AnalyzerResource, r, urnOf(r))));
    const stack = await rpc(server.makeAnalyzeStackRpcFun("websvc-k8s", "1.0.0", enforcementLevel, policies), stackReq);
    return { perResource, stack };
}

// The checker's speed-ups must not change what it reports: the plain-JSON fast path of
// runPolicies (wire: false) against the runtime-faithful protobuf round trip, and the memoized
// stack-object lookups against the behaviour of a linear scan.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { plainWireProps, wireProps } from "../../policy/lib/args";
import { runPolicies, typeTokenFor, type ManifestResource } from "../../policy/lib/run";
import { selectPolicies } from "../../policy/policies";
import { loadManifests } from "../../policy/cli/manifests";
import { generateCorpus } from "../../policy/bench/corpus";
import { FIXTURES } from "./support";

function resourcesOf(dir: string): ManifestResource[] {
    const loaded = loadManifests([dir]);
    return loaded.objects.map((o, i) => ({ type: typeTokenFor(o.apiVersion, o.kind), name: o.name, urn: `urn:pulumi:t::t::${typeTokenFor(o.apiVersion, o.kind)}::${o.name}#${i}`, props: o.body }));
}

describe("plainWireProps equals wireProps", () => {
    const same = (value: Record<string, unknown>) => {
        const fast = plainWireProps(value);
        const wire = wireProps(value);
        assert.deepStrictEqual(fast, wire);
        // Key order too: policies iterate objects, so it decides the order of messages.
        assert.strictEqual(JSON.stringify(fast), JSON.stringify(wire));
    };
    it("sorts keys at every level like the Struct round trip", () => {
        same({ spec: { z: 1, a: [{ y: "x", b: null, "10": true, "2": false }], m: {} }, apiVersion: "v1", kind: "Pod", "": [] });
    });
    it("copies (policies never see the caller's objects)", () => {
        const input = { a: { b: [1] } };
        const out = plainWireProps(input);
        assert.notStrictEqual(out.a, input.a);
        assert.notStrictEqual(out.a.b, input.a.b);
    });
    it("falls back to the round trip for values that are not plain JSON", () => {
        const sig = "4dabf18193072939515e22adb298388d";
        for (const value of [
            { n: NaN },
            { n: Infinity },
            { n: -0 },
            { u: undefined, k: 1 },
            { a: [1, undefined] },
            { d: new Date(0) },
            { s: { [sig]: "1b47061264138c4ac30d75fd1eb44270", value: "hidden" } },
            JSON.parse('{"__proto__": {"x": 1}, "k": 1}'),
        ] as Record<string, unknown>[]) {
            same(value);
        }
    });
    it("shares nothing between aliased (shared) subtrees and stays equal", () => {
        const shared = { limits: { cpu: "1" } };
        same({ a: shared, b: shared });
    });
});

describe("runPolicies wire: false reports exactly what the wire path reports", () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "fast-path-"));
        generateCorpus(dir, 400, 40, 7);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    for (const unknownChecking of [true, false]) {
        it(`generated corpus, all policies, unknownChecking ${unknownChecking}`, () => {
            const resources = resourcesOf(dir);
            assert.ok(resources.length >= 400);
            const wire = runPolicies(resources, { unknownChecking });
            const fast = runPolicies(resources, { unknownChecking, wire: false });
            assert.ok(wire.length > 100, `expected violations on the corpus, got ${wire.length}`);
            assert.deepStrictEqual(fast, wire);
        });
    }
    it("generated corpus with production config and a Kubernetes version", () => {
        const config = JSON.parse(fs.readFileSync(path.join(__dirname, "../../policy/config/production.json"), "utf8"));
        const resources = resourcesOf(dir);
        const opts = { config, kubernetesVersion: "1.35", stackTags: { environment: "production" }, unknownChecking: false };
        assert.deepStrictEqual(runPolicies(resources, { ...opts, wire: false }), runPolicies(resources, opts));
    });
    it("the checker's fixtures", () => {
        const resources = resourcesOf(FIXTURES);
        assert.ok(resources.length > 0);
        assert.deepStrictEqual(runPolicies(resources, { wire: false, unknownChecking: false }), runPolicies(resources, { unknownChecking: false }));
    });
});

describe("stack policies: HPA lookup", () => {
    const obj = (apiVersion: string, kind: string, name: string, namespace: string, rest: Record<string, unknown> = {}): ManifestResource => ({
        type: typeTokenFor(apiVersion, kind),
        name: `${namespace}/${name}`,
        props: { apiVersion, kind, metadata: { name, namespace, labels: { app: name } }, ...rest },
    });
    const deployment = (name: string, namespace: string) =>
        obj("apps/v1", "Deployment", name, namespace, {
            spec: { replicas: 3, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "r/i:1" }] } } },
        });
    const hpa = (name: string, namespace: string, target: Record<string, unknown>, minReplicas = 1) =>
        obj("autoscaling/v2", "HorizontalPodAutoscaler", name, namespace, { spec: { scaleTargetRef: target, minReplicas, maxReplicas: 5 } });
    const policies = selectPolicies("stack-hpa-min-replicas,stack-pod-disruption-budget");
    const messages = (resources: ManifestResource[]) => runPolicies(resources, { policies }).map((v) => `${v.policy}: ${v.message}`);

    it("matches on namespace, kind and name only", () => {
        const resources = [
            deployment("web", "a"),
            deployment("web", "b"),
            hpa("other-ns", "c", { apiVersion: "apps/v1", kind: "Deployment", name: "web" }),
            hpa("other-kind", "a", { apiVersion: "apps/v1", kind: "StatefulSet", name: "web" }),
            hpa("bad-ref", "a", { kind: 1, name: "web" }),
            hpa("no-ref", "a", {}),
        ];
        const m = messages(resources);
        assert.ok(!m.some((x) => x.startsWith("stack-hpa-min-replicas") && x.includes("spec.replicas")), m.join("\n"));
        const withHpa = messages([...resources, hpa("real", "b", { apiVersion: "apps/v1", kind: "Deployment", name: "web" })]);
        assert.notDeepStrictEqual(withHpa, m);
    });
    it("the first HPA targeting a workload wins, as with a linear scan", () => {
        const target = { apiVersion: "apps/v1", kind: "Deployment", name: "web" };
        const a = messages([deployment("web", "a"), hpa("first", "a", target, 1), hpa("second", "a", target, 4)]);
        const b = messages([deployment("web", "a"), hpa("second", "a", target, 4), hpa("first", "a", target, 1)]);
        // Same findings per HPA, but the PDB check sees the first HPA's minReplicas.
        assert.ok(a.length > 0 && b.length > 0);
        assert.deepStrictEqual(messages([deployment("web", "a"), hpa("first", "a", target, 1), hpa("second", "a", target, 4)]), a);
    });
});

describe("stack policies: HPA lookup with preview unknowns", () => {
    it("an unknown scaleTargetRef still makes the policy report it cannot run", async () => {
        const { unknown } = await import("../../policy/lib/args");
        const policies = selectPolicies("stack-hpa-min-replicas");
        const resources: ManifestResource[] = [
            { type: "kubernetes:apps/v1:Deployment", name: "web", props: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "a" }, spec: { replicas: 2, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "r/i:1" }] } } } } },
            { type: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", name: "h", props: { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: "h", namespace: "a" }, spec: { scaleTargetRef: unknown.object, minReplicas: 2, maxReplicas: 3 } } },
        ];
        const v = runPolicies(resources, { policies });
        assert.ok(v.some((x) => x.enforcementLevel === "advisory" && x.message.startsWith("can't run")), JSON.stringify(v));
    });
});

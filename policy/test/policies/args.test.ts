import * as assert from "assert";
import { freezeStackTags, isNotApplicable, makeResourceValidationArgs, makeStackValidationArgs, unknown, UnknownValueError } from "../../lib/args";

describe("policy args built like the @pulumi/policy runtime", () => {
    const init = { type: "kubernetes:core/v1:ConfigMap", name: "cm", props: { metadata: { name: "cm" }, data: { a: "1" } } };

    it("fills urn, opts and an empty stackTags map by default", () => {
        const args = makeResourceValidationArgs(init);
        assert.strictEqual(args.urn, "urn:pulumi:dev::websvc::kubernetes:core/v1:ConfigMap::cm");
        assert.deepStrictEqual(args.opts, { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] });
        assert.strictEqual(args.stackTags.size, 0);
        assert.strictEqual(args.provider, undefined);
    });

    it("notApplicable throws the runtime's own not-applicable signal with the reason", () => {
        const args = makeResourceValidationArgs(init);
        assert.throws(() => args.notApplicable("only Pods"), (e: unknown) => isNotApplicable(e) && e.reason === "only Pods");
        assert.strictEqual(isNotApplicable(new Error("only Pods")), false);
    });

    it("stackTags is a read-only map", () => {
        const tags = freezeStackTags({ environment: "production" });
        assert.strictEqual(tags.get("environment"), "production");
        assert.deepStrictEqual([...tags], [["environment", "production"]]);
        assert.strictEqual((tags as unknown as { set?: unknown }).set, undefined);
        assert.ok(Object.isFrozen(tags));
    });

    it("getConfig returns the config without enforcementLevel", () => {
        const args = makeResourceValidationArgs(init, { config: { enforcementLevel: "advisory", maxCpu: "2" } });
        assert.deepStrictEqual(args.getConfig(), { maxCpu: "2" });
    });

    it("props go through the wire round trip: undefined fields disappear", () => {
        const args = makeResourceValidationArgs({ ...init, props: { data: { a: "1", gone: undefined } } }, { unknownChecking: false });
        assert.deepStrictEqual(args.props, { data: { a: "1" } });
    });

    it("unknown values throw UnknownValueError when read through the proxy", () => {
        const args = makeResourceValidationArgs({ ...init, props: { metadata: { name: unknown.string } } });
        assert.throws(() => args.props.metadata.name, (e: unknown) => e instanceof UnknownValueError && /string value at \.metadata\.name can't be known during preview/.test((e as Error).message));
        const plain = makeResourceValidationArgs({ ...init, props: { metadata: { name: unknown.string } } }, { unknownChecking: false });
        assert.strictEqual(plain.props.metadata.name, unknown.string);
    });

    it("isType/asType compare against a resource class's Pulumi type", () => {
        class ConfigMap { static __pulumiType = "kubernetes:core/v1:ConfigMap"; }
        class Secret { static __pulumiType = "kubernetes:core/v1:Secret"; }
        const args = makeResourceValidationArgs(init, { unknownChecking: false });
        assert.strictEqual(args.isType(ConfigMap as never), true);
        assert.strictEqual(args.isType(Secret as never), false);
        assert.deepStrictEqual(args.asType(ConfigMap as never), init.props);
        assert.strictEqual(args.asType(Secret as never), undefined);
    });

    it("stack args link parents by URN and share stackTags", () => {
        const parentUrn = "urn:pulumi:dev::websvc::websvc:index:Workload::web";
        const args = makeStackValidationArgs([
            { type: "websvc:index:Workload", name: "web", urn: parentUrn, props: {} },
            { ...init, parent: parentUrn },
        ], { stackTags: { environment: "staging" } });
        assert.strictEqual(args.resources[1].parent?.urn, parentUrn);
        assert.strictEqual(args.resources[0].parent, undefined);
        assert.strictEqual(args.stackTags.get("environment"), "staging");
        assert.throws(() => args.notApplicable(), (e: unknown) => isNotApplicable(e));
    });
});

import { recorder, outputValue, outputIsSecret, allStrings, SECRET_MASK, type RecordedResource } from "../harness";
import { strict as assert } from "assert";
import { itRefusesRegisteringNothing, type Refusal } from "../harness/refusals";
import * as pulumi from "@pulumi/pulumi";
import { AppSecrets, APP_SECRETS_TYPE, envNameFor, type AppSecretsArgs, type AppSecretSpec } from "../../components/secrets";
import { renderWorkload } from "./workload-fixtures";
import { SECRET as SECRET_TYPE } from "../harness/type-tokens";

const PASSWORD_TYPE = "random:index/randomPassword:RandomPassword";
const BYTES_TYPE = "random:index/randomBytes:RandomBytes";

const SPECS: AppSecretSpec[] = [
    { name: "session-key", length: 48, kind: "bytes" },
    { name: "db-password", length: 32, kind: "password", special: true },
    { name: "api-token", length: 24, kind: "password" },
];

let instance = 0;
/** Unique component names: the mock runtime is shared by every spec file in the process. */
const uniqueName = (label: string) => `sec-${label}-${++instance}`;

function args(overrides: Partial<AppSecretsArgs> = {}): AppSecretsArgs {
    return { namespace: "websvc-staging", secrets: SPECS, rotation: "2026-11", labels: { "app.kubernetes.io/name": "websvc" }, ...overrides };
}

interface Rendered {
    component: AppSecrets;
    secret: RecordedResource;
    generators: RecordedResource[];
    /** Generated values by secret name, as the random provider (mock) returned them. */
    values: Record<string, string>;
}

/** Constructs the component, waits for its registrations and collects what it created. */
async function render(name: string, overrides: Partial<AppSecretsArgs> = {}): Promise<Rendered> {
    const component = new AppSecrets(name, args(overrides));
    await outputValue(component.secretName);
    await recorder.settled();
    const generators = recorder.resources.filter((r) => (r.type === PASSWORD_TYPE || r.type === BYTES_TYPE) && r.name.startsWith(`${name}-`));
    const values: Record<string, string> = {};
    for (const generator of generators) {
        values[generator.name.slice(name.length + 1)] = generator.type === PASSWORD_TYPE ? generator.state.result : generator.state.base64;
    }
    return { component, secret: recorder.one(SECRET_TYPE, name), generators, values };
}

describe("AppSecrets component", () => {
    beforeEach(() => recorder.reset());

    it("generates one RandomPassword/RandomBytes per spec, keyed by the rotation, under the component", async () => {
        const name = uniqueName("generators");
        const { generators } = await render(name);
        const componentUrn = recorder.one(APP_SECRETS_TYPE, name).urn;
        const summary = generators
            .map((g) => ({ type: g.type, name: g.name, inputs: g.inputs, parent: g.parent }))
            .sort((a, b) => a.name.localeCompare(b.name));
        assert.deepEqual(summary, [
            { type: PASSWORD_TYPE, name: `${name}-api-token`, inputs: { length: 24, special: false, keepers: { rotation: "2026-11" } }, parent: componentUrn },
            { type: PASSWORD_TYPE, name: `${name}-db-password`, inputs: { length: 32, special: true, keepers: { rotation: "2026-11" } }, parent: componentUrn },
            { type: BYTES_TYPE, name: `${name}-session-key`, inputs: { length: 48, keepers: { rotation: "2026-11" } }, parent: componentUrn },
        ]);
    });

    it("writes every value into ONE Opaque Secret's stringData, which is secret as a whole", async () => {
        const name = uniqueName("secret");
        const { secret, values } = await render(name);
        assert.equal(recorder.ofType(SECRET_TYPE).length, 1);
        assert.equal(secret.parent, recorder.one(APP_SECRETS_TYPE, name).urn);
        assert.equal(secret.inputs.type, "Opaque");
        assert.equal(secret.inputs.metadata.namespace, "websvc-staging");
        assert.deepEqual(secret.inputs.metadata.labels, { "app.kubernetes.io/name": "websvc" });
        // The whole stringData map is secret: every value masked, keys (not secret) kept.
        assert.deepEqual(secret.secretPaths.sort(), ["stringData.api-token", "stringData.db-password", "stringData.session-key"]);
        assert.deepEqual(Object.values(secret.masked.stringData), [SECRET_MASK, SECRET_MASK, SECRET_MASK]);
        assert.equal(secret.inputs.data, undefined);
        assert.deepEqual(secret.inputs.stringData, values);
        assert.deepEqual(Object.keys(values).sort(), ["api-token", "db-password", "session-key"]);
        // Bytes are base64 of `length` bytes; passwords are `length` characters.
        assert.equal(Buffer.from(values["session-key"], "base64").length, 48);
        assert.equal(values["db-password"].length, 32);
    });

    it("outputs secretKeyRef references (SCREAMING_SNAKE env names) and the Secret's name, none of them secret", async () => {
        const name = uniqueName("outputs");
        const { component, secret } = await render(name);
        const secretName = await outputValue(component.secretName);
        assert.equal(secretName, secret.state.metadata.name);
        assert.equal(await outputIsSecret(component.secretName), false);
        const envFrom = await Promise.all(
            component.envFrom.map(async (ref) => ({ envName: ref.envName, name: await outputValue(pulumi.output(ref.secretKeyRef.name)), key: ref.secretKeyRef.key })),
        );
        assert.deepEqual(envFrom, [
            { envName: "SESSION_KEY", name: secretName, key: "session-key" },
            { envName: "DB_PASSWORD", name: secretName, key: "db-password" },
            { envName: "API_TOKEN", name: secretName, key: "api-token" },
        ]);
        assert.match(await outputValue(component.rolloutChecksum), /^[0-9a-f]{64}$/);
        assert.equal(await outputIsSecret(component.rolloutChecksum), false);
    });

    it("no value appears in the component outputs or in any other resource's inputs", async () => {
        const name = uniqueName("leaks");
        const { component, secret, values } = await render(name);
        const secretValues = Object.values(values);
        assert.equal(secretValues.length, SPECS.length);

        const outputs = [
            await outputValue(component.secretName),
            await outputValue(component.rolloutChecksum),
            ...(await Promise.all(component.envFrom.map((ref) => outputValue(pulumi.output(ref.secretKeyRef.name))))),
            ...component.envFrom.flatMap((ref) => [ref.envName, ref.secretKeyRef.key]),
        ];
        const componentRecord = recorder.one(APP_SECRETS_TYPE, name);
        const elsewhere = [
            ...outputs,
            ...allStrings(componentRecord.inputs),
            ...allStrings(secret.masked), // the Secret itself, with its secret paths masked
            ...recorder.resources.filter((r) => r !== secret).flatMap((r) => allStrings(r.inputs)),
        ];
        for (const value of secretValues) assert.ok(!elsewhere.includes(value) && !elsewhere.some((s) => s.includes(value)), "a secret value leaked");
    });

    it("consumed by the Workload, values reach no ConfigMap, env literal or annotation: only references and the checksum", async () => {
        const name = uniqueName("workload");
        const secrets = new AppSecrets(name, args());
        const rendered = await renderWorkload(`${name}-wl`, { secretEnv: secrets.envFrom, secretsChecksum: secrets.rolloutChecksum });
        await recorder.settled();
        const values = recorder.resources
            .filter((r) => r.name.startsWith(`${name}-`) && (r.type === PASSWORD_TYPE || r.type === BYTES_TYPE))
            .map((r) => (r.type === PASSWORD_TYPE ? r.state.result : r.state.base64));
        assert.equal(values.length, SPECS.length);

        const secretName = await outputValue(secrets.secretName);
        const env: Array<{ name: string; value?: string; valueFrom?: any }> = rendered.container.env;
        for (const spec of SPECS) {
            const entry = env.find((e) => e.name === envNameFor(spec.name));
            assert.ok(entry, `no env var ${envNameFor(spec.name)}`);
            assert.equal(entry.value, undefined, "secret delivered as an env literal");
            assert.deepEqual([entry.valueFrom.secretKeyRef.name, entry.valueFrom.secretKeyRef.key], [secretName, spec.name]);
        }
        const annotations = rendered.one("Deployment").spec.template.metadata.annotations;
        assert.ok(Object.values(annotations).includes(await outputValue(secrets.rolloutChecksum)), "checksum not in the pod template");

        assert.ok(recorder.ofType("kubernetes:core/v1:ConfigMap").length > 0, "the workload should have rendered its ConfigMap");
        const nonSecretObjects = recorder.kubernetesObjects().filter(({ resource }) => resource.type !== SECRET_TYPE);
        const strings = nonSecretObjects.flatMap(({ object }) => allStrings(object));
        for (const value of values) assert.ok(!strings.some((s) => s.includes(value)), "a secret value reached a non-Secret object");
    });

    it("changing the rotation changes every keeper and the checksum; the same inputs give the same checksum", async () => {
        const [a, b, c] = [uniqueName("rot-a"), uniqueName("rot-b"), uniqueName("rot-c")];
        const first = await render(a, { rotation: "2026-11" });
        const rotated = await render(b, { rotation: "2026-12" });
        const again = await render(c, { rotation: "2026-11", secrets: [...SPECS].reverse() });
        assert.deepEqual(new Set(rotated.generators.map((g) => g.inputs.keepers.rotation)), new Set(["2026-12"]));
        assert.deepEqual(new Set(first.generators.map((g) => g.inputs.keepers.rotation)), new Set(["2026-11"]));
        const checksum = (r: Rendered) => outputValue(r.component.rolloutChecksum);
        assert.notEqual(await checksum(rotated), await checksum(first));
        // Spec order changes no value, and the checksum ignores the (different) generated values.
        assert.notDeepEqual(again.values, first.values);
        assert.equal(await checksum(again), await checksum(first));
    });

    it("accepts special: false on bytes (config defaults it) without changing the generator or the checksum", async () => {
        const plain = await render(uniqueName("bytes-plain"));
        const defaulted = await render(uniqueName("bytes-special-false"), { secrets: SPECS.map((s) => (s.kind === "bytes" ? { ...s, special: false } : s)) });
        const bytesInputs = (r: Rendered) => r.generators.filter((g) => g.type === BYTES_TYPE).map((g) => g.inputs);
        assert.deepEqual(bytesInputs(defaulted), bytesInputs(plain));
        assert.equal(await outputValue(defaulted.component.rolloutChecksum), await outputValue(plain.component.rolloutChecksum));
    });

    it("changing a spec changes the checksum", async () => {
        const base = await render(uniqueName("spec-a"));
        const longer = await render(uniqueName("spec-b"), { secrets: [{ ...SPECS[0], length: 64 }, ...SPECS.slice(1)] });
        assert.notEqual(await outputValue(longer.component.rolloutChecksum), await outputValue(base.component.rolloutChecksum));
    });

    it("accepts the namespace as an Output", async () => {
        const name = uniqueName("ns-output");
        const component = new AppSecrets(name, args({ namespace: pulumi.output("websvc-production") }));
        await outputValue(component.secretName);
        await recorder.settled();
        assert.equal(recorder.one(SECRET_TYPE, name).inputs.metadata.namespace, "websvc-production");
    });

    const spec = (overrides: Partial<AppSecretSpec>): AppSecretSpec => ({ name: "session-key", length: 32, kind: "password", ...overrides });
    const invalid: Array<Refusal<Partial<AppSecretsArgs>>> = [
        ["an empty spec list", { secrets: [] }, /at least one secret spec/],
        ["an empty rotation", { rotation: " " }, /rotation must be a non-empty string/],
        ["a snake_case name", { secrets: [spec({ name: "session_key" })] }, /secrets\[0\]\.name must be kebab-case .*, got "session_key"/],
        ["an upper-case name", { secrets: [spec({ name: "Session-Key" })] }, /name must be kebab-case/],
        ["a double hyphen", { secrets: [spec({ name: "session--key" })] }, /name must be kebab-case/],
        ["a trailing hyphen", { secrets: [spec({ name: "session-" })] }, /name must be kebab-case/],
        ["a duplicate name", { secrets: [spec({}), spec({ kind: "bytes" })] }, /secrets\[1\]\.name "session-key" is listed twice/],
        ["a name that maps to a runtime variable", { secrets: [spec({ name: "node-options" })] }, /secrets\[0\]\.name "node-options" gives env var NODE_OPTIONS, which is reserved/],
        ["a name in the app's config namespace", { secrets: [spec({ name: "app-greeting" })] }, /env var APP_GREETING, which starts with APP_/],
        ["a too-short length", { secrets: [spec({ length: 8 })] }, /length must be an integer from 16 to 256, got 8/],
        ["a fractional length", { secrets: [spec({ length: 20.5 })] }, /length must be an integer/],
        ["an unknown kind", { secrets: [spec({ kind: "uuid" as AppSecretSpec["kind"] })] }, /kind must be "password" or "bytes", got "uuid"/],
        ["special on bytes", { secrets: [spec({ kind: "bytes", special: true })] }, /special applies to passwords only/],
    ];
    itRefusesRegisteringNothing("AppSecrets", "secrets-refused", invalid, (name, overrides) => new AppSecrets(name, args(overrides)));
});

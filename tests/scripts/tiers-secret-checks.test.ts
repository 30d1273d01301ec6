// The tiers' generated-secret checks (tests/tiers/lib/secret-checks.ts) and the random provider choice
// (tests/tiers/lib/engine.ts randomProviderEnv) on fabricated input: a compliant pod passes, and each
// one-field mutation that would leak or widen the Secret's use is caught.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RANDOM_STANDIN_BIN, randomProviderEnv } from "../tiers/lib/engine";
import { generatedSecret, rolledPods, secretKeyRefProblems, unchangedKeys, type GeneratedSecret } from "../tiers/lib/secret-checks";

const b64 = (s: string) => Buffer.from(s).toString("base64");
const SECRET_OBJ = { metadata: { name: "app-secrets-1a2b" }, data: { "session-key": b64("S".repeat(64)), "jwt-signing-key": b64("J".repeat(88)) } };
const secret: GeneratedSecret = { name: "app-secrets-1a2b", values: { "session-key": "S".repeat(64), "jwt-signing-key": "J".repeat(88) } };

function pod(): any {
    return {
        metadata: { name: "app-1" },
        spec: {
            containers: [{
                name: "app",
                env: [
                    { name: "APP_PORT", value: "8080" },
                    { name: "SESSION_KEY", valueFrom: { secretKeyRef: { name: "app-secrets-1a2b", key: "session-key" } } },
                    { name: "JWT_SIGNING_KEY", valueFrom: { secretKeyRef: { name: "app-secrets-1a2b", key: "jwt-signing-key" } } },
                ],
            }],
            volumes: [{ name: "tmp", emptyDir: {} }],
        },
    };
}

describe("tiers lib: generated-secret checks", () => {
    it("finds the one Secret with exactly the generated keys, decoded", () => {
        const other = { metadata: { name: "alert-receiver" }, data: { url: b64("https://x") } };
        assert.deepEqual(generatedSecret([other, SECRET_OBJ], ["session-key", "jwt-signing-key"], "ns"), secret);
    });

    it("refuses when no Secret, or a Secret with a missing or extra key, holds them", () => {
        assert.throws(() => generatedSecret([], ["session-key"], "ns"), /want exactly one Secret in ns with the keys \[session-key\], found 0/);
        assert.throws(() => generatedSecret([SECRET_OBJ], ["session-key"], "ns"), /found 0/);
    });

    it("accepts pods that take each key through secretKeyRef only", () => {
        assert.deepEqual(secretKeyRefProblems([pod()], secret), []);
    });

    const mutations: Array<[string, (p: any) => void, RegExp]> = [
        ["a key missing", (p) => p.spec.containers[0].env.splice(2, 1), /secretKeyRefs \[SESSION_KEY=/],
        ["a literal value", (p) => p.spec.containers[0].env.push({ name: "COPY", value: "S".repeat(64) }), /value of session-key is in the pod spec/],
        ["the value in base64", (p) => p.spec.containers[0].env.push({ name: "B", value: b64("J".repeat(88)) }), /value of jwt-signing-key is in the pod spec/],
        ["envFrom the Secret", (p) => (p.spec.containers[0].envFrom = [{ secretRef: { name: "app-secrets-1a2b" } }]), /envFrom a Secret/],
        ["a Secret volume", (p) => p.spec.volumes.push({ name: "s", secret: { secretName: "app-secrets-1a2b" } }), /mounts a Secret volume/],
        ["a sidecar referencing it", (p) => p.spec.containers.push({ name: "side", env: [{ name: "K", valueFrom: { secretKeyRef: { name: "app-secrets-1a2b", key: "session-key" } } }] }), /side: references the Secret too/],
    ];
    for (const [what, mutate, message] of mutations) {
        it(`catches ${what}`, () => {
            const p = pod();
            mutate(p);
            const problems = secretKeyRefProblems([p], secret);
            assert.ok(problems.some((x) => message.test(x)), problems.join("\n") || "no problem found");
        });
    }

    it("no pods is a problem, not a pass", () => {
        assert.deepEqual(secretKeyRefProblems([], secret), ["no pods to check"]);
    });

    it("names the values a rotation kept, and says when every pod rolled", () => {
        assert.deepEqual(unchangedKeys(secret, { ...secret, values: { ...secret.values, "jwt-signing-key": "K".repeat(88) } }), ["session-key"]);
        assert.deepEqual(unchangedKeys(secret, { name: "x", values: { "session-key": "a", "jwt-signing-key": "b" } }), []);
        assert.equal(rolledPods(["a", "new"], ["a", "b"]), undefined);
        assert.equal(rolledPods([], ["a"]), undefined);
        assert.deepEqual(rolledPods(["c", "d"], ["a", "b"]), ["c", "d"]);
    });
});

describe("tiers lib: the random provider of the engine's environment", () => {
    it("uses a real pulumi-resource-random on PATH as it is", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tiers-random-"));
        const real = path.join(dir, "pulumi-resource-random");
        fs.writeFileSync(real, "#!/bin/sh\n", { mode: 0o755 });
        try {
            assert.deepEqual(randomProviderEnv(`/nonexistent:${dir}`), { provider: { path: real, standIn: false }, env: {} });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("otherwise puts the TEST STAND-IN first on the engine's PATH, with the variable it requires", () => {
        const r = randomProviderEnv("/nonexistent");
        assert.equal(r.provider.standIn, true);
        assert.equal(r.provider.path, path.join(RANDOM_STANDIN_BIN, "pulumi-resource-random"));
        assert.deepEqual(r.env, { PATH: `${RANDOM_STANDIN_BIN}${path.delimiter}/nonexistent`, WEBSVC_RANDOM_STANDIN: "tests-only" });
        assert.ok(fs.statSync(r.provider.path).mode & 0o111, "the stand-in's launcher is not executable");
    });
});

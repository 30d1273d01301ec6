import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadStackConfig, StackConfigError, SECURE_PLACEHOLDER } from "../../scripts/lib/stack-config";

const ROOT = path.resolve(__dirname, "../..");

function project(stackYaml: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stackcfg-"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), [
        "name: demo",
        "runtime: nodejs",
        "config:",
        "  replicas: { type: integer, default: 2 }",
        "  logLevel: { type: string, default: info }",
        "  domain: { type: string }",
        "  token: { type: string, secret: true }",
        "  ingress: { description: object }",
    ].join("\n"));
    fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), stackYaml);
    return dir;
}

function problems(fn: () => unknown): string[] {
    try {
        fn();
    } catch (e) {
        assert.ok(e instanceof StackConfigError, String(e));
        return e.problems;
    }
    assert.fail("expected a StackConfigError");
}

describe("stack config loader (what synth hands the program)", () => {
    it("applies Pulumi.yaml defaults, keeps stack values and JSON-encodes objects like the engine", () => {
        const dir = project("config:\n  demo:domain: a.example.com\n  demo:logLevel: debug\n  demo:ingress:\n    rps: 5\n");
        const loaded = loadStackConfig(dir, "dev");
        assert.deepEqual(loaded.config, {
            "demo:domain": "a.example.com",
            "demo:logLevel": "debug",
            "demo:ingress": '{"rps":5}',
            "demo:replicas": "2",
        });
        assert.deepEqual(loaded.secretKeys, []);
    });

    it("hands secure values to the program as a secret placeholder, never decrypting them", () => {
        const dir = project("config:\n  demo:token:\n    secure: v1:abcdef\n");
        const loaded = loadStackConfig(dir, "dev");
        assert.equal(loaded.config["demo:token"], SECURE_PLACEHOLDER);
        assert.deepEqual(loaded.secretKeys, ["demo:token"]);
    });

    it("refuses an undeclared key, a plaintext secret and an unknown namespace, naming each", () => {
        const dir = project("config:\n  demo:replica: 3\n  demo:token: plain\n  other:thing: x\n  kubernetes:context: ok\n");
        const found = problems(() => loadStackConfig(dir, "dev"));
        assert.equal(found.length, 3, JSON.stringify(found));
        assert.match(found[0], /^demo:replica is not declared in Pulumi\.yaml/);
        assert.match(found[1], /^demo:token is declared secret in Pulumi\.yaml but stored in plaintext/);
        assert.match(found[2], /^other:thing uses an unknown namespace "other"/);
        assert.ok(found.every((p) => p.endsWith("(stack dev)")));
    });

    it("applies --set overrides on top of the stack file", () => {
        const dir = project("config:\n  demo:replicas: 4\n");
        assert.equal(loadStackConfig(dir, "dev", { replicas: 7 }).config["demo:replicas"], "7");
    });

    it("says which stack file is missing", () => {
        const dir = project("config: {}\n");
        assert.match(problems(() => loadStackConfig(dir, "prod"))[0], /Pulumi\.prod\.yaml not found \(stack prod\)/);
    });

    it("loads the real stack files with every key declared", () => {
        for (const stack of ["staging", "production"]) {
            const loaded = loadStackConfig(ROOT, stack);
            assert.equal(loaded.config["websvc:environment"], stack);
        }
    });
});

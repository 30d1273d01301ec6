import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadStackConfig, StackConfigError, SECURE_PLACEHOLDER } from "../../scripts/lib/stack-config";
import { CLI_PATH_TYPING, CLI_TYPING_EXAMPLES, parsePropertyPath, pathValue, setAtPath, typedPathValue } from "../../scripts/lib/config-path";

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
        "  version: { type: string, default: \"1.34\" }",
        "  list: { description: list }",
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
            "demo:version": "1.34",
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
        assert.equal(loadStackConfig(dir, "dev", [["replicas", "7"]]).config["demo:replicas"], "7");
    });

    it("keeps a top-level --set value a string, like `pulumi config set` (1.30 stays \"1.30\", JSON stays text)", () => {
        const dir = project("config: {}\n");
        const loaded = loadStackConfig(dir, "dev", [["version", "1.30"], ["demo:logLevel", "true"], ["ingress", '{"rps":5}']]);
        assert.equal(loaded.config["demo:version"], "1.30");
        assert.equal(loaded.config["demo:logLevel"], "true");
        assert.equal(loaded.config["demo:ingress"], '{"rps":5}');
    });

    it("sets inside objects with --path keys, typing true/false and integers like the CLI, keeping the rest of the object", () => {
        const dir = project("config:\n  demo:ingress:\n    rps: 5\n    mode: nginx\n");
        const loaded = loadStackConfig(dir, "dev", [
            ["ingress.rps", "20"], ["ingress.tls.enabled", "true"], ["ingress.className", "nginx-internal"], ["ingress.bodySize", "1.5"],
            ["list[0].name", "a"], ["list[1]", "007"], ['demo:ingress["dotted.key"]', "x"],
        ]);
        assert.deepEqual(JSON.parse(loaded.config["demo:ingress"]), { rps: 20, mode: "nginx", tls: { enabled: true }, className: "nginx-internal", bodySize: "1.5", "dotted.key": "x" });
        assert.deepEqual(JSON.parse(loaded.config["demo:list"]), [{ name: "a" }, "007"]);
    });

    it("hands a --secret value to the program as a secret, like `pulumi config set --secret`", () => {
        const dir = project("config: {}\n");
        const loaded = loadStackConfig(dir, "dev", [], { secrets: [["token", "s3cr3t"]] });
        assert.equal(loaded.config["demo:token"], "s3cr3t");
        assert.deepEqual(loaded.secretKeys, ["demo:token"]);
        assert.match(problems(() => loadStackConfig(dir, "dev", [], { secrets: [["ingress.x", "1"]] }))[0], /^--secret ingress\.x: a secret is a whole key/);
    });

    it("sets into an object given earlier as a top-level JSON --set", () => {
        const dir = project("config: {}\n");
        const loaded = loadStackConfig(dir, "dev", [["ingress", '{"rps":5}'], ["ingress.mode", "gateway"]]);
        assert.deepEqual(JSON.parse(loaded.config["demo:ingress"]), { rps: 5, mode: "gateway" });
    });

    it("refuses a path into a scalar, a gap in a list and a malformed path, naming the --set", () => {
        const dir = project("config:\n  demo:domain: a.example.com\n");
        const found = problems(() => loadStackConfig(dir, "dev", [["domain.x", "1"], ["list[3]", "a"], ["ingress[x]", "1"]]));
        assert.equal(found.length, 3, JSON.stringify(found));
        assert.match(found[0], /^--set domain\.x: \.x into a value that is not a map \(stack dev\)$/);
        assert.match(found[1], /^--set list\[3\]: index \[3\] is past the end of a list of 0/);
        assert.match(found[2], /^invalid property path "ingress\[x\]"/);
    });

    it("tells the user to quote a string key that YAML read as a number, with the text as written", () => {
        const dir = project("config:\n  demo:version: 1.30\n  demo:logLevel: true\n  demo:replicas: 3\n");
        const found = problems(() => loadStackConfig(dir, "dev"));
        assert.deepEqual(found, [
            'demo:version is the number 1.30 in Pulumi.dev.yaml, which YAML reads as 1.3, but Pulumi.yaml declares a string; quote it: demo:version: "1.30" (stack dev)',
            'demo:logLevel is the boolean true in Pulumi.dev.yaml, which YAML reads as true, but Pulumi.yaml declares a string; quote it: demo:logLevel: "true" (stack dev)',
        ]);
        // A --set of the same key replaces the file's value, so there is nothing to quote.
        assert.equal(loadStackConfig(dir, "dev", [["version", "1.30"], ["logLevel", "info"]]).config["demo:version"], "1.30");
    });

    it("reports a stack file that is not YAML as a config error", () => {
        const dir = project("config:\n  demo:domain: [unclosed\n");
        assert.match(problems(() => loadStackConfig(dir, "dev"))[0], /^Pulumi\.dev\.yaml is not valid YAML: .*\(stack dev\)$/);
    });

    describe("property paths", () => {
        it("parses keys, indexes and quoted keys, keeping a namespace on the first segment", () => {
            assert.deepEqual(parsePropertyPath("websvc:image.build.cacheFrom[0]"), { key: "websvc:image", segments: ["build", "cacheFrom", 0] });
            assert.deepEqual(parsePropertyPath('a["b.c"].d[10]'), { key: "a", segments: ["b.c", "d", 10] });
            for (const bad of ["a.", ".a", "a..b", "a[", "a[b]", "[0]"]) assert.throws(() => parsePropertyPath(bad), /invalid property path/, bad);
        });
        describe("types values like the CLI (CLI_TYPING_EXAMPLES, checked against the real CLI by the engine tier)", () => {
            for (const [text, type, written] of CLI_TYPING_EXAMPLES.filter(([, t]) => t === undefined)) {
                it(`${JSON.stringify(text)} is stored as the ${typeof written} ${JSON.stringify(written)}`, () => {
                    assert.deepEqual(pathValue(text), written, `--type ${type}`);
                });
            }
            for (const [text, type, written] of CLI_TYPING_EXAMPLES.filter(([, t]) => t !== undefined)) {
                it(`--type ${type} ${JSON.stringify(text)} is stored as the ${typeof written} ${JSON.stringify(written)}`, () => {
                    assert.deepEqual(typedPathValue(text, type), written);
                });
            }
            it("has examples for every rule, so a rule no example reaches cannot hide", () => {
                for (const rule of CLI_PATH_TYPING) {
                    const reached = CLI_TYPING_EXAMPLES.some(([text, type]) => type === undefined && CLI_PATH_TYPING.find((r) => r.matches(text)) === rule);
                    assert.ok(reached, `no example reaches the rule "${rule.rule}"`);
                }
            });
        });
        it("does not modify the object it sets into", () => {
            const before = { a: { b: 1 } };
            const after = setAtPath(before, ["a", "c"], 2, "t");
            assert.deepEqual(before, { a: { b: 1 } });
            assert.deepEqual(after, { a: { b: 1, c: 2 } });
        });
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

// The test stand-in for pulumi-resource-random (scripts/providers/random-standin): its rules as
// functions, then the plugin itself over gRPC, as the engine talks to it (secret outputs on the wire).
import { strict as assert } from "assert";
import { spawn, type ChildProcess } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import * as pulumi from "@pulumi/pulumi";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import {
    BYTES_TOKEN, DEFAULT_SPECIAL, PASSWORD_TOKEN, checkInputs, createOutputs, diffInputs, generatePassword, isSecretValue, plain, secretValue, tokenOf,
} from "../../scripts/providers/random-standin/provider";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- generated gRPC stubs without type declarations
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
// eslint-disable-next-line @typescript-eslint/no-require-imports -- generated protobuf messages without type declarations
const provproto = require("@pulumi/pulumi/proto/provider_pb");

const LAUNCHER = path.resolve(__dirname, "../../scripts/providers/random-standin/bin/pulumi-resource-random");
const urnOf = (token: string, name: string) => `urn:pulumi:test::websvc::websvc:secrets:AppSecrets$${token}::${name}`;

describe("random stand-in provider (tests only)", function () {
    describe("rules", () => {
        it("reads the token from a URN with a parent type chain", () => {
            assert.equal(tokenOf(urnOf(PASSWORD_TOKEN, "p")), PASSWORD_TOKEN);
        });

        it("check applies the real provider's password defaults and keeps what was given", () => {
            const { inputs, failures } = checkInputs(PASSWORD_TOKEN, { length: 20, special: false, keepers: { rotation: "r1" } });
            assert.deepEqual(failures, []);
            assert.equal(inputs.special, false);
            assert.equal(inputs.upper, true);
            assert.equal(inputs.minNumeric, 0);
        });

        it("check refuses a bad length, a min* sum above length, unknown inputs and foreign tokens, naming the property", () => {
            assert.deepEqual(checkInputs(BYTES_TOKEN, { length: 0 }).failures!.map((f) => f.property), ["length"]);
            assert.match(checkInputs(PASSWORD_TOKEN, { length: 4, minUpper: 3, minNumeric: 3 }).failures![0].reason, /sum of the min\* inputs \(6\)/);
            assert.deepEqual(checkInputs(BYTES_TOKEN, { length: 8, special: true }).failures!.map((f) => f.property), ["special"]);
            assert.match(checkInputs("random:index/randomUuid:RandomUuid", {}).failures![0].reason, /does not serve/);
        });

        it("diff replaces on a keeper change (rotation) and on any other input change, and on nothing else", () => {
            const old = { ...checkInputs(PASSWORD_TOKEN, { length: 20, keepers: { rotation: "r1" } }).inputs, result: secretValue("x") };
            assert.deepEqual(diffInputs(PASSWORD_TOKEN, old, checkInputs(PASSWORD_TOKEN, { length: 20, keepers: { rotation: "r1" } }).inputs), { changes: false, replaces: [], deleteBeforeReplace: false });
            assert.deepEqual(diffInputs(PASSWORD_TOKEN, old, checkInputs(PASSWORD_TOKEN, { length: 20, keepers: { rotation: "r2" } }).inputs).replaces, ["keepers"]);
            assert.deepEqual(diffInputs(PASSWORD_TOKEN, old, checkInputs(PASSWORD_TOKEN, { length: 21, keepers: { rotation: "r1" } }).inputs).replaces, ["length"]);
            // A keeper that arrives as a secret compares by value.
            assert.equal(diffInputs(BYTES_TOKEN, { length: 8, keepers: { rotation: "r1" } }, { length: 8, keepers: secretValue({ rotation: "r1" }) }).changes, false);
        });

        it("passwords honour length, min counts and disabled classes", () => {
            for (let i = 0; i < 50; i++) {
                const p = generatePassword({ length: 24, lower: true, upper: false, numeric: true, number: true, special: false, minNumeric: 5, minLower: 0, minUpper: 0, minSpecial: 0 });
                assert.equal(p.length, 24);
                assert.match(p, /^[a-z0-9]+$/);
                assert.ok((p.match(/[0-9]/g) ?? []).length >= 5, p);
            }
            const specials = generatePassword({ length: 64, lower: false, upper: false, numeric: false, special: true });
            assert.ok([...specials].every((c) => DEFAULT_SPECIAL.includes(c)));
        });

        it("create marks every generated value secret and returns distinct values each time", () => {
            const a = createOutputs(BYTES_TOKEN, { length: 32 });
            const b = createOutputs(BYTES_TOKEN, { length: 32 });
            assert.ok(isSecretValue(a.base64) && isSecretValue(a.hex));
            assert.equal(Buffer.from(plain(a.base64) as string, "base64").length, 32);
            assert.equal(Buffer.from(plain(a.base64) as string, "base64").toString("hex"), plain(a.hex));
            assert.notEqual(plain(a.base64), plain(b.base64));
            assert.ok(isSecretValue(createOutputs(PASSWORD_TOKEN, { length: 16 }).result));
        });
    });

    describe("the plugin (bin/pulumi-resource-random)", function () {
        this.timeout(30000);
        let child: ChildProcess | undefined;
        let client: any;
        after(() => { client?.close(); if (child?.pid) process.kill(child.pid, "SIGTERM"); });

        it("refuses to start without WEBSVC_RANDOM_STANDIN=tests-only", async () => {
            const env = { ...process.env };
            delete env.WEBSVC_RANDOM_STANDIN;
            const refused = spawn(LAUNCHER, ["127.0.0.1:1"], { env });
            let stderr = "";
            refused.stderr.on("data", (d) => (stderr += d));
            const code = await new Promise((resolve) => refused.on("exit", resolve));
            assert.equal(code, 1);
            assert.match(stderr, /refusing to start without WEBSVC_RANDOM_STANDIN=tests-only/);
        });

        it("serves GetPluginInfo, Check and Create over gRPC, with the generated value secret on the wire", async () => {
            child = spawn(LAUNCHER, [], { env: { ...process.env, WEBSVC_RANDOM_STANDIN: "tests-only" } });
            const port = await new Promise<string>((resolve, reject) => {
                let out = "";
                child!.stdout!.on("data", (d) => { out += d; if (/^\d+\n/.test(out)) resolve(out.trim()); });
                child!.on("exit", (c) => reject(new Error(`plugin exited ${c} before printing its port: ${out}`)));
            });
            client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
            const unary = <T>(method: string, req: unknown) => new Promise<T>((resolve, reject) => client[method](req, (err: unknown, resp: T) => (err ? reject(err) : resolve(resp))));

            // eslint-disable-next-line @typescript-eslint/no-require-imports -- generated protobuf message
            const info: any = await unary("getPluginInfo", new (require("google-protobuf/google/protobuf/empty_pb").Empty)());
            // eslint-disable-next-line @typescript-eslint/no-require-imports -- a JSON file
            assert.equal(info.getVersion(), require("@pulumi/random/package.json").version);

            const urn = urnOf(PASSWORD_TOKEN, "session-key");
            const check = new provproto.CheckRequest();
            check.setUrn(urn);
            check.setOlds(Struct.fromJavaScript({}));
            check.setNews(Struct.fromJavaScript({ length: 32, special: false, keepers: { rotation: "r1" } }));
            const checked: any = await unary("check", check);
            assert.deepEqual(checked.getFailuresList(), []);

            const create = new provproto.CreateRequest();
            create.setUrn(urn);
            create.setProperties(checked.getInputs());
            const created: any = await unary("create", create);
            const outs = created.getProperties().toJavaScript();
            assert.equal(outs.result[pulumi.runtime.specialSigKey], pulumi.runtime.specialSecretSig, "result is not marked secret on the wire");
            assert.match(outs.result.value, /^[A-Za-z0-9]{32}$/);
            assert.deepEqual(outs.keepers, { rotation: "r1" });
        });

        // The deploy-safety tier kills `pulumi up`; the plugins the engine started were then left
        // running (3 per CI run) until the stand-in learned to leave when its parent is gone.
        it("leaves when its engine is killed (its parent process is gone)", async () => {
            const engine = spawn("bash", ["-c", `"${LAUNCHER}" & echo "plugin $!"; wait`], { env: { ...process.env, WEBSVC_RANDOM_STANDIN: "tests-only" } });
            const plugin = await new Promise<number>((resolve, reject) => {
                let out = "";
                let pid = 0;
                engine.stdout.on("data", (d) => {
                    out += d;
                    pid ||= Number(/plugin (\d+)/.exec(out)?.[1] ?? 0);
                    if (pid && /\n\d+\n/.test(out)) resolve(pid); // its port: it is serving
                });
                engine.on("exit", () => reject(new Error(`the engine stand-in exited first: ${out}`)));
            });
            const alive = () => { try { process.kill(plugin, 0); return true; } catch { return false; } };
            assert.ok(alive());
            engine.kill("SIGKILL");
            const deadline = Date.now() + 10000;
            while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
            const left = !alive();
            if (!left) process.kill(plugin, "SIGTERM");
            assert.ok(left, `the plugin (pid ${plugin}) still ran 10 s after its engine was killed`);
        });
    });
});

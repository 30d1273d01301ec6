// One source for config keys (issue 21): config.ts's schema and KEY_KINDS are the definition;
// Pulumi.yaml's declarations (with the nested keys its descriptions list), the numeric-field table,
// the defaults the engine tiers hand a CLI, and the path map from component args back to config
// keys are checked against it here, so a key added, renamed or dropped in one place only fails.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import {
    CONFIG_PATH_MAP, CONFIG_SCHEMA_SHAPE, KEY_KINDS, NUMBER_FIELDS, SECRET_KEYS, componentArgs, configPath, numberFieldOf,
    schemaDefaults, validateConfig, type ParsedConfig,
} from "../../config";
import { configSchemaLeaves, describedLeaves, pulumiYamlDeclarations, pulumiYamlLeaves, ROOT, shapeLeaves, stackRaw } from "./declared-keys";

const DECLARED = pulumiYamlDeclarations();
const sorted = (xs: Iterable<string>) => [...xs].sort();

describe("one source for config keys", () => {
    describe("Pulumi.yaml against config.ts", () => {
        it("declares exactly KEY_KINDS's top-level keys", () => {
            assert.deepEqual(sorted(Object.keys(DECLARED)), sorted(Object.keys(KEY_KINDS)));
        });
        it("KEY_KINDS holds exactly the schema's keys and the secrets", () => {
            assert.deepEqual(sorted(Object.keys(KEY_KINDS)), sorted([...Object.keys(CONFIG_SCHEMA_SHAPE), ...SECRET_KEYS]));
        });
        for (const [key, kind] of Object.entries(KEY_KINDS)) {
            it(`${key}: declared as the ${kind} config.ts reads`, () => {
                const d = DECLARED[key];
                const expected = kind === "secret" ? { type: "string", secret: true }
                    : kind === "string" || kind === "integer" ? { type: kind, secret: undefined }
                    : { type: undefined, secret: undefined };
                assert.deepEqual({ type: d.type, secret: d.secret }, expected);
            });
        }
        it("lists in its descriptions exactly the nested keys of the schema (a new field must be described)", () => {
            const schema = sorted(configSchemaLeaves().map(([p]) => p));
            const declared = sorted(pulumiYamlLeaves().filter((p) => KEY_KINDS[p.split(/[.[]/)[0] as keyof typeof KEY_KINDS] !== "secret"));
            assert.deepEqual(declared, schema);
        });
        it("reads nested keys from a description's braces (the parser the check above relies on)", () => {
            assert.deepEqual(shapeLeaves("{a, b: {c, d: x|y}, e: [{f, g: [{h}]}]}", "k"), ["k.a", "k.b.c", "k.b.d", "k.e[].f", "k.e[].g[].h"]);
            assert.deepEqual(describedLeaves("m", "Map of settings"), ["m"]);
            assert.deepEqual(describedLeaves("l", "List [{name, size}] of things"), ["l[].name", "l[].size"]);
        });
        it("gives scalar keys defaults config.ts accepts", () => {
            for (const [key, d] of Object.entries(DECLARED)) {
                if (d.default === undefined) continue;
                const schema = CONFIG_SCHEMA_SHAPE[key as keyof typeof CONFIG_SCHEMA_SHAPE] as unknown as { safeParse(v: unknown): { success: boolean } };
                // The CLI hands every scalar to the program as a string.
                assert.ok(schema.safeParse(String(d.default)).success, `${key}: default ${JSON.stringify(d.default)}`);
            }
        });
    });

    describe("the numeric-field table against the schema", () => {
        it("NUMBER_FIELDS names exactly the schema's numeric leaves, each at its own path", () => {
            const numeric = configSchemaLeaves().filter(([, s]) => numberFieldOf(s) !== undefined);
            for (const [leaf, schema] of numeric) assert.equal(numberFieldOf(schema), leaf);
            assert.deepEqual(sorted(numeric.map(([p]) => p)), sorted(Object.keys(NUMBER_FIELDS)));
        });
    });

    describe("defaults for the engine tiers (instead of restating them in bash)", () => {
        it("schemaDefaults() gives a value for every structured key that Pulumi.yaml leaves without a default and config.ts defaults", () => {
            const defaults = schemaDefaults();
            const structured = Object.entries(KEY_KINDS).filter(([k, kind]) => !["string", "integer", "secret"].includes(kind) && DECLARED[k].default === undefined);
            const defaulted = structured.map(([k]) => k).filter((k) => (CONFIG_SCHEMA_SHAPE as Record<string, { safeParse(v: unknown): { success: boolean } }>)[k].safeParse(undefined).success);
            assert.deepEqual(sorted(Object.keys(defaults)), sorted(defaulted));
            // The keys the tiers restated by hand (scripts/tiers/lib/engine.sh CLI_REQUIRED_DEFAULTS) are among them.
            for (const k of ["networkPolicy", "platform", "rbacRules", "appSecrets", "storage", "kubernetes"]) assert.ok(k in defaults, k);
        });
        it("a stack given those defaults explicitly validates to the same config as one that leaves them unset", () => {
            const raw = stackRaw("staging");
            const unset = Object.fromEntries(Object.entries(raw).filter(([k]) => !(k in schemaDefaults())));
            const explicit = { ...unset, ...JSON.parse(JSON.stringify(schemaDefaults())) };
            assert.deepEqual(validateConfig(explicit, "staging", "websvc"), validateConfig(unset, "staging", "websvc"));
        });
    });

    describe("the path map (CONFIG_PATH_MAP) against the arg builders", () => {
        // Every arg a component's rules may name maps to the config key holding that very value, so a
        // rule's problem names the key the user must change. Args that no single key holds are listed.
        /** Args computed from a key rather than copied: [the key problems name, how the value is made]. */
        const DERIVED: Record<string, [string, string]> = {
            "workload.namespace": ["namespace", "the namespace key, or <appName>-<environment> when unset"],
            "workload.instance": ["appName", "<appName>-<environment>"],
            "workload.ingressControllerNamespace": ["networkPolicy.ingressControllerNamespace", "or ingress.gateway.namespace in gateway mode"],
            "monitoring.identity.instance": ["appName", "<appName>-<environment>"],
            "monitoring.alerting.receiver": ["monitoring.alertReceiver", "\"none\" while alertWebhookUrl is unset"],
            "image.registry.password": ["registryPassword", "a stand-in for the secret, whose presence is checked apart"],
        };
        const leaves = (value: unknown, prefix = ""): Array<[string, unknown]> => {
            if (Array.isArray(value)) return value.length === 0 ? [[prefix, value]] : value.flatMap((v, i) => leaves(v, `${prefix}[${i}]`));
            if (value !== null && typeof value === "object" && !pulumi.Output.isInstance(value)) {
                const entries = Object.entries(value).filter(([, v]) => v !== undefined);
                return entries.length === 0 ? [[prefix, value]] : entries.flatMap(([k, v]) => leaves(v, prefix === "" ? k : `${prefix}.${k}`));
            }
            return [[prefix, value]];
        };
        const at = (root: unknown, configKey: string): unknown => {
            let cur: unknown = root;
            for (const seg of configKey.split(/\.|\[(\d+)\]/).filter((s) => s !== undefined && s !== "")) {
                if (cur === null || typeof cur !== "object") return undefined;
                cur = (cur as Record<string, unknown>)[seg];
            }
            return cur;
        };
        const FULL: Record<string, unknown> = {
            image: { build: { repository: "registry.example.com/team/websvc", tag: "1.2.3", target: "runtime", cacheFrom: ["registry.example.com/team/websvc:cache"] }, registry: { server: "registry.example.com", username: "ci" } },
            ingress: { mode: "gateway", gateway: { name: "public", namespace: "gateways", sectionName: "https" }, rateLimitRps: 20, rateLimitConnections: 10, corsAllowedOrigins: ["https://a.example.com"] },
            appSecrets: [{ name: "api-key", length: 32, kind: "password", special: true }],
            networkPolicy: { extraEgress: [{ cidr: "10.0.0.0/16", ports: [{ port: 5432 }] }] },
            storage: { enabled: true, storageClassName: "fast" },
            rbacRules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"], resourceNames: ["x"] }],
            appSettings: { GREETING: "hi" },
        };
        let parsed: ParsedConfig;
        before(() => {
            const raw = stackRaw("production");
            parsed = validateConfig({ ...raw, ...FULL, monitoring: { ...(raw.monitoring as object), runbookBaseUrl: "https://runbooks.example.com" } }, "production", "websvc");
        });
        it("every leaf of every component's args maps to the config key holding its value (or is listed as derived)", () => {
            const wrong: string[] = [];
            for (const [component, args] of Object.entries(componentArgs(parsed))) {
                for (const [argPath, value] of leaves(args)) {
                    const id = `${component}.${argPath}`;
                    if (pulumi.Output.isInstance(value)) continue;
                    const key = configPath(component, argPath);
                    if (id in DERIVED) {
                        if (key !== DERIVED[id][0]) wrong.push(`${id} -> ${key}: should name ${DERIVED[id][0]} (${DERIVED[id][1]})`);
                        continue;
                    }
                    const held = at(parsed, key);
                    if (JSON.stringify(held) !== JSON.stringify(value)) wrong.push(`${id} -> ${key}: arg ${JSON.stringify(value)}, config ${JSON.stringify(held)}`);
                }
            }
            assert.deepEqual(wrong, []);
        });
        it("maps only to keys that exist", () => {
            const tops = new Set(Object.keys(KEY_KINDS));
            for (const map of Object.values(CONFIG_PATH_MAP)) for (const [, key] of map) assert.ok(key === "" || tops.has(key.split(/[.[]/)[0]), key);
        });
    });
});

describe("docs/configuration.md against NUMBER_FIELDS", () => {
    it("the bounds table lists every numeric field", () => {
        const doc = fs.readFileSync(path.join(ROOT, "docs/configuration.md"), "utf8");
        const table = doc.slice(doc.indexOf("### Bounds"), doc.indexOf("## One source"));
        for (const field of Object.keys(NUMBER_FIELDS)) {
            const last = field.split(".").pop()!;
            assert.ok(table.includes(`\`${field}\``) || table.includes(`\`${last}\``), `${field} is missing from the bounds table`);
        }
    });
});

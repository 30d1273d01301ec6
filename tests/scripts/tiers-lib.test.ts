// The tiers' helpers (tests/tiers/lib/) on fabricated input, so `npm test` catches a broken helper
// before a tier run that needs the toolchain and a cluster.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { configDefaults, dropUnknownRuntimeOptions, EngineEvents, missingConfigKeys, setStackConfig } from "../tiers/lib/engine";
import { packCostVerdict } from "../tiers/lib/pack-cost";
import { secretLeaks } from "../tiers/lib/render-checks";
import { describeMissing, median } from "../tiers/lib/tier";

const ROOT = path.resolve(__dirname, "../..");
const scratch = () => fs.mkdtempSync(path.join(os.tmpdir(), "tiers-lib-"));

function event(partial: Partial<EngineEvent>): EngineEvent {
    return { sequence: 0, timestamp: 0, ...partial } as EngineEvent;
}

describe("tiers lib: engine events", () => {
    const policy = (policyName: string, enforcementLevel: "mandatory" | "warning") => event({
        policyEvent: { policyName, enforcementLevel, message: `${policyName} says no\nmore`, color: "never", policyPackName: "websvc-k8s", policyPackVersion: "1", policyPackVersionTag: "1" },
    });
    const step = (type: string, op: string) => event({ resourcePreEvent: { metadata: { op, type, urn: `urn:${type}`, provider: "" } } as never });

    it("reads policy violations by enforcement level", () => {
        const events = new EngineEvents();
        [policy("pss-baseline-privileged", "mandatory"), policy("hygiene-priority-class", "warning"), step("kubernetes:core/v1:Pod", "create")].forEach(events.onEvent);
        assert.deepEqual(events.violations("mandatory").map((v) => v.policyName), ["pss-baseline-privileged"]);
        assert.equal(events.violations().length, 2);
    });

    it("reads the operations planned on one resource type and the summary's counts", () => {
        const events = new EngineEvents();
        [step("kubernetes:apps/v1:Deployment", "update"), step("kubernetes:core/v1:ConfigMap", "replace"),
            event({ summaryEvent: { maybeCorrupt: false, durationSeconds: 1, resourceChanges: { update: 1, same: 20 }, policyPacks: {} } })].forEach(events.onEvent);
        assert.deepEqual(events.ops("kubernetes:apps/v1:Deployment"), ["update"]);
        assert.deepEqual(events.changes(), { update: 1, same: 20 });
    });
});

describe("tiers lib: stack files", () => {
    it("writes objects and lists as YAML (not JSON strings), keeping the file's comments", () => {
        const file = path.join(scratch(), "Pulumi.dev.yaml");
        fs.writeFileSync(file, "# kept\nconfig:\n  websvc:logLevel: debug\n");
        setStackConfig(file, "websvc", { image: { ref: "r@sha256:00" }, appSecrets: [] });
        const text = fs.readFileSync(file, "utf8");
        assert.match(text, /^# kept/);
        assert.match(text, /websvc:image:\n\s+ref: r@sha256:00/);
        assert.match(text, /websvc:appSecrets: \[\]/);
        assert.match(text, /websvc:logLevel: debug/);
    });

    it("drops the runtime options the language host does not declare, and only those", () => {
        const file = path.join(scratch(), "Pulumi.yaml");
        fs.writeFileSync(file, "name: p\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n    packagemanager: npm\n");
        assert.deepEqual(dropUnknownRuntimeOptions(file, new Set(["typescript", "nodeargs"])), ["packagemanager"]);
        assert.doesNotMatch(fs.readFileSync(file, "utf8"), /packagemanager/);
        assert.match(fs.readFileSync(file, "utf8"), /typescript: true/);
        assert.deepEqual(dropUnknownRuntimeOptions(file, undefined), [], "a host without --help keeps every option");
    });
});

describe("tiers lib: the config an old CLI requires", () => {
    it("takes config.ts's defaults (the values the bash tier restated) and empties the secrets", () => {
        const dir = scratch();
        for (const f of ["Pulumi.yaml", "Pulumi.staging.yaml"]) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
        const { plain, emptySecrets } = configDefaults(dir, "staging", ["namespace", "networkPolicy", "platform", "rbacRules", "storage", "alertWebhookUrl", "registryPassword"]);
        // The values scripts/tiers/lib/engine.sh hard-coded (CLI_REQUIRED_DEFAULTS) before this helper read them from config.ts.
        assert.equal(plain.namespace, "websvc-staging");
        assert.deepEqual(plain.networkPolicy, { ingressControllerNamespace: "ingress-nginx", extraEgress: [] });
        assert.deepEqual(plain.platform, { installIngressNginx: false, installCertManager: false, installKubePrometheusStack: false, chartVersions: {} });
        assert.deepEqual(plain.rbacRules, []);
        assert.equal((plain.storage as { enabled: boolean }).enabled, false);
        assert.deepEqual(emptySecrets, ["alertWebhookUrl", "registryPassword"]);
    });

    it("reads the keys from the CLI's error (v3.171.0's wording, docs/ENGINE.md), none from other output", () => {
        const error = "error: Stack 'staging' is missing configuration values 'alertWebhookUrl', 'namespace', 'networkPolicy', 'platform', 'rbacRules', 'registryPassword' and 'storage'";
        assert.deepEqual(missingConfigKeys(error), ["alertWebhookUrl", "namespace", "networkPolicy", "platform", "rbacRules", "registryPassword", "storage"]);
        assert.deepEqual(missingConfigKeys("error: Stack 'dev' is missing configuration value 'namespace'"), ["namespace"]);
        assert.deepEqual(missingConfigKeys("KEY          VALUE\nappName      websvc\n"), []);
    });

    it("names the key and the stack when config.ts has no default", () => {
        const dir = scratch();
        for (const f of ["Pulumi.yaml", "Pulumi.staging.yaml"]) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
        assert.throws(() => configDefaults(dir, "staging", ["tls", "noSuchKey"]), /websvc:noSuchKey.*stack staging/);
    });
});

describe("tiers lib: secret leaks in a state", () => {
    const secret = "https://hooks.example.com/services/0123456789abcdef";
    it("finds a value in plaintext or base64 anywhere in the parsed state", () => {
        assert.equal(secretLeaks({ a: [{ b: `x${secret}y` }] }, [secret]).problems.length, 1);
        assert.equal(secretLeaks({ a: Buffer.from(secret).toString("base64") }, [secret]).problems.length, 1);
        assert.deepEqual(secretLeaks({ a: { ciphertext: "v1:abc" } }, [secret]).problems, []);
    });

    it("fails the positive control when a value is not found, and refuses to check nothing", () => {
        assert.equal(secretLeaks({ a: "v1:abc" }, [secret], true).problems.length, 1);
        assert.deepEqual(secretLeaks({ a: secret }, [secret], true).problems, []);
        assert.deepEqual(secretLeaks({}, []).problems, ["no secret values to check"]);
    });
});

describe("tiers lib: small things", () => {
    it("median", () => {
        assert.equal(median([3, 1, 2]), 2);
        assert.equal(median([4, 1, 2, 3]), 2);
        assert.ok(Number.isNaN(median([])));
    });

    it("groups what is missing by how to provide it", () => {
        assert.equal(describeMissing("engine", [{ what: "no a", provide: "x" }, { what: "no b", provide: "x" }, { what: "no c", provide: "y" }]), "engine tier: no a, no b (x); no c (y)");
    });

    it("pack cost: within 500 ms passes; over it passes only within 300 ms of a no-op pack", () => {
        assert.ok(packCostVerdict(500, 100, 900).ok);
        assert.ok(packCostVerdict(800, 500, 1200).ok);
        assert.ok(!packCostVerdict(801, 500, 1200).ok);
    });
});

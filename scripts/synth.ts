// Offline synth: runs the real index.ts with a stack's real Pulumi.<stack>.yaml under Pulumi's
// official mock runtime, writes every Kubernetes object as YAML plus resources.json, prints a
// preview-like summary, runs the policy pack, and checks that no secret value leaked.
// It is what PR checks without cluster credentials use. It is NOT `pulumi preview`: no provider
// Check/Diff runs, no state is read, transforms do not run.
import * as fs from "fs";
import * as path from "path";
import { Command } from "commander";
import YAML from "yaml";
import { loadStackConfig, StackConfigError, SECURE_PLACEHOLDER, type ConfigOverride } from "./lib/stack-config";
import { installMockRuntime, outputValue, outputIsSecret, RecordedResource, ResourceRecorder, SECRET_MASK } from "./lib/mock-runtime";
import { findSecretLeaks, secretValuesOf } from "./lib/leaks";
import { configCandidates, configMatches } from "./lib/config-provenance";
import { writeSourceMap } from "./lib/source-map";

const PROJECT_DIR = path.resolve(__dirname, "..");

interface SynthOptions {
    stack: string;
    out?: string;
    sourceMap?: string;
    set: string[];
    secret: string[];
    policy: boolean;
    policyConfig?: string;
}

function parseArgs(argv: string[]): SynthOptions {
    return new Command()
        .name("synth")
        .description("Render the program's Kubernetes objects for a stack under Pulumi's mock runtime (no CLI, no cluster).")
        .requiredOption("--stack <name>", "stack whose Pulumi.<stack>.yaml is used (staging, production)")
        .option("--out <dir>", "output directory (default dist/manifests/<stack>)")
        .option("--source-map <file>", "where to write the object -> program source map for `k8s-policy-check --source-map` (default <out>.sources.json, beside the output directory)")
        .option(
            "--set <key=value>",
            "override a config key for this run, like `pulumi config set`: the value is a string (JSON for object keys); " +
                "a path key such as image.ref or appSecrets[0].length sets inside an object, like `--path`: true/false become booleans, integers " +
                "without a leading 0 numbers, everything else (floats included) a string (scripts/lib/config-path.ts CLI_PATH_TYPING) (repeatable)",
            (v: string, acc: string[]) => [...acc, v],
            [],
        )
        .option("--secret <key=value>", "set a config key as a secret for this run, like `pulumi config set --secret` (repeatable)", (v: string, acc: string[]) => [...acc, v], [])
        .option("--no-policy", "skip the policy pack")
        .option("--policy-config <file>", "policy pack config file (default policy/config/<environment>.json when present)")
        .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
        .parse(argv)
        .opts<SynthOptions>();
}

/** `key=value` pairs, split at the first "="; the value stays the raw text (`pulumi config set` semantics). */
function parseOverrides(pairs: string[], flag = "--set"): ConfigOverride[] {
    return pairs.map((pair) => {
        const eq = pair.indexOf("=");
        if (eq <= 0) throw new StackConfigError([`${flag} expects key=value, got ${JSON.stringify(pair)}`]);
        return [pair.slice(0, eq), pair.slice(eq + 1)] as const;
    });
}

function fileNameFor(object: Record<string, any>): string {
    const parts = [object.kind, object.metadata?.namespace, object.metadata?.name].filter(Boolean);
    return `${parts.join("_").toLowerCase().replace(/[^a-z0-9_.-]/g, "-")}.yaml`;
}

function printSummary(stack: string, resources: RecordedResource[]): void {
    const counts = new Map<string, number>();
    for (const r of resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    const rows = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b));
    const width = Math.max(...rows.map(([t]) => t.length), 4);
    console.log(`Previewing (offline synth, mock runtime) stack ${stack}\n`);
    console.log(`     ${"Type".padEnd(width)}  Count`);
    for (const [type, n] of rows) console.log(` +   ${type.padEnd(width)}  ${n}`);
    console.log(`\nResources:\n    + ${resources.length} to create\n`);
}

async function resolveStackOutputs(exports: Record<string, unknown>): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(exports)) {
        if (value && typeof value === "object" && "apply" in (value as object)) {
            const output = value as import("@pulumi/pulumi").Output<unknown>;
            out[key] = (await outputIsSecret(output)) ? SECRET_MASK : await outputValue(output);
        } else {
            out[key] = value;
        }
    }
    return out;
}

function runPolicyPack(recorder: ResourceRecorder, environment: string, configFile: string | undefined): number {
    // Imported lazily: the pack is its own package with its own node_modules.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a path known only at run time
    const { runPolicies } = require(path.join(PROJECT_DIR, "policy/lib/run")) as typeof import("../policy/lib/run");
    const defaultConfig = path.join(PROJECT_DIR, "policy/config", `${environment}.json`);
    const file = configFile ?? (fs.existsSync(defaultConfig) ? defaultConfig : undefined);
    const config = file ? JSON.parse(fs.readFileSync(file, "utf8")) : undefined;
    const resources = recorder.kubernetesObjects({ masked: true }).map(({ resource, object }) => ({
        type: resource.type,
        name: resource.name,
        urn: resource.urn,
        props: object,
    }));
    const violations = runPolicies(resources, { config, stackTags: { environment } });
    const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory");
    console.log(`Policy pack websvc-k8s${file ? ` (config ${path.relative(PROJECT_DIR, file)})` : ""}: ${resources.length} objects, ${violations.length} violation(s), ${mandatory.length} mandatory`);
    for (const v of violations) {
        console.log(`  [${v.enforcementLevel}] ${v.policy} (${v.severity}) ${v.resource ? `${v.resource.type} ${v.resource.name}` : "stack"}: ${v.message}`);
    }
    return mandatory.length;
}

async function main(): Promise<number> {
    const opts = parseArgs(process.argv);
    const loaded = loadStackConfig(PROJECT_DIR, opts.stack, parseOverrides(opts.set), { secrets: parseOverrides(opts.secret, "--secret") });
    const outDir = path.resolve(opts.out ?? path.join(PROJECT_DIR, "dist/manifests", opts.stack));

    const recorder = installMockRuntime({
        project: loaded.project,
        stack: opts.stack,
        config: loaded.config,
        secretKeys: loaded.secretKeys,
    });
    // The program reads config and registers resources as it is loaded, exactly as under the CLI.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the mocks are set, as the CLI does
    const program = require(path.join(PROJECT_DIR, "index")) as Record<string, unknown>;
    const outputs = await resolveStackOutputs(program);
    await recorder.settled();

    fs.rmSync(outDir, { recursive: true, force: true });
    fs.mkdirSync(outDir, { recursive: true });
    const objects = recorder.kubernetesObjects({ masked: true });
    const written: string[] = [];
    const candidates = configCandidates(loaded.config, loaded.secretKeys, loaded.declarations);
    const rendered = objects.map(({ resource, object }) => {
        const file = path.join(outDir, fileNameFor(object));
        fs.writeFileSync(file, YAML.stringify(object, { sortMapEntries: false }));
        written.push(file);
        return { manifest: file, object, source: resource.source, config: configMatches(object, candidates) };
    });
    // Outside the output directory: the checker reads every .json file in the directories it is given.
    const sourceMapFile = path.resolve(opts.sourceMap ?? `${outDir}.sources.json`);
    writeSourceMap(sourceMapFile, opts.stack, PROJECT_DIR, path.join(PROJECT_DIR, "index.ts"), rendered);
    const inventory = recorder.resources.map((r) => ({ urn: r.urn, type: r.type, name: r.name, parent: r.parent, custom: r.custom, options: r.options, inputs: r.masked }));
    const resourcesFile = path.join(outDir, "resources.json");
    fs.writeFileSync(resourcesFile, JSON.stringify(inventory, null, 2) + "\n");
    const outputsFile = path.join(outDir, "outputs.json");
    fs.writeFileSync(outputsFile, JSON.stringify(outputs, null, 2) + "\n");

    printSummary(opts.stack, recorder.resources);
    console.log(`Wrote ${objects.length} Kubernetes objects, resources.json and outputs.json to ${path.relative(process.cwd(), outDir) || "."}`);
    const unplaced = rendered.filter((r) => !r.source).map((r) => fileNameFor(r.object));
    console.log(`Source map: ${path.relative(process.cwd(), sourceMapFile)} (${rendered.length - unplaced.length} of ${rendered.length} objects placed in program source${unplaced.length ? `; not placed: ${unplaced.join(", ")}` : ""})`);

    const secrets = [...secretValuesOf(recorder.resources), SECURE_PLACEHOLDER];
    const leaks = findSecretLeaks(secrets, [...written, resourcesFile, outputsFile, sourceMapFile]);
    console.log(`Secret leak check: ${secrets.length} secret value(s), ${leaks.length} found in written files`);
    for (const leak of leaks) console.error(`  secret value leaked into ${path.relative(process.cwd(), leak.file)}`);

    const environment = loaded.config[`${loaded.project}:environment`] ?? opts.stack;
    const mandatory = opts.policy ? runPolicyPack(recorder, environment, opts.policyConfig) : 0;
    return leaks.length > 0 || mandatory > 0 ? 1 : 0;
}

function reportAndExit(err: unknown): never {
    const e = err as Error;
    // Config problems are the user's to fix: print the message, not a stack trace.
    if (e?.name === "ConfigError" || e?.name === "StackConfigError") console.error(e.message);
    else console.error(e?.stack ?? String(err));
    process.exit(1);
}

process.on("unhandledRejection", reportAndExit);
main().then((code) => process.exit(code), reportAndExit);

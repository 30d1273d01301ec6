// One stack of the real program, driven through the Automation API with the real CLI: a copy of the
// program with its real stack file (plus the runtime's overrides), the policy pack with
// policy/config/<environment>.json, a local file backend, no plugin downloads.
import * as automation from "@pulumi/pulumi/automation";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { ROOT, type RuntimeEnv } from "./runtime-env";

const PROJECT = "websvc";
/** What the runtime tier never copies into a program or pack copy. */
const NOT_COPIED = new Set(["node_modules", ".git", "dist", "tests", "docs", "examples", "app", "policy", ".ci", ".github"]);

export interface OpResult {
    ok: boolean;
    seconds: number;
    /** The CLI's output (and the error message when it failed). */
    output: string;
}

/** The config the runtime changes on top of the stack file: key (without project) → JSON value. */
export type ConfigOverrides = Record<string, unknown>;

export class RuntimeStack {
    readonly environment: string;
    readonly namespace: string;
    readonly selector: string;
    private stack!: automation.Stack;
    private readonly stackFile: string;
    private readonly logDir: string;

    private constructor(env: RuntimeEnv, readonly name: string, readonly dir: string, private readonly pack: string) {
        this.stackFile = path.join(dir, `Pulumi.${name}.yaml`);
        const cfg = YAML.parse(fs.readFileSync(this.stackFile, "utf8")).config;
        this.environment = cfg[`${PROJECT}:environment`];
        this.namespace = cfg[`${PROJECT}:namespace`] ?? `${cfg[`${PROJECT}:appName`] ?? PROJECT}-${this.environment}`;
        this.selector = `app.kubernetes.io/name=${cfg[`${PROJECT}:appName`] ?? PROJECT},app.kubernetes.io/instance=${this.namespace}`;
        this.logDir = path.join(env.work, `logs-${name}`);
        fs.mkdirSync(this.logDir, { recursive: true });
    }

    static async create(env: RuntimeEnv, name: string, overrides: ConfigOverrides): Promise<RuntimeStack> {
        const dir = path.join(env.work, `program-${name}`);
        copyTree(ROOT, dir);
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
        dropUnknownRuntimeOptions(env, path.join(dir, "Pulumi.yaml"));
        const s = new RuntimeStack(env, name, dir, policyPackCopy(env));
        s.setConfig(overrides);
        const pulumiCommand = await automation.PulumiCommand.get({ root: path.dirname(env.pulumiBin), skipVersionCheck: true });
        const ws = await automation.LocalWorkspace.create({ workDir: dir, pulumiCommand, envVars: workspaceEnv(env) });
        s.stack = await automation.Stack.createOrSelect(name, ws);
        return s;
    }

    /** Writes plain config values into the copy's stack file (objects and lists keep their types). */
    setConfig(values: ConfigOverrides): void {
        const doc = YAML.parseDocument(fs.readFileSync(this.stackFile, "utf8"));
        for (const [key, value] of Object.entries(values)) doc.setIn(["config", `${PROJECT}:${key}`], doc.createNode(value));
        fs.writeFileSync(this.stackFile, doc.toString());
    }

    getConfig(key: string): unknown {
        return YAML.parse(fs.readFileSync(this.stackFile, "utf8")).config[`${PROJECT}:${key}`];
    }

    private policyArgs() {
        return { policyPacks: [this.pack], policyPackConfigs: [path.join(this.pack, "config", `${this.environment}.json`)] };
    }

    private async op(label: string, fn: (onOutput: (s: string) => void) => Promise<unknown>): Promise<OpResult> {
        const logFile = path.join(this.logDir, `${label}.log`);
        let output = "";
        const t0 = Date.now();
        try {
            await fn((s) => { output += s; });
            fs.writeFileSync(logFile, output);
            return { ok: true, seconds: (Date.now() - t0) / 1000, output };
        } catch (e: any) {
            output += `\n${e?.message ?? e}`;
            fs.writeFileSync(logFile, output);
            return { ok: false, seconds: (Date.now() - t0) / 1000, output };
        }
    }

    up(label: string): Promise<OpResult> {
        return this.op(label, (onOutput) => this.stack.up({ ...this.policyArgs(), onOutput, color: "never" }));
    }

    previewNoChanges(label: string): Promise<OpResult> {
        return this.op(label, (onOutput) => this.stack.preview({ ...this.policyArgs(), expectNoChanges: true, onOutput, color: "never" }));
    }

    destroy(label: string): Promise<OpResult> {
        return this.op(label, (onOutput) => this.stack.destroy({ onOutput, color: "never" }));
    }

    async outputs(): Promise<Record<string, unknown>> {
        const o = await this.stack.outputs();
        return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v.value]));
    }
}

function copyTree(from: string, to: string): void {
    fs.cpSync(from, to, { recursive: true, filter: (src) => !NOT_COPIED.has(path.basename(src)) || path.dirname(src) !== from });
}

/** The policy pack, once per run: a copy of policy/ (the CLI writes next to a pack) on its own node_modules. */
function policyPackCopy(env: RuntimeEnv): string {
    const dir = path.join(env.work, "policy");
    if (!fs.existsSync(dir)) {
        fs.cpSync(path.join(ROOT, "policy"), dir, { recursive: true, filter: (src) => path.basename(src) !== "node_modules" });
        fs.symlinkSync(path.join(ROOT, "policy/node_modules"), path.join(dir, "node_modules"));
    }
    return dir;
}

/** The Node.js language host exits on runtime options it does not declare (e.g. packagemanager, read by `pulumi install` only). */
function dropUnknownRuntimeOptions(env: RuntimeEnv, projectFile: string): void {
    const help = execFileSync(path.join(env.pulumiBin, "pulumi-language-nodejs"), ["--help"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).toString()
        + "";
    const known = new Set([...help.matchAll(/^\s*-([a-z][a-z-]*)/gm)].map((m) => m[1]));
    const doc = YAML.parseDocument(fs.readFileSync(projectFile, "utf8"));
    const options = doc.getIn(["runtime", "options"]) as YAML.YAMLMap | undefined;
    for (const item of [...(options?.items ?? [])]) {
        const key = String((item.key as YAML.Scalar).value);
        if (!known.has(key)) options!.delete(key);
    }
    fs.writeFileSync(projectFile, doc.toString());
}

/** Everything the CLI could reach the network for is switched off or made local. */
function workspaceEnv(env: RuntimeEnv): Record<string, string> {
    const home = path.join(env.work, "pulumi-home");
    const state = path.join(env.work, "state");
    fs.mkdirSync(home, { recursive: true });
    fs.mkdirSync(state, { recursive: true });
    return {
        ...env.clusterEnv,
        PATH: `${env.pulumiBin}:${env.clusterEnv.PATH ?? process.env.PATH}`,
        PULUMI_HOME: home,
        PULUMI_BACKEND_URL: `file://${state}`,
        PULUMI_CONFIG_PASSPHRASE: "runtime-test-only",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    };
}

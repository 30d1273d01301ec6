// One stack of the real program on the runtime tier's cluster, through the tiers' engine helpers
// (engine.ts: a copy of the program with its real stack file, the config this CLI requires, the policy
// pack with policy/config/<environment>.json, a file backend, no plugin downloads): up, preview and
// destroy with their time and output kept, and config changes between them.
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import type { Stack } from "@pulumi/pulumi/automation";
import { EngineEvents, commandText, destroyAsDocumented, packOptions, prepareEngine, projectStack, setStackConfig, type Engine } from "./engine";

const PROJECT = "websvc";

export interface OpResult {
    ok: boolean;
    seconds: number;
    /** The CLI's output (and the error message when it failed). */
    output: string;
    events: EngineEvents;
}

export class RuntimeStack {
    readonly namespace: string;
    readonly selector: string;

    private constructor(private readonly engine: Engine, readonly name: string, readonly environment: string,
        private readonly stack: Stack, private readonly stackFile: string) {
        const cfg = YAML.parse(fs.readFileSync(stackFile, "utf8")).config;
        const app = cfg[`${PROJECT}:appName`] ?? PROJECT;
        this.namespace = cfg[`${PROJECT}:namespace`] ?? `${app}-${environment}`;
        this.selector = `app.kubernetes.io/name=${app},app.kubernetes.io/instance=${this.namespace}`;
    }

    /** The stack `name` with its stack file plus `values`. */
    static async create(name: string, values: Record<string, unknown>): Promise<RuntimeStack> {
        const engine = await prepareEngine("runtime");
        const p = await projectStack(engine, name, values);
        return new RuntimeStack(engine, name, p.environment, p.stack, p.stackFile);
    }


    get logDir(): string {
        const dir = path.join(this.engine.work, `logs-${this.name}`);
        fs.mkdirSync(dir, { recursive: true });
        return dir;
    }

    /** Plain config values into the copy's stack file (objects and lists keep their types). */
    setConfig(values: Record<string, unknown>): void {
        setStackConfig(this.stackFile, PROJECT, values);
    }

    getConfig(key: string): unknown {
        return YAML.parse(fs.readFileSync(this.stackFile, "utf8")).config[`${PROJECT}:${key}`];
    }

    private async op(label: string, fn: (o: { onOutput: (s: string) => void; onEvent: EngineEvents["onEvent"] }) => Promise<unknown>): Promise<OpResult> {
        const events = new EngineEvents();
        let output = "";
        const t0 = Date.now();
        let ok = true;
        try {
            await fn({ onOutput: (s) => { output += s; }, onEvent: events.onEvent });
        } catch (e) {
            ok = false;
            output += `\n${commandText(e)}`;
        }
        fs.writeFileSync(path.join(this.logDir, `${label}.log`), output);
        return { ok, seconds: (Date.now() - t0) / 1000, output, events };
    }

    up(label: string): Promise<OpResult> {
        return this.op(label, (o) => this.stack.up({ ...packOptions(this.engine, this.environment), ...o, color: "never" }));
    }

    previewNoChanges(label: string): Promise<OpResult> {
        return this.op(label, (o) => this.stack.preview({ ...packOptions(this.engine, this.environment), ...o, expectNoChanges: true, color: "never" }));
    }

    destroy(label: string): Promise<OpResult> {
        // Production is protected: the documented teardown (unprotect, then destroy).
        return this.op(label, async (o) => { await destroyAsDocumented(this.engine, this.stack, { ...o, color: "never" }); });
    }
}

// Runs the program under Pulumi mocks with one stack's Pulumi.<stack>.yaml config and returns
// what it registered, in the shape the policy pack's runPolicies takes.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import type { ManifestResource } from "@websvc/k8s-policy-pack/lib/run";

export const PROJECT = "worker-stack";
const PROGRAM_DIR = path.resolve(__dirname, "..");

/** Pulumi.<stack>.yaml's config, with values as the engine passes them (strings; others JSON-encoded). */
export function stackConfig(stack: string): Record<string, string> {
    const file = parse(fs.readFileSync(path.join(PROGRAM_DIR, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
    return Object.fromEntries(Object.entries(file.config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

/** Waits for every Output the program exports, so all registrations have reached the mocks. */
async function settle(exports: Record<string, unknown>): Promise<void> {
    const outputs = Object.values(exports).filter((v): v is pulumi.Output<unknown> => pulumi.Output.isInstance(v));
    await Promise.all(outputs.map((o) => new Promise((resolve) => o.apply(resolve))));
}

export async function runProgram(stack: string): Promise<ManifestResource[]> {
    const registered: ManifestResource[] = [];
    pulumi.runtime.setAllConfig(stackConfig(stack));
    await pulumi.runtime.setMocks(
        {
            newResource: (args: pulumi.runtime.MockResourceArgs) => {
                // Mocks do not auto-name Kubernetes objects: give metadata.name the logical name when unset.
                const inputs = args.inputs as Record<string, any>;
                const metadata = { ...(inputs.metadata ?? {}), name: inputs.metadata?.name ?? args.name };
                const state = args.type.startsWith("kubernetes:") ? { ...inputs, metadata } : inputs;
                registered.push({ type: args.type, name: args.name, urn: `urn:pulumi:${stack}::${PROJECT}::${args.type}::${args.name}`, props: state });
                return { id: `${args.name}-id`, state };
            },
            call: (args: pulumi.runtime.MockCallArgs) => args.inputs,
        },
        PROJECT,
        stack,
    );
    // A fresh module instance per stack: the program reads its config at import time.
    const programPath = require.resolve(PROGRAM_DIR);
    delete require.cache[programPath];
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh load of the program per stack (its cache entry was just deleted)
    await settle(require(programPath) as Record<string, unknown>);
    return registered.filter((r) => r.type.startsWith("kubernetes:"));
}

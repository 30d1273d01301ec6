// Finds secret values where they must never be: written manifests, inventories, stack outputs.
import * as fs from "fs";
import type { RecordedResource } from "./mock-runtime";

// Provider-computed outputs that hold generated secret material.
const SECRET_STATE_FIELDS: Record<string, string[]> = {
    "random:index/randomPassword:RandomPassword": ["result", "bcryptHash"],
    "random:index/randomBytes:RandomBytes": ["base64", "hex"],
};

// Shorter strings match by accident ("true", "http"); generated secrets are far longer.
const MIN_SECRET_LENGTH = 8;

function leaves(value: unknown, out: string[]): void {
    if (typeof value === "string") out.push(value);
    else if (Array.isArray(value)) value.forEach((v) => leaves(v, out));
    else if (value && typeof value === "object") Object.values(value).forEach((v) => leaves(v, out));
}

function at(root: unknown, dotted: string): unknown {
    let cur: unknown = root;
    for (const part of dotted.split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== "")) {
        if (cur === null || typeof cur !== "object") return undefined;
        cur = (cur as Record<string, unknown>)[part];
    }
    return cur;
}

/** Every secret string the recorded program handled: secret inputs and generated secret outputs. */
export function secretValuesOf(resources: RecordedResource[]): string[] {
    const values: string[] = [];
    for (const r of resources) {
        for (const p of r.secretPaths) leaves(at(r.inputs, p), values);
        for (const field of SECRET_STATE_FIELDS[r.type] ?? []) leaves(r.state[field], values);
    }
    return [...new Set(values.filter((v) => v.length >= MIN_SECRET_LENGTH))];
}

export interface Leak {
    file: string;
    /** Index of the leaked value in the input list (never the value itself, so reports are safe to print). */
    valueIndex: number;
}

export function findSecretLeaks(secretValues: string[], files: string[]): Leak[] {
    const leaks: Leak[] = [];
    for (const file of files) {
        const text = fs.readFileSync(file, "utf8");
        secretValues.forEach((value, valueIndex) => {
            if (value.length >= MIN_SECRET_LENGTH && text.includes(value)) leaks.push({ file, valueIndex });
        });
    }
    return leaks;
}

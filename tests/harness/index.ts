// One mock runtime per mocha process: every spec file imports this module first, so the mocks are
// installed before any component module creates resources. Tests use unique resource names and
// `recorder.settled()` to wait for registrations; `recorder.reset()` clears between tests.
import { installMockRuntime, ResourceRecorder } from "../../scripts/lib/mock-runtime";

export { outputValue, outputIsSecret, SECRET_MASK } from "../../scripts/lib/mock-runtime";
export type { RecordedResource } from "../../scripts/lib/mock-runtime";

export const UNIT_PROJECT = "websvc";
export const UNIT_STACK = "unit";

export const recorder: ResourceRecorder = installMockRuntime({ project: UNIT_PROJECT, stack: UNIT_STACK });

/** Every value found anywhere in an object tree, as strings (for "does this secret leak" checks). */
export function allStrings(value: unknown, out: string[] = []): string[] {
    if (typeof value === "string") out.push(value);
    else if (Array.isArray(value)) value.forEach((v) => allStrings(v, out));
    else if (value && typeof value === "object") Object.values(value).forEach((v) => allStrings(v, out));
    return out;
}

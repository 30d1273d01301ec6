// An Output whose value is supplied after the resources that consume it are constructed. Used to
// break construction-order cycles that have no cycle in the dependency graph: the app's Secret must
// live in the Namespace the Workload creates, while the Workload's pods reference that Secret.
import * as pulumi from "@pulumi/pulumi";

export interface DeferredOutput<T> {
    readonly output: pulumi.Output<T>;
    /** Supplies the value; the consumers then depend on `value`'s resources as if it were passed directly. */
    resolve(value: pulumi.Output<T>): void;
}

export function deferredOutput<T>(): DeferredOutput<T> {
    let resolveInner!: (value: pulumi.Output<T>) => void;
    const inner = new Promise<pulumi.Output<T>>((resolve) => { resolveInner = resolve; });
    // apply() lifts the Output the callback returns, with its resources, secretness and unknowns.
    const output = pulumi.output(inner.then((o) => ({ o }))).apply(({ o }) => o) as pulumi.Output<T>;
    return { output, resolve: resolveInner };
}

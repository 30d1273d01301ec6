// Ordered steps for the deploy-safety specs: a step marked `required` that fails skips the later
// steps of its lifecycle, each saying which step failed; measured times are kept for the report.
export class Steps {
    private stopped?: string;
    readonly timings: Array<{ what: string; seconds: number }> = [];

    constructor(private readonly name: string) {}

    stop(reason: string): void {
        this.stopped ??= reason;
    }

    it(title: string, fn: (this: Mocha.Context) => Promise<void>, options: { required?: boolean } = {}): Mocha.Test {
        const steps = this;
        return it(title, async function () {
            if (steps.stopped) {
                console.log(`      SKIPPED: ${steps.name}: ${steps.stopped}`);
                this.skip();
            }
            try {
                await fn.call(this);
            } catch (e) {
                if (options.required && (e as { constructor?: { name?: string } })?.constructor?.name !== "Pending") steps.stop(`an earlier step failed: "${title}"`);
                throw e;
            }
        });
    }

    /** Records a measured duration and prints it under the current test. */
    time(what: string, seconds: number): void {
        this.timings.push({ what, seconds });
        console.log(`      ${what}: ${seconds.toFixed(1)} s`);
    }
}

export function note(text: string): void {
    for (const line of text.split("\n")) console.log(`      ${line}`);
}

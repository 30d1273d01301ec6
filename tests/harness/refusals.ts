// The "bad args register nothing" contract every component keeps: the constructor throws an
// InvalidArgsError naming the component, the resource and the refused arg, before super(), so
// neither the component nor any child reaches the engine.
import { strict as assert } from "assert";
import { recorder } from "./index";

/** A refused case: what it is, the args (or their overrides), and the message the error must match. */
export type Refusal<A> = [what: string, args: A, message: RegExp];

/** One `it` per case, each constructing `${prefix}-<i>` and checking nothing was registered under that name. */
export function itRefusesRegisteringNothing<A>(component: string, prefix: string, refusals: ReadonlyArray<Refusal<A>>, construct: (name: string, args: A) => unknown): void {
    refusals.forEach(([what, args, message], i) => {
        it(`refuses ${what}, registering nothing`, async () => {
            const name = `${prefix}-${i}`;
            assert.throws(() => construct(name, args), (e: Error) => {
                assert.equal(e.name, "InvalidArgsError", e.stack);
                assert.ok(e.message.startsWith(`${component} ${name}: `), e.message);
                assert.match(e.message, message);
                return true;
            });
            await recorder.settled();
            assert.deepEqual(recorder.resources.filter((r) => r.name === name || r.name.startsWith(`${name}-`)).map((r) => r.type), [], "something was registered anyway");
        });
    });
}

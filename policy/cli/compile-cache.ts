// Imported first by the checker's bin (cli/bin.ts): from here on, Node keeps the modules it
// compiles in its on-disk compile cache (in the OS temp dir), so later starts load the checker's
// ~50 modules without compiling them again (loading them, 3 runs each on the shared machine:
// 115-161 ms without, 92-125 ms with). Node 22's own feature; NODE_DISABLE_COMPILE_CACHE=1 turns
// it off. In the pack, loaded by the policy runtime, it made no measurable difference.
/* eslint-disable @typescript-eslint/no-require-imports */
(require("module") as typeof import("module")).enableCompileCache?.();

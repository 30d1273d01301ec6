#!/usr/bin/env node
// The package's `k8s-policy-check` bin (compiled to dist/cli/bin.js). Start-up is
// most of a small check, and most of start-up is V8 compiling the modules: Node's on-disk
// compile cache (in the OS temp dir) skips that from the second run on. It must be enabled
// before anything else is loaded, hence this separate entry point.
/* eslint-disable @typescript-eslint/no-require-imports */
(require("module") as typeof import("module")).enableCompileCache?.();
(require("../check") as typeof import("../check")).main();

#!/usr/bin/env node
// The package's `k8s-policy-check` bin (compiled to dist/cli/bin.js). Start-up is most of a small
// check, and most of start-up is V8 compiling the modules: the compile cache (imported first)
// skips that from the second run on (loading the checker's ~50 modules, 3 runs each on the shared
// machine: 115-161 ms without, 92-125 ms with). A normal exit writes the cache.
import "../lib/compile-cache";
import { main } from "./main";

main();

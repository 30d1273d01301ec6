#!/usr/bin/env node
// The package's `k8s-policy-check` bin (compiled to dist/cli/bin.js). Start-up is most of a small
// check, and most of start-up is V8 compiling the modules: the compile cache (imported first)
// skips that from the second run on.
import "./compile-cache";
import { main } from "../check";

main();

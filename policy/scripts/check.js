// `npm run policy:check` in this repository: the compiled checker (dist/cli/bin.js, what the
// package's k8s-policy-check bin runs), rebuilt first if a source is newer than dist/.
"use strict";
try {
    require("./build").ensureBuilt();
} catch (e) {
    console.error(`error: ${e.message}`);
    process.exit(2);
}
require("../dist/cli/bin.js");

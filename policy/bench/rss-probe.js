// Preloaded into the benchmarked checker (NODE_OPTIONS=--require): at exit, writes the process's
// own peak RSS and CPU time, from process.resourceUsage(), to the file named by BENCH_USAGE_FILE.
"use strict";
const fs = require("fs");
const out = process.env.BENCH_USAGE_FILE;
if (out) {
    process.on("exit", () => {
        const u = process.resourceUsage();
        fs.writeFileSync(out, JSON.stringify({ maxRssKb: u.maxRSS, userCpuMs: u.userCPUTime / 1000, systemCpuMs: u.systemCPUTime / 1000 }));
    });
}

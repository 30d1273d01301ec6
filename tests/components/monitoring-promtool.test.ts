// The alerts tier's promtool scenarios inside `npm test`, when promtool is already built (it is
// never built from here: `bash scripts/promtool.sh` or `.ci/run` does). Without it the suite is
// skipped with the reason. Only the quick scenarios (every minute, at most 5h): the multi-day ones,
// the time-to-fire probes and the mutants run in the tier (`npm run test:alerts`).
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { defineAlertSuite } from "../tiers/alerts/suite";

const outRoot = mkdtempSync(path.join(os.tmpdir(), "websvc-alerts-"));
defineAlertSuite({ outRoot, quick: true });
after(() => rmSync(outRoot, { recursive: true, force: true }));

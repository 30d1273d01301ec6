// The workflows' job timeouts against the awaits they run: a deploy job killed by its own timeout is an
// interrupted deploy (pending operations, docs/runbook.md), so its timeout must exceed the longest
// chain of awaits of `pulumi up`, and the comment above it must show that sum.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { HELM_TIMEOUT_SECONDS } from "../../components/platform";

const dir = path.join(__dirname, "..", "..", ".github", "workflows");
const text = (f: string) => fs.readFileSync(path.join(dir, f), "utf8");
const jobs = (f: string) => parse(text(f), { merge: true }).jobs as Record<string, { "timeout-minutes"?: number }>;

// pulumi-kubernetes' default await timeouts (no customTimeouts in components/): Deployment and Ingress 10 min.
const PROVIDER_DEFAULT_AWAIT_SECONDS = 600;
// checkout, two `npm ci`, plugin start, the preview part of `up` with the pack.
const SETUP_SECONDS = 10 * 60;

describe("workflow timeouts", () => {
    // Platform on: kube-prometheus-stack, then ingress-nginx and cert-manager (in parallel), then the Ingress.
    const chain = HELM_TIMEOUT_SECONDS + HELM_TIMEOUT_SECONDS + PROVIDER_DEFAULT_AWAIT_SECONDS;

    it("each deploy job's timeout exceeds the longest await chain of `pulumi up` plus setup", () => {
        for (const [name, job] of Object.entries(jobs("deploy.yml"))) {
            const minutes = job["timeout-minutes"];
            assert.ok(typeof minutes === "number", `${name} has no timeout-minutes`);
            assert.ok(minutes * 60 > chain + SETUP_SECONDS, `${name}: ${minutes} min <= ${chain} s of awaits + ${SETUP_SECONDS} s of setup`);
        }
    });

    it("deploy.yml shows the sum in a comment, with the same numbers as the code", () => {
        const t = text("deploy.yml");
        assert.match(t, new RegExp(`${HELM_TIMEOUT_SECONDS} s \\(HELM_TIMEOUT_SECONDS`));
        assert.match(t, new RegExp(`= ${chain} s = ${chain / 60} min of awaits`));
        const stated = Number(/= (\d+) min\. With platform/.exec(t)?.[1]);
        assert.equal(stated, jobs("deploy.yml").staging["timeout-minutes"]);
    });

    it("preview and drift jobs, which run no await, state why their timeout suffices", () => {
        for (const f of ["preview.yml", "drift.yml"]) assert.match(text(f), /runs? no await[^\n]*\n\s*timeout-minutes: \d+/, f);
    });
});

import "../harness";
import { strict as assert } from "assert";
import { bucketMatcher, promNumber, quote, regexEscape, selector, eq } from "../../components/lib/promql";
import { burnRateThreshold, durationSeconds, errorBudgetRatio, recordedWindows, SRE_WORKBOOK_BURN_RATE_WINDOWS } from "../../components/lib/slo";
import { lintPromql } from "./support/promql-lint";

/** What Prometheus does with a regex matcher: RE2, fully anchored. JS RegExp agrees for these patterns. */
const promRegexMatches = (pattern: string, value: string) => new RegExp(`^(?:${pattern})$`).test(value);
/** The string value of a PromQL double-quoted literal. */
const unquote = (literal: string) => JSON.parse(literal) as string;

describe("PromQL and SLO helpers", () => {
    it("prints numbers without floating-point noise", () => {
        assert.equal(14.4 * 0.001 === 0.0144, false, "the noise this guards against is real");
        assert.equal(promNumber(14.4 * 0.001), "0.0144");
        assert.equal(promNumber(6 * (1 - 0.999)), "0.006");
        assert.throws(() => promNumber(Number.NaN), /finite/);
    });

    it("quotes label values so any Kubernetes name or odd string stays one literal", () => {
        for (const raw of ['we"ird', "back\\slash", "plain-name", "new\nline"]) {
            const expr = selector("up", [eq("service", raw)]);
            assert.deepEqual(lintPromql(expr).errors, [], expr);
            assert.equal(unquote(quote(raw)), raw);
        }
        assert.ok(promRegexMatches(regexEscape("web.svc"), "web.svc"));
        assert.ok(!promRegexMatches(regexEscape("web.svc"), "webXsvc"), "a dot in a name is literal");
    });

    it("matches integral bucket bounds in both Prometheus 2 and 3 spellings, and nothing else", () => {
        const one = bucketMatcher(1);
        assert.equal(one.op, "=~");
        const pattern = unquote(quote(one.value));
        for (const v of ["1", "1.0"]) assert.ok(promRegexMatches(pattern, v), v);
        for (const v of ["10", "1.5", "0.1", "11"]) assert.ok(!promRegexMatches(pattern, v), v);
        assert.deepEqual(bucketMatcher(0.25), { label: "le", op: "=", value: "0.25" });
    });

    it("derives error budgets and burn-rate thresholds from the objective", () => {
        assert.equal(errorBudgetRatio(99.9), 0.001);
        assert.equal(errorBudgetRatio(99.95), 0.0005);
        assert.equal(burnRateThreshold(14.4, 99.9), "0.0144");
        assert.equal(burnRateThreshold(1, 99), "0.01");
        assert.throws(() => errorBudgetRatio(100), /between 0 and 100/);
    });

    it("spends the budget shares the SRE workbook states (burnRate x longWindow / 30d)", () => {
        const period = durationSeconds("30d");
        for (const w of SRE_WORKBOOK_BURN_RATE_WINDOWS) {
            const spent = (w.burnRate * durationSeconds(w.longWindow)) / period * 100;
            assert.ok(Math.abs(spent - w.budgetSpentPercent) < 0.01, `${w.burnRate}x over ${w.longWindow}: ${spent}%`);
            assert.ok(durationSeconds(w.shortWindow) * 12 === durationSeconds(w.longWindow), "short window is 1/12 of the long one");
        }
        assert.deepEqual(recordedWindows(), ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]);
        assert.throws(() => durationSeconds("1h30m"), /single-unit/);
    });
});

// The versions policy-compat tests by default (scripts/tiers/policy-compat-versions.ts).
import { strict as assert } from "assert";
import { compatVersions } from "../../scripts/tiers/policy-compat-versions";

describe("policy-compat: the versions of the declared range", () => {
    const published = ["1.20.0", "1.21.0", "1.21.1", "1.21.3", "1.22.0", "2.0.0"];

    it("tests the lower bound and the newest published version inside the range", () => {
        assert.deepEqual(compatVersions(">=1.21.0 <1.22.0", published), ["1.21.0", "1.21.3"]);
    });

    it("tests one version when the lower bound is the newest", () => {
        assert.deepEqual(compatVersions(">=1.22.0 <1.23.0", published), ["1.22.0"]);
    });

    it("refuses a range whose lower bound was never published", () => {
        assert.throws(() => compatVersions(">=1.21.2 <1.22.0", published), /lower bound 1\.21\.2 is not published/);
    });
});

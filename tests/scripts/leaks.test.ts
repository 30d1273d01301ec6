import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { findSecretLeaks, secretValuesOf } from "../../scripts/lib/leaks";
import type { RecordedResource } from "../../scripts/lib/mock-runtime";

function resource(partial: Partial<RecordedResource>): RecordedResource {
    return { urn: "u", type: "t", name: "n", custom: true, inputs: {}, masked: {}, secretPaths: [], dependencies: [], state: {}, options: {}, ...partial };
}

describe("secret leak check", () => {
    const resources = [
        resource({ type: "random:index/randomPassword:RandomPassword", state: { result: "generated-password-123" } }),
        resource({ type: "kubernetes:core/v1:Secret", inputs: { stringData: { url: "https://hooks.example.com/T0/B0/xyz" } }, secretPaths: ["stringData.url"] }),
        resource({ type: "random:index/randomBytes:RandomBytes", state: { base64: "c2hvcnQ=" + "A".repeat(20), hex: "ab".repeat(16) } }),
    ];

    it("collects generated secrets and secret inputs", () => {
        assert.deepEqual(secretValuesOf(resources).sort(), ["ab".repeat(16), "c2hvcnQ=" + "A".repeat(20), "generated-password-123", "https://hooks.example.com/T0/B0/xyz"].sort());
    });

    it("finds a planted leak and reports the file, not the value", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "leak-"));
        const clean = path.join(dir, "clean.yaml");
        const leaky = path.join(dir, "leaky.yaml");
        fs.writeFileSync(clean, "data:\n  url: '[secret]'\n");
        fs.writeFileSync(leaky, "env:\n  - value: generated-password-123\n");
        const leaks = findSecretLeaks(secretValuesOf(resources), [clean, leaky]);
        assert.deepEqual(leaks.map((l) => l.file), [leaky]);
        assert.ok(!JSON.stringify(leaks).includes("generated-password-123"));
    });
});

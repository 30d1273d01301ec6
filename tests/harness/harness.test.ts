import { strict as assert } from "assert";
import { recorder, outputValue, SECRET_MASK } from "./index";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

class Probe extends pulumi.ComponentResource {
    readonly secretName: pulumi.Output<string>;
    constructor(name: string) {
        super("websvc:test:Probe", name, {}, {});
        const s = new k8s.core.v1.Secret(`${name}-secret`, { stringData: pulumi.secret({ token: "s3cr3t-value" }) }, { parent: this });
        this.secretName = s.metadata.name;
        this.registerOutputs({ secretName: this.secretName });
    }
}

describe("mock harness", () => {
    it("records type, parent, auto-name and masks secret inputs", async () => {
        const probe = new Probe("harness-probe");
        const name = await outputValue(probe.secretName);
        await recorder.settled();
        const secret = recorder.one("kubernetes:core/v1:Secret", "harness-probe");
        assert.match(name, /^harness-probe-secret-[0-9a-f]{8}$/);
        assert.equal(secret.parent, recorder.one("websvc:test:Probe", "harness-probe").urn);
        assert.deepEqual(secret.secretPaths, ["stringData.token"]);
        assert.deepEqual(secret.masked.stringData, { token: SECRET_MASK });
        assert.equal(secret.inputs.stringData.token, "s3cr3t-value");
        assert.ok(!JSON.stringify(secret.masked).includes("s3cr3t-value"));
    });
});

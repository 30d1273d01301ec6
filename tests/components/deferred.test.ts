import { strict as assert } from "assert";
import { recorder, outputValue } from "../harness";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { deferredOutput } from "../../components/lib/deferred";

describe("deferredOutput", () => {
    it("delivers a value supplied after the consumer was constructed, with the producer as a dependency", async () => {
        const name = deferredOutput<string>();
        const consumer = new k8s.core.v1.ConfigMap("deferred-consumer", { data: { secretName: name.output } });
        const producer = new k8s.core.v1.Secret("deferred-producer", { stringData: pulumi.secret({ k: "v" }) });
        name.resolve(producer.metadata.name);
        const producerName = await outputValue(producer.metadata.name);
        assert.equal(await outputValue(consumer.data.apply((d) => d.secretName)), producerName);
        await recorder.settled();
        const consumerRec = recorder.one("kubernetes:core/v1:ConfigMap", "deferred-consumer");
        const producerRec = recorder.one("kubernetes:core/v1:Secret", "deferred-producer");
        assert.ok(consumerRec.dependencies.includes(producerRec.urn), `consumer deps ${consumerRec.dependencies} lack ${producerRec.urn}`);
    });

    it("keeps secretness of the supplied value", async () => {
        const d = deferredOutput<string>();
        d.resolve(pulumi.secret("hidden"));
        assert.equal(await pulumi.isSecret(d.output), true);
    });
});

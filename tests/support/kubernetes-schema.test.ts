import { strict as assert } from "assert";
import { schemaErrorOf } from "./kubernetes-schema";

// The validator itself must be able to fail, or every "validates against the schema" test is empty.
describe("kubernetes schema validator", () => {
    const deployment = {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web" },
        spec: {
            selector: { matchLabels: { app: "web" } },
            template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx@sha256:" + "a".repeat(64) }] } },
        },
    };

    it("accepts a valid Deployment", async () => {
        assert.equal(await schemaErrorOf(deployment), undefined);
    });

    it("rejects a Deployment whose replicas is a string", async () => {
        const bad = { ...deployment, spec: { ...deployment.spec, replicas: "three" } };
        assert.match(String(await schemaErrorOf(bad)), /replicas/);
    });

    it("rejects a container without a name", async () => {
        const bad = JSON.parse(JSON.stringify(deployment));
        delete bad.spec.template.spec.containers[0].name;
        assert.match(String(await schemaErrorOf(bad)), /name/);
    });

    it("validates CRDs too: a ServiceMonitor whose endpoint port is a number is refused", async () => {
        const sm = { apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata: { name: "m" }, spec: { selector: {}, endpoints: [{ port: 9090 }] } };
        assert.notEqual(await schemaErrorOf(sm), undefined);
        sm.spec.endpoints[0].port = "metrics" as any;
        assert.equal(await schemaErrorOf(sm), undefined);
    });

    it("refuses an unknown kind instead of passing it", async () => {
        assert.match(String(await schemaErrorOf({ apiVersion: "example.com/v1", kind: "Widget" })), /no schema/);
    });
});

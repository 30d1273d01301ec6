// Kept for consumers of the published path `@websvc/k8s-policy-pack/lib/run` (and scripts/synth.ts):
// the pack's run API lives in ../run.ts, the engine in ./engine.ts. The one module of lib/ allowed
// to reach the catalogue (test/layering.test.ts names it); new code imports ../run.
export * from "../run";

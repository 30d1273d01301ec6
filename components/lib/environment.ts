// The environments a stack deploys to. Per-environment rules (digest pinning, the replica floor,
// zone spread, alert routing, issuer choice) key off these names.
export const ENVIRONMENTS = ["staging", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** The environment whose rules are strictest. */
export const PRODUCTION: Environment = "production";

export function isEnvironment(value: unknown): value is Environment {
    return typeof value === "string" && (ENVIRONMENTS as readonly string[]).includes(value);
}

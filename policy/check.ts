// The package's public API for checking plain manifests in-process (`@websvc/k8s-policy-pack/check`):
// the checker (cli/checker.ts), the manifest reader and the report formats, plus runCli to run
// the `k8s-policy-check` command line without a child process. The bin's main is cli/main.ts.
export { checkPaths, checkPathsParallel, checkObjects, loadPolicyConfigFile, validatePolicyConfig, PolicyConfigError } from "./cli/checker";
export type { CheckOptions, CheckResult, ObjectReport, ReportedExemption, ReportedViolation } from "./cli/checker";
export { loadManifests, loadManifestsParallel, parseManifestText } from "./cli/manifests";
export type { ManifestObject, InputError } from "./cli/manifests";
export { toJson, toSarif, toTable, listPolicies } from "./cli/formats";
export { toJunit } from "./cli/junit";
export { DEFAULT_JOBS, main, MAX_USEFUL_JOBS, runCli, runCliAsync } from "./cli/main";
export type { CliIo } from "./cli/main";

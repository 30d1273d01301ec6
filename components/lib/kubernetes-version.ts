// Kubernetes minor versions: how a version string is read, and which versions the components
// (and the policy pack's version-aware checks) support.
import type { ArgProblem } from "./problems";

/** Oldest and newest minor versions the components render for (the pack checks the same range). */
export const OLDEST_SUPPORTED_MINOR = 25;
export const NEWEST_SUPPORTED_MINOR = 37;

const VERSION = /^v?1\.(\d+)(\.\d+)?$/;

/** Parses "1.34" (or "v1.34", "1.34.2") to its minor number; throws on anything that is not a 1.x version. */
export function kubernetesMinor(version: string): number {
    const m = VERSION.exec(String(version).trim());
    if (!m) throw new Error(`kubernetesVersion must look like "1.34", got ${JSON.stringify(version)}`);
    return Number(m[1]);
}

/** Refuses anything but a supported 1.x version, naming `path`. */
export function kubernetesVersionProblems(version: unknown, path = "kubernetesVersion"): ArgProblem[] {
    const m = typeof version === "string" ? VERSION.exec(version.trim()) : null;
    const minor = m ? Number(m[1]) : NaN;
    if (minor >= OLDEST_SUPPORTED_MINOR && minor <= NEWEST_SUPPORTED_MINOR) return [];
    let message = `must be a Kubernetes minor version from 1.${OLDEST_SUPPORTED_MINOR} to 1.${NEWEST_SUPPORTED_MINOR}, such as "1.34", got ${JSON.stringify(version)}`;
    // YAML reads an unquoted 1.30 as the number 1.3: the trailing zero is gone before we see it.
    const tenfold = minor * 10;
    if (m && m[1].length === 1 && tenfold >= OLDEST_SUPPORTED_MINOR && tenfold <= NEWEST_SUPPORTED_MINOR) {
        message += ` (an unquoted 1.${tenfold} in YAML is the number 1.${minor}: quote it, "1.${tenfold}")`;
    }
    return [{ path, message }];
}

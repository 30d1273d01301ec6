// What the secret-literal policies treat as a secret: names that say so, and private keys by
// their armour, whatever they are called.

/** Case-insensitive; matches anywhere in a variable name or ConfigMap key. */
export const DEFAULT_SECRET_NAME_PATTERN = "(pass(word|wd)?|secret|token|bearer|api[_-]?key|private[_-]?key|access[_-]?key|credential|auth)";

// PEM armour ("-----BEGIN RSA PRIVATE KEY-----", OPENSSH, EC, ENCRYPTED, "PGP PRIVATE KEY BLOCK"),
// read loosely: hand-written or mangled copies with fewer dashes or other case still hold the key.
const privateKeyArmour = /-{3,}\s*BEGIN\s+[A-Z0-9 ]*PRIVATE KEY( BLOCK)?\s*-{3,}/i;

export function isPrivateKey(text: string): boolean {
    // The armour starts with three dashes: a plain substring search for them (fast even over the
    // megabytes of a dashboard ConfigMap) rules out almost every value before the regex scans it.
    return text.includes("---") && privateKeyArmour.test(text);
}

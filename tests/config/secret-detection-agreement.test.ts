// Two definitions of "secret-looking" meet on the same ConfigMap: the components refuse an app
// setting that looks like a credential (components/lib/app-config.ts: looksSecret on the APP_* name,
// looksSecretValue on the value), and the pack flags a ConfigMap entry or env literal that does
// (policy/lib/secret-patterns.ts: DEFAULT_SECRET_NAME_PATTERN on the name, isPrivateKey on the value;
// mandatory in production). The pack is published on its own and cannot import the components, so
// this test feeds both the same generated names and values and compares verdicts. Every input where
// they differ must fall in a class listed below: the components refusing more is deliberate (the safe
// direction); the pack flagging what the components accept is a GAP, a config the program takes and
// the pack then blocks in production (seen with `npm run synth -- --stack production --set
// 'appSettings={"AUTHOR":"jane"}'`: "[mandatory] hygiene-no-secrets-in-configmaps ... APP_AUTHOR").
import { strict as assert } from "assert";
import fc from "fast-check";
import { appSettingName, looksSecret, looksSecretValue } from "../../components/lib/app-config";
import { DEFAULT_SECRET_NAME_PATTERN, isPrivateKey } from "../../policy/lib/secret-patterns";

const packName = (name: string) => new RegExp(DEFAULT_SECRET_NAME_PATTERN, "i").test(name);
const componentsName = (name: string) => looksSecret(name);

/** Words either side treats as secret, their near misses, and neutral words. */
const WORDS = [
    "SECRET", "SECRETS", "PASSWORD", "PASSWORDS", "PASSWD", "PASS", "TOKEN", "TOKENS", "KEY", "KEYS", "APIKEY", "API", "PRIVATE", "ACCESS",
    "CREDENTIAL", "CREDENTIALS", "AUTH", "OAUTH", "BEARER", "PASSAGE", "AUTHOR", "SECRETARY", "TOKENIZER", "KEYBOARD", "MONKEY",
    "DB", "HOST", "URL", "TIMEOUT", "GREETING", "FEATURE", "FLAGS",
];
const name = fc.tuple(fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 3 }), fc.constantFrom("_", "-", ""), fc.boolean())
    .map(([words, sep, lower]) => { const n = appSettingName(words.join(sep)); return lower ? n.toLowerCase() : n; });
const armour = fc.tuple(fc.constantFrom("", "RSA ", "EC ", "OPENSSH ", "ENCRYPTED ", "PGP "), fc.constantFrom("-----", "---", "----------"), fc.boolean(), fc.boolean())
    .map(([kind, dashes, lower, block]) => { const a = `${dashes}BEGIN ${kind}PRIVATE KEY${block ? " BLOCK" : ""}${dashes}\nMIIB\n`; return lower ? a.toLowerCase() : a; });
const jwt = fc.tuple(fc.base64String({ minLength: 4, maxLength: 12 }), fc.base64String({ minLength: 4, maxLength: 12 }))
    .map(([h, s]) => `eyJ${h.replace(/[+/=]/g, "a")}.eyJ${s.replace(/[+/=]/g, "b")}.c2ln`);
const plain = fc.constantFrom("beta-banner", "https://api.example.com", "30s", "true", "", "BEGIN", "key: value");
const value = fc.oneof(armour, jwt, plain);

/** A difference both sides know about: which side flags the input, and why. */
interface Difference { flaggedBy: "components" | "pack"; why: string; gap: boolean; applies(name: string, value: string): boolean }
const words = (n: string) => n.toUpperCase().split(/[^A-Z0-9]+/);
const DIFFERENCES: Difference[] = [
    { flaggedBy: "components", gap: false, why: "KEY or PRIVATE as a word of the name (SESSION_KEY): the pack only flags api/private/access-key compounds", applies: (n) => words(n).some((w) => w === "KEY" || w === "PRIVATE") },
    { flaggedBy: "components", gap: false, why: "an empty value under a secret-looking name: the pack flags only entries that hold something", applies: (n, v) => v === "" && componentsName(n) },
    { flaggedBy: "components", gap: false, why: "a JWT value: the pack recognises private keys only", applies: (_, v) => /^eyJ/.test(v) },
    { flaggedBy: "pack", gap: true, why: "the pack matches its words anywhere in the name (PASSAGE, AUTHOR, SECRETARY, TOKENIZER, OAUTH, SECRETS, APIKEY joined to another word), the components whole words only", applies: (n) => packName(n) && !componentsName(n) },
    { flaggedBy: "pack", gap: true, why: "PASS, AUTH and BEARER are secret words to the pack only", applies: (n) => words(n).some((w) => ["PASS", "AUTH", "BEARER"].includes(w)) },
    { flaggedBy: "pack", gap: true, why: "PEM armour in lower case, with other than five dashes, or a PGP KEY BLOCK: the pack reads it loosely, the components only the exact form", applies: (_, v) => isPrivateKey(v) && !looksSecretValue(v) },
];

/** The verdicts on one ConfigMap entry / app setting (names as the ConfigMap holds them, APP_*). */
function verdicts(n: string, v: string): { components: boolean; pack: boolean } {
    return { components: componentsName(n) || looksSecretValue(v), pack: isPrivateKey(v) || (v !== "" && packName(n)) };
}

describe("secret detection: the components and the pack judge the same entries the same way, or a listed difference explains it", () => {
    const seen = new Set<Difference>();
    it("on 2,000 generated (name, value) pairs, every disagreement is a listed difference", () => {
        fc.assert(fc.property(name, value, (n, v) => {
            const { components, pack } = verdicts(n, v);
            if (components === pack) return true;
            const flaggedBy = components ? "components" : "pack";
            const known = DIFFERENCES.filter((d) => d.flaggedBy === flaggedBy && d.applies(n, v));
            known.forEach((d) => seen.add(d));
            return known.length > 0;
        }), { numRuns: 2000 });
    });
    it("agrees on the plain cases both sides name", () => {
        for (const n of ["APP_DB_PASSWORD", "APP_API_TOKEN", "APP_CLIENT_SECRET", "APP_PASSWD", "APP_CREDENTIALS", "APP_API_KEY", "APP_PRIVATE_KEY", "APP_ACCESS_KEY"]) {
            assert.deepEqual(verdicts(n, "x"), { components: true, pack: true }, n);
        }
        for (const n of ["APP_GREETING", "APP_FEATURE_FLAGS", "APP_TIMEOUT", "APP_KEYBOARD", "APP_MONKEY"]) assert.deepEqual(verdicts(n, "x"), { components: false, pack: false }, n);
        assert.deepEqual(verdicts("APP_GREETING", "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----"), { components: true, pack: true });
    });
    for (const d of DIFFERENCES) {
        it(`${d.gap ? "GAP (the pack blocks what the program accepts)" : "deliberate (the program refuses more)"}: ${d.why} — still true, else remove it from the list`, () => {
            assert.ok(seen.has(d), "no generated input shows this difference any more");
        });
    }
});

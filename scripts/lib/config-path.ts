// `pulumi config set --path` semantics for synth's --set: property paths (`image.ref`,
// `names[0]`, `["dotted.key"].x`) and the CLI's typing of path values (CLI_PATH_TYPING: "true"/
// "false" are booleans, integers without a leading 0 are numbers, everything else, floats included,
// is a string; top-level values are always strings).

export type PathSegment = string | number;

export class ConfigPathError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ConfigPathError";
    }
}

/** True when the key is a property path rather than a plain config key name. */
export function isPropertyPath(key: string): boolean {
    return /[.[]/.test(key);
}

/**
 * Splits `websvc:image.build.cacheFrom[0]` into the top-level key (`websvc:image`) and the path
 * below it (["build", "cacheFrom", 0]). A namespace prefix belongs to the first segment.
 */
export function parsePropertyPath(path: string): { key: string; segments: PathSegment[] } {
    const segments: PathSegment[] = [];
    let i = 0;
    const fail = (why: string): never => {
        throw new ConfigPathError(`invalid property path ${JSON.stringify(path)}: ${why} at offset ${i}`);
    };
    while (i < path.length) {
        if (path[i] === "[") {
            const close = path.indexOf("]", i);
            if (close < 0) fail("unclosed [");
            const inner = path.slice(i + 1, close);
            if (/^\d+$/.test(inner)) segments.push(Number(inner));
            else if (/^"(?:[^"\\]|\\.)*"$/.test(inner)) segments.push(JSON.parse(inner) as string);
            else fail(`[${inner}] is neither an index nor a quoted key`);
            i = close + 1;
            if (i < path.length && path[i] === ".") {
                i++;
                if (i >= path.length) fail("trailing .");
            }
        } else {
            let j = i;
            while (j < path.length && path[j] !== "." && path[j] !== "[") j++;
            if (j === i) fail("empty segment");
            segments.push(path.slice(i, j));
            i = j;
            if (path[i] === ".") {
                i++;
                if (i >= path.length) fail("trailing .");
            }
        }
    }
    const [key, ...rest] = segments;
    if (typeof key !== "string") throw new ConfigPathError(`invalid property path ${JSON.stringify(path)}: it must start with a config key`);
    return { key, segments: rest };
}

/** A value as the CLI stores it inside an object: what the program then reads from the JSON. */
export type PathValue = string | number | boolean;

/** One typing rule of `pulumi config set --path`, in the CLI's order: the first that matches wins. */
export interface CliTypingRule {
    rule: string;
    matches(text: string): boolean;
    value(text: string): PathValue;
}

const INT64 = [-(2n ** 63n), 2n ** 63n - 1n] as const;
const UINT64_MAX = 2n ** 64n - 1n;
/** Go's strconv.ParseInt(text, 10, 64): an optional sign, ASCII digits, within int64. */
const goParseInt = (text: string) => /^[+-]?\d+$/.test(text) && BigInt(text) >= INT64[0] && BigInt(text) <= INT64[1];
/** Go's strconv.ParseUint(text, 10, 64): ASCII digits, no sign, within uint64. */
const goParseUint = (text: string) => /^\d+$/.test(text) && BigInt(text) <= UINT64_MAX;
// The program reads a stored integer from JSON, so beyond 2^53 it sees what Number() gives; Go has no -0.
const asNumber = (text: string) => Number(text) + 0;

/**
 * How `pulumi config set --path <key> <text>` (without --type) stores <text> inside the object
 * (adjustObjectValue in sdk/go/common/resource/config/map.go, read in v3.171.0, the CLI the toolchain
 * builds). Top-level values (no --path) are always strings. THE table synth's `--set` follows;
 * CLI_TYPING_EXAMPLES pins it, and the engine tier (tests/tiers/engine/cli-config.test.ts) checks
 * every example against the real CLI.
 */
export const CLI_PATH_TYPING: readonly CliTypingRule[] = [
    { rule: '"true" and "false" (exactly) are booleans', matches: (t) => t === "true" || t === "false", value: (t) => t === "true" },
    { rule: "text of more than one character starting with 0 stays a string (\"0100\", \"0.25\")", matches: (t) => t.length > 1 && t.startsWith("0"), value: (t) => t },
    { rule: "an integer strconv.ParseInt reads (optional sign, digits, within int64) is a number", matches: goParseInt, value: asNumber },
    { rule: "else an integer strconv.ParseUint reads (digits, within uint64) is a number", matches: goParseUint, value: asNumber },
    { rule: "everything else, floats included, is a string", matches: () => true, value: (t) => t },
];

/** How `pulumi config set --path` types a value given on the command line (CLI_PATH_TYPING). */
export function pathValue(raw: string): PathValue {
    return CLI_PATH_TYPING.find((r) => r.matches(raw))!.value(raw);
}

/** `--type` values of `pulumi config set` ("Allowed values are string, bool, int, and float"). */
export type CliValueType = "string" | "int" | "bool" | "float";
/** The CLI refuses the text for that --type (`config set` exits non-zero, nothing is stored). */
export const CLI_REFUSES = "<refused by the CLI>";

/**
 * What `pulumi config set --path --type <type> <key> <text>` stores (v3.171.0; checked on the real
 * CLI by the engine tier). int is strconv.ParseInt (so "0100" is 100), float strconv.ParseFloat in its
 * decimal forms (hex, inf and nan forms are not modelled), bool is `text == "true"` (so "True" is
 * false: pulumi/pulumi#18632).
 */
export function typedPathValue(text: string, type: CliValueType | undefined): PathValue {
    switch (type) {
        case undefined: return pathValue(text);
        case "string": return text;
        case "bool": return text === "true";
        case "int": return goParseInt(text) ? asNumber(text) : CLI_REFUSES;
        case "float": return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? asNumber(text) : CLI_REFUSES;
    }
}

/**
 * [text on the command line, --type (none: the rules above), what the stack file then holds].
 * Verified on the real CLI by the engine tier; the unit tests check pathValue and typedPathValue
 * against the rows, so synth and the CLI cannot drift apart silently.
 */
export const CLI_TYPING_EXAMPLES: ReadonlyArray<readonly [text: string, type: CliValueType | undefined, written: PathValue]> = [
    ["true", undefined, true], ["false", undefined, false], ["True", undefined, "True"], ["yes", undefined, "yes"],
    ["0", undefined, 0], ["42", undefined, 42], ["-3", undefined, -3], ["+5", undefined, 5], ["-0", undefined, 0], ["-05", undefined, -5],
    ["0100", undefined, "0100"], ["007", undefined, "007"], ["00", undefined, "00"],
    ["99.95", undefined, "99.95"], ["0.25", undefined, "0.25"], ["2.5", undefined, "2.5"], ["1e3", undefined, "1e3"], ["-1.5", undefined, "-1.5"],
    [" 99.95", undefined, " 99.95"], ["99,95", undefined, "99,95"], ["0x10", undefined, "0x10"], ["1_000", undefined, "1_000"], [" 42", undefined, " 42"], ["", undefined, ""],
    ["9223372036854775807", undefined, Number("9223372036854775807")], ["9223372036854775808", undefined, Number("9223372036854775808")],
    ["18446744073709551616", undefined, "18446744073709551616"], ["-9223372036854775809", undefined, "-9223372036854775809"],
    ["99.95", "float", 99.95], ["0.25", "float", 0.25], ["100", "float", 100], ["1e3", "float", 1000], [" 99.95", "float", CLI_REFUSES], ["99,95", "float", CLI_REFUSES],
    ["100", "int", 100], ["0100", "int", 100], ["99.95", "int", CLI_REFUSES],
    ["100", "string", "100"], ["true", "string", "true"],
    ["true", "bool", true], ["false", "bool", false], ["True", "bool", false],
];

/** A copy of `root` with `value` at `segments`, creating maps and lists on the way like the CLI. */
export function setAtPath(root: unknown, segments: readonly PathSegment[], value: unknown, where: string): unknown {
    if (segments.length === 0) return value;
    const [head, ...rest] = segments;
    if (typeof head === "number") {
        if (root !== undefined && !Array.isArray(root)) throw new ConfigPathError(`${where}: index [${head}] into a value that is not a list`);
        const list = [...((root as unknown[] | undefined) ?? [])];
        if (head > list.length) throw new ConfigPathError(`${where}: index [${head}] is past the end of a list of ${list.length}`);
        list[head] = setAtPath(list[head], rest, value, where);
        return list;
    }
    if (root !== undefined && (typeof root !== "object" || root === null || Array.isArray(root))) {
        throw new ConfigPathError(`${where}: .${head} into a value that is not a map`);
    }
    const map = { ...((root as Record<string, unknown> | undefined) ?? {}) };
    map[head] = setAtPath(map[head], rest, value, where);
    return map;
}

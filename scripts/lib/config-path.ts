// `pulumi config set --path` semantics for synth's --set: property paths (`image.ref`,
// `names[0]`, `["dotted.key"].x`) and the CLI's typing of path values ("true"/"false" are
// booleans, integers are numbers, everything else is a string; top-level values are always
// strings). Documented in `pulumi config set --help`.

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

/** How `pulumi config set --path` types a value given on the command line. */
export function pathValue(raw: string): string | number | boolean {
    if (raw === "true") return true;
    if (raw === "false") return false;
    if (/^[+-]?\d+$/.test(raw) && Number.isSafeInteger(Number(raw))) return Number(raw);
    return raw;
}

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

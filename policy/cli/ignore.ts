// --ignore-path: glob patterns (picomatch, as .gitignore-style tools use them) for paths the
// checker does not read. A pattern is matched against the path as given or found (`k8s/a.yaml`)
// and against it relative to the working directory; a pattern without a slash also matches the
// base name (`*.tmpl.yaml`). A directory that matches is not descended into.
import * as path from "path";

export function ignoreMatcher(patterns: string[] | undefined, cwd = process.cwd()): ((file: string) => boolean) | undefined {
    if (!patterns || patterns.length === 0) return undefined;
    // Loaded only when there are patterns: most runs have none.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- picomatch loaded only when there are patterns
    const picomatch = require("picomatch") as typeof import("picomatch");
    // picomatch's basename option also applies to patterns with a slash (it then matches
    // `vendor/**` against a base name `vendor`), so only slash-free patterns get it.
    const withSlash = patterns.filter((p) => p.includes("/"));
    const baseNames = patterns.filter((p) => !p.includes("/"));
    const matchers = [
        ...(withSlash.length ? [picomatch(withSlash, { dot: true })] : []),
        ...(baseNames.length ? [picomatch(baseNames, { dot: true, basename: true })] : []),
    ];
    const isMatch = (p: string) => matchers.some((m) => m(p));
    return (file) => {
        const asFound = toPosix(path.normalize(file));
        const relative = toPosix(path.relative(cwd, path.resolve(cwd, file)));
        return isMatch(asFound) || isMatch(relative);
    };
}

function toPosix(p: string): string {
    return p.split(path.sep).join("/").replace(/^\.\//, "");
}

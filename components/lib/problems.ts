// How a component refuses its arguments. Every rule is a pure function that returns problems, each
// naming the argument it is about by its path inside the component's args ("resources.limits.cpu",
// "rbacRules[0].verbs"). The component throws them before super(), so bad args register nothing;
// config.ts calls the same functions and turns each path into the config key it came from.

export interface ArgProblem {
    /** Path inside the args the rule was given; "" for the whole value. */
    path: string;
    /** Reads after the path: "must be >= 2 in production, got 1". */
    message: string;
}

/** `prefix` + `path`, in the dotted/indexed form the messages use ("a" + "[0].b" -> "a[0].b"). */
export function joinPath(prefix: string, path: string): string {
    if (prefix === "") return path;
    if (path === "") return prefix;
    return path.startsWith("[") ? `${prefix}${path}` : `${prefix}.${path}`;
}

/** The same problems, their paths moved under `prefix`. */
export function under(prefix: string, problems: readonly ArgProblem[]): ArgProblem[] {
    return problems.map((p) => ({ path: joinPath(prefix, p.path), message: p.message }));
}

/** One line per problem: "path message". */
export function describeProblem(p: ArgProblem): string {
    return p.path === "" ? p.message : `${p.path} ${p.message}`;
}

/** JSON for a value in a message; "nothing" for undefined. */
export function shown(value: unknown): string {
    return value === undefined ? "nothing" : JSON.stringify(value);
}

/** Thrown by a component constructor before it registers anything. */
export class InvalidArgsError extends Error {
    constructor(readonly component: string, readonly resourceName: string, readonly problems: readonly ArgProblem[]) {
        super(`${component} ${resourceName}: ${problems.map(describeProblem).join("; ")}`);
        this.name = "InvalidArgsError";
    }
}

/** Throws InvalidArgsError when there is any problem. */
export function refuseInvalidArgs(component: string, resourceName: string, problems: readonly ArgProblem[]): void {
    if (problems.length > 0) throw new InvalidArgsError(component, resourceName, problems);
}

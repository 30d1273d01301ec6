// The app's own API access: a namespaced, read-only Role, and nothing that can read every Secret.
import type { ArgProblem } from "./problems";

/** Verbs the app's Role may grant: it reads cluster state, it never changes it. */
export const READ_ONLY_VERBS = ["get", "list", "watch"] as const;

export interface RbacRule {
    apiGroups: string[];
    resources: string[];
    verbs: Array<(typeof READ_ONLY_VERBS)[number]>;
    resourceNames?: string[];
}

/** The rules' problems, with paths such as "[0].verbs[1]" (prefix them with the arg's name). */
export function rbacRuleProblems(rules: readonly RbacRule[]): ArgProblem[] {
    const problems: ArgProblem[] = [];
    rules.forEach((rule, i) => {
        const at = (field: string) => `[${i}]${field ? `.${field}` : ""}`;
        if (rule.resources.length === 0) problems.push({ path: at("resources"), message: "must name at least one resource" });
        if (rule.verbs.length === 0) problems.push({ path: at("verbs"), message: "must name at least one verb" });
        rule.verbs.forEach((verb, j) => {
            if (!(READ_ONLY_VERBS as readonly string[]).includes(verb)) {
                problems.push({ path: at(`verbs[${j}]`), message: `must be a read verb (${READ_ONLY_VERBS.join(", ")}): the app's Role is read-only, got ${JSON.stringify(verb)}` });
            }
        });
        for (const [field, values] of [["apiGroups", rule.apiGroups], ["resources", rule.resources], ["resourceNames", rule.resourceNames ?? []]] as const) {
            if (values.some((v) => v.includes("*"))) problems.push({ path: at(field), message: `must not use wildcards, got ${JSON.stringify(values)}` });
        }
        // list/watch on Secrets return every value in the namespace: only get by name is least-privilege.
        if (rule.resources.includes("secrets") && (rule.verbs.some((v) => v !== "get") || !rule.resourceNames?.length)) {
            problems.push({ path: at(""), message: `may read Secrets only with "get" on named resources (resourceNames), got verbs ${JSON.stringify(rule.verbs)} and resourceNames ${JSON.stringify(rule.resourceNames ?? [])}` });
        }
    });
    return problems;
}

// Parses PromQL with the official Prometheus grammar (@prometheus-io/lezer-promql) and reports
// syntax errors (lezer's error nodes, "⚠") and the metric names an expression selects.
import { parser } from "@prometheus-io/lezer-promql";

export interface PromqlLint {
    errors: string[];
    metrics: string[];
}

export function lintPromql(expr: string): PromqlLint {
    const errors: string[] = [];
    const metrics: string[] = [];
    parser.parse(expr).iterate({
        enter(node) {
            if (node.type.isError) {
                errors.push(`syntax error at ${node.from}: ...${expr.slice(Math.max(0, node.from - 20), node.to + 20)}...`);
            }
            // A metric name is the Identifier directly under a VectorSelector.
            if (node.name === "Identifier" && node.node.parent?.name === "VectorSelector") {
                metrics.push(expr.slice(node.from, node.to));
            }
        },
    });
    if (expr.trim() === "") errors.push("empty expression");
    return { errors, metrics };
}

/** Grafana substitutes its variables before Prometheus sees the query. */
export function interpolateGrafanaVariables(expr: string): string {
    return expr.replace(/\$__rate_interval|\$__interval|\$__range/g, "5m");
}

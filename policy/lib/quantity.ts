// Kubernetes resource.Quantity parsing ("500m", "1.5", "128Mi", "1e3") to a plain number.
const binarySuffixes: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const decimalSuffixes: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

const quantitySource = "([+-]?(?:\\d+\\.?\\d*|\\.\\d+))(?:([eE][+-]?\\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)";
const quantityPattern = new RegExp(`^${quantitySource}$`);

/** The same grammar as a JSON-schema `pattern`, for config settings that take a quantity. */
export const QUANTITY_SCHEMA_PATTERN = `^${quantitySource}$`;

/** A config property that takes a quantity, validated with the grammar parseQuantity reads. */
export function quantitySetting(description: string): { type: "string"; pattern: string; description: string } {
    return { type: "string", pattern: QUANTITY_SCHEMA_PATTERN, description };
}

/** The quantity's value in base units (cores, bytes), or undefined if it is not a quantity. */
export function parseQuantity(value: unknown): number | undefined {
    if (typeof value === "number") {
        return Number.isFinite(value) ? value : undefined;
    }
    if (typeof value !== "string") {
        return undefined;
    }
    const m = quantityPattern.exec(value.trim());
    if (!m) {
        return undefined;
    }
    const base = Number(m[1]);
    if (m[2]) {
        return base * 10 ** Number(m[2].slice(1));
    }
    const suffix = m[3] ?? "";
    return base * (binarySuffixes[suffix] ?? decimalSuffixes[suffix]);
}

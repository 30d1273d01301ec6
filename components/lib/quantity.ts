// Kubernetes resource quantities, read the way the API server reads them
// (k8s.io/apimachinery/pkg/api/resource: ParseQuantity, after UnmarshalJSON's TrimSpace):
//   <signed number><suffix>, suffix one of Ki Mi Gi Ti Pi Ei | n u m "" k M G T P E | e<signed int>.
// "250m", "1.5", "128Mi", "1e3", "500u" and "1E" (exa) are quantities; "1 Gi", "12MB", "1e" are not.
// The degenerate forms the Go parser lets through as zero (".", "+", "-") are refused: nobody
// writes them on purpose. tests/agreement pins this grammar against the policy pack's.

const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/;
const FACTORS: Record<string, number> = {
    "": 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** The quantity in base units (cores, bytes), or undefined when it is not a quantity. JSON numbers are quantities too. */
export function quantityValue(value: unknown): number | undefined {
    if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
    if (typeof value !== "string") return undefined;
    const m = QUANTITY.exec(value.trim());
    if (!m) return undefined;
    const base = Number(m[1]);
    return m[2] !== undefined ? base * 10 ** Number(m[2]) : base * FACTORS[m[3] ?? ""];
}

export function isQuantity(value: unknown): boolean {
    return quantityValue(value) !== undefined;
}

/** Like quantityValue, but throws for anything that is not a quantity. */
export function parseQuantity(value: string | number): number {
    const v = quantityValue(value);
    if (v === undefined) throw new Error(`not a Kubernetes quantity: ${JSON.stringify(value)}`);
    return v;
}

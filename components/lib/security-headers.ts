// Browser security headers for an API, shared by the Ingress (ConfigMap for ingress-nginx's
// `custom-headers`, or an HTTPRoute ResponseHeaderModifier) and the platform install (the
// controller must allow-list every header name it is asked to set).

import { describeProblem, type ArgProblem } from "./problems";

export const HSTS_HEADER = "Strict-Transport-Security";

/** An API returns JSON, never documents: nothing may load, nothing may frame it. */
export const DEFAULT_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";
export const DEFAULT_REFERRER_POLICY = "no-referrer";
/** Powerful browser features off; an API needs none of them. */
export const DEFAULT_PERMISSIONS_POLICY =
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()";
export const DEFAULT_HSTS_MAX_AGE_SECONDS = 31536000;

export interface HstsOptions {
    maxAgeSeconds: number;
    includeSubdomains: boolean;
    /** Opt-in only: preload-list inclusion is hard to undo and covers every subdomain. */
    preload: boolean;
}

export interface SecurityHeaderOptions {
    hsts: HstsOptions;
    contentSecurityPolicy?: string;
    referrerPolicy?: string;
    permissionsPolicy?: string;
}

/** The HSTS settings' rule, as problems with paths into HstsOptions. */
export function hstsProblems(h: HstsOptions): ArgProblem[] {
    if (!Number.isInteger(h.maxAgeSeconds) || h.maxAgeSeconds < 0) {
        return [{ path: "maxAgeSeconds", message: `must be a non-negative integer, got ${JSON.stringify(h.maxAgeSeconds)}` }];
    }
    if (h.preload && (!h.includeSubdomains || h.maxAgeSeconds < DEFAULT_HSTS_MAX_AGE_SECONDS)) {
        // hstspreload.org rejects anything weaker, so the header would promise what it cannot deliver.
        return [{ path: "preload", message: `requires includeSubdomains and a max-age of at least one year (${DEFAULT_HSTS_MAX_AGE_SECONDS})` }];
    }
    return [];
}

export function hstsValue(h: HstsOptions): string {
    const problems = hstsProblems(h);
    if (problems.length > 0) throw new Error(`HSTS ${problems.map(describeProblem).join("; ")}`);
    return [`max-age=${h.maxAgeSeconds}`, ...(h.includeSubdomains ? ["includeSubDomains"] : []), ...(h.preload ? ["preload"] : [])].join("; ");
}

/** Headers other than HSTS, which ingress-nginx sets itself from its `hsts*` settings. */
export function nonHstsSecurityHeaders(o: Omit<SecurityHeaderOptions, "hsts"> = {}): Record<string, string> {
    return {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": o.referrerPolicy ?? DEFAULT_REFERRER_POLICY,
        "Content-Security-Policy": o.contentSecurityPolicy ?? DEFAULT_CONTENT_SECURITY_POLICY,
        "Permissions-Policy": o.permissionsPolicy ?? DEFAULT_PERMISSIONS_POLICY,
    };
}

export function allSecurityHeaders(o: SecurityHeaderOptions): Record<string, string> {
    return { [HSTS_HEADER]: hstsValue(o.hsts), ...nonHstsSecurityHeaders(o) };
}

/** Names for ingress-nginx's `global-allowed-response-headers` (HSTS included, harmless if unused). */
export const SECURITY_HEADER_NAMES: readonly string[] = Object.keys(
    allSecurityHeaders({ hsts: { maxAgeSeconds: DEFAULT_HSTS_MAX_AGE_SECONDS, includeSubdomains: true, preload: false } }),
);

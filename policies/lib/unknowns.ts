/**
 * Unknown values in preview, handled on purpose.
 *
 * During `pulumi preview` a value computed by another resource arrives as a sentinel string. The `props` the
 * SDK hands a policy are a proxy that throws `UnknownValueError` when such a field is read, and the SDK turns
 * that throw into an ADVISORY diagnostic whatever the policy's level: an unchecked unknown quietly fails open.
 * So this pack never reads through the proxy. It takes the proxy's plain target and decides, per field, what
 * an unknown means (see the policies).
 */

/** The sentinels Pulumi uses for unknown values of each kind (from @pulumi/policy `proxy.js`). */
export const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set([
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // boolean
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // string (also what the engine sends on the wire)
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
    "030794c1-ac77-496b-92df-f27374a8bd58", // asset
    "e48ece36-62e2-4504-bad9-02848725956a", // archive
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
]);

/** The string sentinel, for tests and fixtures. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isUnknown(value: unknown): boolean {
    return typeof value === "string" && UNKNOWN_SENTINELS.has(value);
}

/**
 * The plain object behind the SDK's unknown-checking proxy (or the value itself when it is not a proxy, as in
 * unit tests). Reading the result never throws.
 */
export function plainProps<T = Record<string, unknown>>(props: unknown): T {
    if (props && typeof props === "object") {
        const target = (props as Record<string, unknown>)["__getSpecialProxyTarget"];
        if (target && typeof target === "object") return target as T;
    }
    return props as T;
}

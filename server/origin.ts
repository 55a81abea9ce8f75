/**
 * Cross-origin protection shared by REST (unsafe methods) and the WebSocket upgrade. Cookies are
 * SameSite=Lax, but a same-site sibling app or an old browser could still post with them, so the
 * server also refuses any request whose `Origin` is neither its own nor explicitly allowed.
 */

/** Where the app is reachable: its own origin and any extra allowed origins. */
export interface OriginPolicy {
  /** Extra allowed origins (`PREAU_ALLOWED_ORIGINS`), already normalised. */
  allowedOrigins: readonly string[];
  /** The public origin behind a proxy (`PREAU_PUBLIC_URL`); else the request URL's origin is "own". */
  publicUrl?: string | undefined;
}

/** The origin the app considers its own for `req`. */
export function ownOrigin(req: Request, policy: OriginPolicy): string {
  return policy.publicUrl ?? new URL(req.url).origin;
}

/**
 * Whether `req` may act with the user's cookie. A browser always sends `Origin` on cross-origin
 * unsafe requests and WebSocket upgrades; non-browser clients (mobile apps, tests, curl) send
 * neither `Origin` nor `Sec-Fetch-Site` and are accepted, since they cannot ride a victim's cookie.
 */
export function isSameOriginOrAllowed(req: Request, policy: OriginPolicy): boolean {
  const origin = req.headers.get("origin");
  if (origin !== null) {
    if (origin === "null") return false;
    return origin === ownOrigin(req, policy) || policy.allowedOrigins.includes(origin);
  }
  const site = req.headers.get("sec-fetch-site");
  return site === null || site === "same-origin" || site === "none";
}

/** Methods that change state and therefore need the origin check. */
export function isUnsafeMethod(method: string): boolean {
  return !["GET", "HEAD", "OPTIONS"].includes(method.toUpperCase());
}

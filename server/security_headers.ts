/**
 * Security headers on every response. The strict Content-Security-Policy is the second line of
 * defence behind rendering messages as text: even if some markup slipped through, no inline or
 * foreign script could run. Styles allow 'unsafe-inline' because twind injects the page's CSS in
 * a `<style>` element (server-extracted, then extended in the browser).
 */
import type { MiddlewareHandler } from "hono";

/** Options of {@linkcode securityHeaders}. */
export interface SecurityHeadersOptions {
  /** Send `Strict-Transport-Security` (only when served over https). Default `false`. */
  hsts?: boolean;
}

/** The Content-Security-Policy of every page. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** A hono middleware adding the headers to responses that do not set their own. */
export function securityHeaders(opts: SecurityHeadersOptions = {}): MiddlewareHandler {
  return async (c, next) => {
    await next();
    // A WebSocket upgrade (101) answer must stay untouched.
    if (c.res.status === 101) return;
    let headers = c.res.headers;
    try {
      headers.set("x-content-type-options", "nosniff");
    } catch {
      // Response.redirect() and fetched responses have immutable headers: copy into a new response.
      c.res = new Response(c.res.body, c.res);
      headers = c.res.headers;
    }
    const set = (name: string, value: string) => {
      if (!headers.has(name)) headers.set(name, value);
    };
    set("content-security-policy", CONTENT_SECURITY_POLICY);
    set("referrer-policy", "same-origin");
    set("x-frame-options", "DENY");
    set("cross-origin-opener-policy", "same-origin");
    set("permissions-policy", "camera=(), microphone=(), geolocation=()");
    if (opts.hsts) set("strict-transport-security", "max-age=31536000; includeSubDomains");
  };
}

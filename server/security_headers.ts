/**
 * Security headers on every response, through hono's `secureHeaders`. The strict
 * Content-Security-Policy is the second line of defence behind rendering messages as text: even if
 * some markup slipped through, no inline or foreign script could run. Styles allow 'unsafe-inline'
 * because twind injects the page's CSS in a `<style>` element (server-extracted, then extended in
 * the browser). A header a route sets itself wins (`overwrite: false`).
 */
import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";

/** Options of {@linkcode securityHeaders}. */
export interface SecurityHeadersOptions {
  /** Send `Strict-Transport-Security` (only when served over https). Default `false`. */
  hsts?: boolean;
}

/** The directives of every page's Content-Security-Policy, in hono's camelCase form. */
const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", "data:"],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** The Content-Security-Policy of every page, as sent. */
export const CONTENT_SECURITY_POLICY = Object.entries(CSP_DIRECTIVES)
  .map(([name, values]) => `${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${values.join(" ")}`)
  .join("; ");

/** A hono middleware adding the headers to responses that do not set their own. */
export function securityHeaders(opts: SecurityHeadersOptions = {}): MiddlewareHandler {
  const headers = secureHeaders({
    contentSecurityPolicy: CSP_DIRECTIVES,
    referrerPolicy: "same-origin",
    xFrameOptions: "DENY",
    crossOriginOpenerPolicy: "same-origin",
    permissionsPolicy: { camera: [], microphone: [], geolocation: [] },
    strictTransportSecurity: opts.hsts ? "max-age=31536000; includeSubDomains" : false,
    overwrite: false,
  });
  return (c, next) =>
    headers(c, async () => {
      await next();
      try {
        c.res.headers.delete("x-powered-by");
      } catch {
        // Response.redirect() and fetched responses have immutable headers: copy into a new response.
        c.res = new Response(c.res.body, c.res);
      }
    });
}

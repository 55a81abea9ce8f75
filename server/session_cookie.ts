/**
 * The session cookie: `preau_session`, HttpOnly (scripts never see the token), SameSite=Lax
 * (cross-site subrequests do not carry it) and Secure whenever the app is reached over https.
 */
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { parse } from "hono/utils/cookie";
import type { Context } from "hono";

/** Name of the session cookie (part of the wire contract). */
export const SESSION_COOKIE = "preau_session";

/** Whether responses to `c` must mark cookies Secure: https directly or behind a proxy. */
function isHttps(c: Context, publicUrl: string | undefined): boolean {
  if (publicUrl !== undefined) return publicUrl.startsWith("https:");
  return new URL(c.req.url).protocol === "https:";
}

/** Sets the session cookie to `token`, expiring with the session. */
export function setSessionCookie(
  c: Context,
  token: string,
  opts: { expiresAt: Date; publicUrl?: string | undefined },
): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "Lax",
    path: "/",
    secure: isHttps(c, opts.publicUrl),
    maxAge: Math.max(0, Math.floor((opts.expiresAt.getTime() - Date.now()) / 1000)),
  });
}

/** Removes the session cookie from the browser. */
export function clearSessionCookie(c: Context, publicUrl?: string): void {
  deleteCookie(c, SESSION_COOKIE, {
    path: "/",
    secure: isHttps(c, publicUrl),
    httpOnly: true,
    sameSite: "Lax",
  });
}

/** The session token the request carries, if any. */
export function readSessionCookie(c: Context): string | undefined {
  return getCookie(c, SESSION_COOKIE) || undefined;
}

/** The session token from a raw `Cookie` header (WebSocket upgrades are plain Requests). */
export function sessionTokenFromRequest(req: Request): string | undefined {
  return parse(req.headers.get("cookie") ?? "", SESSION_COOKIE)[SESSION_COOKIE] || undefined;
}

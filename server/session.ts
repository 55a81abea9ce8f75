/**
 * Sessions over HTTP, the one way through sign-in, sign-out and "who is this request": the pages
 * (`routes/[locale]/`), the REST API (`routes/api/`) and the WebSocket upgrade (`server/ws_route.ts`)
 * all call these functions, so a flow cannot be half-done in one of them.
 *
 * - {@linkcode signIn}: validates the credentials, asks `auth.login` with the client's address and
 *   user agent, sets the session cookie.
 * - {@linkcode signOut}: revokes the session (the domain announces it, so its live sockets close on
 *   every instance with 4401) and removes the cookie.
 * - {@linkcode authenticate}: the cookie's session (setting the renewed cookie when it slid forward);
 *   {@linkcode authenticateUpgrade} for a raw upgrade `Request`, which has no response to set it on.
 * - {@linkcode clientAddress}: the peer address, or the forwarded one behind trusted proxies
 *   (`server/client_address.ts`).
 *
 * The session is a cookie, {@linkcode SESSION_COOKIE}, holding the token `auth.login` signed.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { parse as parseCookies } from "hono/utils/cookie";
import type { Authenticated, AuthService, LoginResult } from "../domain/auth.ts";
import { AppError, unauthorized } from "../domain/errors.ts";
import { loginBody, parseInput } from "../domain/schemas.ts";
import { type AddressRange, resolveClientAddress } from "./client_address.ts";
import type { OriginPolicy } from "./origin.ts";

/**
 * Name of the session cookie (part of the wire contract). It is HttpOnly (scripts never see the
 * token), SameSite=Lax (cross-site subrequests do not carry it) and Secure whenever the app is
 * reached over https.
 */
export const SESSION_COOKIE = "preau_session";

/** The services the session flows use (a subset of `Services` in `server/state.ts`). */
export interface SessionServices {
  auth: AuthService;
  /** Its `publicUrl` decides whether cookies are Secure. */
  originPolicy: OriginPolicy;
  /** `PREAU_TRUSTED_PROXIES`: peers whose `X-Forwarded-For` is believed. */
  trustedProxies: readonly AddressRange[];
}

/** The connection info Deno hands to the fetch handler, which hono passes on as `c.env`. */
interface ConnectionEnv {
  remoteAddr?: { hostname?: string };
}

/**
 * The client's address for the rate limits and the sessions table. The peer comes from `c.env`,
 * which both entry points fill with Deno's `ServeHandlerInfo` (`server/start.ts`, `serve.ts`);
 * `app.request()` in tests has none, which gives `"unknown"`.
 */
export function clientAddress(c: Context, trustedProxies: readonly AddressRange[]): string {
  const env = c.env as ConnectionEnv | undefined;
  return resolveClientAddress(
    env?.remoteAddr?.hostname,
    c.req.header("x-forwarded-for") ?? null,
    trustedProxies,
  );
}

/**
 * Signs in with `credentials` (`{"email","password"}`, validated here: `bad_request` otherwise) and
 * sets the session cookie on `c`. Throws `invalid_credentials` or `rate_limited` from `auth.login`.
 */
export async function signIn(
  c: Context,
  services: SessionServices,
  credentials: unknown,
): Promise<LoginResult> {
  const { email, password } = parseInput(loginBody, credentials);
  const session = await services.auth.login(
    email,
    password,
    clientAddress(c, services.trustedProxies),
    c.req.header("user-agent") ?? null,
  );
  setSessionCookie(c, session.token, {
    expiresAt: session.expiresAt,
    publicUrl: services.originPolicy.publicUrl,
  });
  return session;
}

/**
 * Ends `sessionId` for both sign-out routes: `auth.logout` revokes it and publishes "session ended"
 * (its sockets close with 4401 on every instance), then the cookie goes.
 */
export async function signOut(
  c: Context,
  services: Pick<SessionServices, "auth" | "originPolicy">,
  sessionId: string,
): Promise<void> {
  await services.auth.logout(sessionId);
  clearSessionCookie(c, services.originPolicy.publicUrl);
}

/**
 * The session of the cookie `c` carries, or `undefined` without one (see {@linkcode notSignedIn}). A
 * renewed token is set as the new cookie. An invalid or ended session throws `unauthorized` and
 * removes the stale cookie, so the browser stops sending it.
 */
export async function authenticate(
  c: Context,
  services: Pick<SessionServices, "auth" | "originPolicy">,
): Promise<Authenticated | undefined> {
  const token = readSessionCookie(c);
  if (token === undefined) return undefined;
  let session: Authenticated;
  try {
    session = await services.auth.authenticate(token);
  } catch (error) {
    // Only a refused session: during a database outage the cookie may well still be good.
    if (error instanceof AppError && error.code === "unauthorized") {
      clearSessionCookie(c, services.originPolicy.publicUrl);
    }
    throw error;
  }
  if (session.renewed) {
    setSessionCookie(c, session.renewed.token, {
      expiresAt: session.renewed.expiresAt,
      publicUrl: services.originPolicy.publicUrl,
    });
  }
  return session;
}

/**
 * The session of a WebSocket upgrade request (cookies sent with the upgrade). Throws `unauthorized`
 * without a cookie or with an invalid one. A renewed token is not sent (the upgrade answer is built
 * by `Deno.upgradeWebSocket`); the page's next request renews the cookie.
 */
export async function authenticateUpgrade(auth: AuthService, req: Request): Promise<Authenticated> {
  const token = sessionTokenFromRequest(req);
  if (token === undefined) throw notSignedIn();
  return await auth.authenticate(token);
}

/** The `unauthorized` error of a request that carries no session at all. */
export function notSignedIn(): AppError {
  return unauthorized("You are not signed in; sign in first.");
}

/** Whether responses to `c` must mark cookies Secure: https directly or behind a proxy. */
function isHttps(c: Context, publicUrl: string | undefined): boolean {
  if (publicUrl !== undefined) return publicUrl.startsWith("https:");
  return new URL(c.req.url).protocol === "https:";
}

/** Sets the session cookie to `token`, expiring with the session. */
function setSessionCookie(
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
function clearSessionCookie(c: Context, publicUrl: string | undefined): void {
  deleteCookie(c, SESSION_COOKIE, {
    path: "/",
    secure: isHttps(c, publicUrl),
    httpOnly: true,
    sameSite: "Lax",
  });
}

/** The session token the request carries, if any. */
function readSessionCookie(c: Context): string | undefined {
  return getCookie(c, SESSION_COOKIE) || undefined;
}

/** The session token from a raw `Cookie` header (WebSocket upgrades are plain Requests). */
function sessionTokenFromRequest(req: Request): string | undefined {
  return parseCookies(req.headers.get("cookie") ?? "", SESSION_COOKIE)[SESSION_COOKIE] || undefined;
}

/**
 * Every page under `/[locale]/`: unknown locales are 404; forms posted from another site are 403; the session cookie is verified as for
 * the API (renewed cookies are set again); signed-out visitors go to the login page with the
 * page they wanted as `next`. The locale is remembered in a cookie for `/`, and pages that depend
 * on the session are never cached.
 */
import { getCookie, setCookie } from "hono/cookie";
import { AppError } from "@/domain/errors.ts";
import { DEFAULT_TIME_ZONE, TIME_ZONE_COOKIE, validTimeZone } from "@/i18n/format.ts";
import { isLocale, LOCALE_COOKIE } from "@/i18n/mod.ts";
import { isSameOriginOrAllowed, isUnsafeMethod } from "@/server/origin.ts";
import { authenticate } from "@/server/session.ts";
import { loginPath, redirect } from "./_lib/paths.ts";
import { definePage } from "./_lib/state.ts";

/** Pages reachable signed out (below the locale). */
const PUBLIC_PAGES = new Set(["/login", "/setup", "/forgot-password", "/reset-password", "/invitation"]);

export const handler = definePage.middleware(async (ctx): Promise<Response> => {
  const locale = ctx.params.locale;
  if (!isLocale(locale)) return await ctx.renderNotFound();
  const { state } = ctx;
  const { services } = state;
  // Every page form at once (the API has the same check in its middleware): a cross-site post of
  // the login, sign-out, setup or any admin form is refused before anything reads it.
  if (isUnsafeMethod(ctx.req.method) && !isSameOriginOrAllowed(ctx.req, services.originPolicy)) {
    return new Response("This form was posted from another site; use Préau's own page.", { status: 403 });
  }
  state.locale = locale;
  state.timeZone = validTimeZone(getCookie(ctx.hono, TIME_ZONE_COOKIE)) ?? DEFAULT_TIME_ZONE;
  if (getCookie(ctx.hono, LOCALE_COOKIE) !== locale) {
    setCookie(ctx.hono, LOCALE_COOKIE, locale, { path: "/", sameSite: "Lax", maxAge: 365 * 86_400 });
  }

  try {
    const session = await authenticate(ctx.hono, services);
    if (session !== undefined) {
      state.me = await services.auth.me(session.user.id);
      state.user = session.user;
      state.sessionId = session.sessionId;
    }
  } catch (error) {
    // An ended session: the cookie is gone, the visitor continues signed out (to the login page).
    if (!(error instanceof AppError && error.code === "unauthorized")) throw error;
  }

  const below = ctx.url.pathname.slice(locale.length + 1) || "/";
  if (state.user === undefined && !PUBLIC_PAGES.has(below)) {
    const wanted = ctx.req.method === "GET" ? ctx.url.pathname + ctx.url.search : undefined;
    return redirect(loginPath(locale, wanted), ctx.req.method === "GET" ? 302 : 303);
  }
  const response = await ctx.next();
  if (state.user !== undefined && !response.headers.has("cache-control")) {
    try {
      response.headers.set("cache-control", "private, no-store");
    } catch {
      // A response with immutable headers (e.g. Response.redirect) is left as it is.
    }
  }
  return response;
});

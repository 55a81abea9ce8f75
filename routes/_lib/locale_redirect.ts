/** Sends a visitor of a path outside `/[locale]/` to its localized twin, in their language. */
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { LOCALE_COOKIE, negotiateLocale } from "@/i18n/mod.ts";

/**
 * `302` to `/<locale><path>`: the first supported language of `Accept-Language`, else the one last used
 * (cookie), else French.
 */
export function localeRedirect(c: Context, path: string): Response {
  const locale = negotiateLocale(c.req.header("accept-language") ?? null, getCookie(c, LOCALE_COOKIE));
  return new Response(null, {
    status: 302,
    headers: { location: `/${locale}${path}`, vary: "Accept-Language, Cookie", "cache-control": "no-store" },
  });
}

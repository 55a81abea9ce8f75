/**
 * `/`: sends the visitor to their language — the first supported one in `Accept-Language`, else
 * the language they last used (cookie), else French. The locale's own page then continues to
 * the login or the messagerie.
 */
import { getCookie } from "hono/cookie";
import { define } from "@/server/define.ts";
import { LOCALE_COOKIE, negotiateLocale } from "@/i18n/mod.ts";

export const handler = define.handlers({
  GET(ctx): Response {
    const locale = negotiateLocale(
      ctx.req.headers.get("accept-language"),
      getCookie(ctx.hono, LOCALE_COOKIE),
    );
    return new Response(null, {
      status: 302,
      headers: { location: `/${locale}`, vary: "Accept-Language, Cookie", "cache-control": "no-store" },
    });
  },
});

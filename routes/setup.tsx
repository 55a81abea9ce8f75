/**
 * `/setup?token=…`, the link Préau prints on its first start: sends the visitor to the setup page in
 * their language (`/[locale]/setup`), keeping the token.
 */
import { getCookie } from "hono/cookie";
import { define } from "../server/define.ts";
import { LOCALE_COOKIE, negotiateLocale } from "../i18n/mod.ts";

export const handler = define.handlers({
  GET(ctx): Response {
    const locale = negotiateLocale(
      ctx.req.headers.get("accept-language"),
      getCookie(ctx.hono, LOCALE_COOKIE),
    );
    return new Response(null, {
      status: 302,
      headers: {
        location: `/${locale}/setup${ctx.url.search}`,
        vary: "Accept-Language, Cookie",
        "cache-control": "no-store",
      },
    });
  },
});

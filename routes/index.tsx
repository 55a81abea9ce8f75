/**
 * `/`: sends the visitor to their language — the first supported one in `Accept-Language`, else
 * the language they last used (cookie), else French. The locale's own page then continues to
 * the login or the messagerie.
 */
import { define } from "@/server/define.ts";
import { localeRedirect } from "./_lib/locale_redirect.ts";

export const handler = define.handlers({
  GET(ctx): Response {
    return localeRedirect(ctx.hono, "");
  },
});

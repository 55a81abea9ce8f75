/**
 * `/setup?token=…`, the link Préau prints on its first start: sends the visitor to the setup page in
 * their language (`/[locale]/setup`), keeping the token.
 */
import { define } from "@/server/define.ts";
import { localeRedirect } from "./_lib/locale_redirect.ts";

export const handler = define.handlers({
  GET(ctx): Response {
    return localeRedirect(ctx.hono, `/setup${ctx.url.search}`);
  },
});

/**
 * `/[locale]/admin/outbox/<mail id>/html`: the HTML version of one mail, for the sandboxed frame of the
 * mail page. Its own policy forbids scripts, fetches and forms whatever the mail contains (the content
 * is escaped when rendered anyway), and lets only Préau's own pages frame it.
 */
import type { RouteContext } from "@/framework/mod.ts";
import { loadOutboxMail } from "@/routes/[locale]/_lib/outbox.ts";
import type { SignedInPageState } from "@/routes/[locale]/_lib/state.ts";

export const handler = {
  async GET(ctx: RouteContext<SignedInPageState>): Promise<Response> {
    const data = await loadOutboxMail(ctx);
    if (!data) return await ctx.renderNotFound();
    return new Response(data.readable.html, {
      headers: {
        "content-type": "text/html; charset=utf-8",
        "content-security-policy":
          "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'",
        "x-frame-options": "SAMEORIGIN",
        "cache-control": "private, no-store",
      },
    });
  },
};

/** `/[locale]`: the signed-in person's messagerie, in the portal of their chosen establishment. */
import { getCookie } from "hono/cookie";
import { chooseMembership, ESTABLISHMENT_COOKIE, messageriePath } from "./_lib/portal.ts";
import { redirect } from "./_lib/paths.ts";
import { defineSignedInPage } from "./_lib/state.ts";

export const handler = defineSignedInPage.handlers({
  GET(ctx): Response {
    const { locale, me } = ctx.state;
    const membership = chooseMembership(me.memberships, getCookie(ctx.hono, ESTABLISHMENT_COOKIE));
    return redirect(membership ? messageriePath(locale, membership) : `/${locale}/parents/messagerie`);
  },
});

/** `POST /[locale]/logout` (the header's button): signs out like the API, then the login page. */
import { isSameOriginOrAllowed } from "@/server/origin.ts";
import { signOut } from "@/server/session.ts";
import { redirect } from "./_lib/paths.ts";
import { defineSignedInPage } from "./_lib/state.ts";

export const handler = defineSignedInPage.handlers({
  async POST(ctx): Promise<Response> {
    const { services } = ctx.state;
    if (!isSameOriginOrAllowed(ctx.req, services.originPolicy)) {
      return new Response("This request came from another site; sign out from Préau itself.", {
        status: 403,
      });
    }
    await signOut(ctx.hono, services, ctx.state.sessionId);
    return redirect(`/${ctx.state.locale}/login`, 303);
  },
});

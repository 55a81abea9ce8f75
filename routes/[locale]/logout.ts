/** `POST /[locale]/logout` (the header's button): signs out like the API, then the login page. */
import { signOut } from "@/server/session.ts";
import { redirect } from "./_lib/paths.ts";
import { defineSignedInPage } from "./_lib/state.ts";

export const handler = defineSignedInPage.handlers({
  async POST(ctx): Promise<Response> {
    const { services } = ctx.state;
    await signOut(ctx.hono, services, ctx.state.sessionId);
    return redirect(`/${ctx.state.locale}/login`, 303);
  },
});

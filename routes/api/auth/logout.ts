import type { RouteContext } from "../../../framework/mod.ts";
import { clearSessionCookie } from "../../../server/session_cookie.ts";
import type { SignedInState } from "../../../server/state.ts";

export const handler = {
  /** `POST /api/auth/logout` → `204`; the session is revoked at once (its sockets close with 4401). */
  async POST(ctx: RouteContext<SignedInState>): Promise<Response> {
    // The domain announces the revocation: that session's sockets close with 4401 on every instance.
    await ctx.state.services.auth.logout(ctx.state.sessionId);
    clearSessionCookie(ctx.hono, ctx.state.services.originPolicy.publicUrl);
    return new Response(null, { status: 204 });
  },
};

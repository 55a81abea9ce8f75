import type { RouteContext } from "../../../framework/mod.ts";
import { signOut } from "../../../server/session.ts";
import type { SignedInState } from "../../../server/state.ts";

export const handler = {
  /** `POST /api/auth/logout` → `204`; the session is revoked at once (its sockets close with 4401). */
  async POST(ctx: RouteContext<SignedInState>): Promise<Response> {
    await signOut(ctx.hono, ctx.state.services, ctx.state.sessionId);
    return new Response(null, { status: 204 });
  },
};

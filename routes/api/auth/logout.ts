import { signOut } from "@/server/session.ts";
import { defineSignedIn } from "@/server/define.ts";

export const handler = defineSignedIn.handlers({
  /** `POST /api/auth/logout` → `204`; the session is revoked at once (its sockets close with 4401). */
  async POST(ctx): Promise<Response> {
    await signOut(ctx.hono, ctx.state.services, ctx.state.sessionId);
    return new Response(null, { status: 204 });
  },
});

import { invite, listInvitations } from "@/domain/invitations.ts";
import { establishmentQuery, parseInput } from "@/domain/schemas.ts";
import { json, queryObject, readJson } from "@/server/http.ts";
import { clientAddress } from "@/server/session.ts";
import { defineSignedIn } from "@/server/define.ts";

export const handler = defineSignedIn.handlers({
  /** `GET /api/admin/invitations?establishmentId=` → `{"invitations"}`: the open ones (expired included). */
  async GET(ctx): Promise<Response> {
    const { establishmentId } = parseInput(establishmentQuery, queryObject(ctx.url), "query");
    return json({
      invitations: await listInvitations(ctx.state.services.db, ctx.state.user.id, establishmentId),
    });
  },

  /**
   * `POST /api/admin/invitations {"establishmentId","email","name","role","locale"?}` → `201 {"invitation"}`
   * and an invitation mail with a link valid 7 days (see `domain/invitations.ts`).
   */
  async POST(ctx): Promise<Response> {
    const { services } = ctx.state;
    const invitation = await invite(services.db, services.mail, {
      userId: ctx.state.user.id,
      clientAddress: clientAddress(ctx.hono, services.trustedProxies),
    }, await readJson(ctx.req));
    return json({ invitation }, 201);
  },
});

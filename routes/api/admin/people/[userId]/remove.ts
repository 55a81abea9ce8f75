import { removeFromEstablishment } from "@/domain/admin.ts";
import { adminEstablishmentBody, parseInput, personPath } from "@/domain/schemas.ts";
import { readJson } from "@/server/http.ts";
import { clientAddress } from "@/server/session.ts";
import { defineSignedIn } from "@/server/define.ts";

export const handler = defineSignedIn.handlers({
  /**
   * `POST /api/admin/people/:userId/remove {"establishmentId"}` → `204`: the membership ends (their sockets
   * close with 4401; their messages stay).
   */
  async POST(ctx): Promise<Response> {
    const { services } = ctx.state;
    const { userId } = parseInput(personPath, ctx.params, "path");
    const { establishmentId } = parseInput(adminEstablishmentBody, await readJson(ctx.req));
    await removeFromEstablishment(services.db, services.events, {
      userId: ctx.state.user.id,
      clientAddress: clientAddress(ctx.hono, services.trustedProxies),
    }, { establishmentId, userId });
    return new Response(null, { status: 204 });
  },
});

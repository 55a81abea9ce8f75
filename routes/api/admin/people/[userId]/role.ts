import { changeRole } from "@/domain/admin.ts";
import { changeRoleBody, parseInput, personPath } from "@/domain/schemas.ts";
import { readJson } from "@/server/http.ts";
import { clientAddress } from "@/server/session.ts";
import { defineSignedIn } from "@/server/define.ts";

export const handler = defineSignedIn.handlers({
  /** `POST /api/admin/people/:userId/role {"establishmentId","role"}` → `204` (see `domain/admin.ts`). */
  async POST(ctx): Promise<Response> {
    const { services } = ctx.state;
    const { userId } = parseInput(personPath, ctx.params, "path");
    const { establishmentId, role } = parseInput(changeRoleBody, await readJson(ctx.req));
    await changeRole(services.db, services.events, {
      userId: ctx.state.user.id,
      clientAddress: clientAddress(ctx.hono, services.trustedProxies),
    }, { establishmentId, userId, role });
    return new Response(null, { status: 204 });
  },
});

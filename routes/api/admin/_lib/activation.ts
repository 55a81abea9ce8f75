/** The handler of `POST /api/admin/people/:userId/deactivate` and `…/reactivate` (see `domain/admin.ts`). */
import { setPersonActive } from "@/domain/admin.ts";
import { adminEstablishmentBody, parseInput, personPath } from "@/domain/schemas.ts";
import { json, readJson } from "@/server/http.ts";
import { clientAddress } from "@/server/session.ts";
import { defineSignedIn } from "@/server/define.ts";

/**
 * `{"establishmentId"}` → `200 {"person"}`; `404` outside the caller's establishments or for a non-member,
 * `403` for a caller who is not an admin there.
 */
export function activationHandlers(active: boolean) {
  return defineSignedIn.handlers({
    async POST(ctx): Promise<Response> {
      const { services } = ctx.state;
      const { userId } = parseInput(personPath, ctx.params, "path");
      const { establishmentId } = parseInput(adminEstablishmentBody, await readJson(ctx.req));
      const person = await setPersonActive(services.db, services.events, {
        userId: ctx.state.user.id,
        clientAddress: clientAddress(ctx.hono, services.trustedProxies),
      }, { establishmentId, userId, active });
      return json({ person });
    },
  });
}

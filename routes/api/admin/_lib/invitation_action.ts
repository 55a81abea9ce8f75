/** Shared parsing of `POST /api/admin/invitations/:id/resend` and `…/revoke`. */
import type { Actor } from "@/domain/admin.ts";
import { adminEstablishmentBody, invitationPath, parseInput } from "@/domain/schemas.ts";
import { readJson } from "@/server/http.ts";
import { clientAddress } from "@/server/session.ts";
import type { RouteContext } from "@/framework/mod.ts";
import type { SignedInState } from "@/server/state.ts";

/** The acting admin, the invitation id of the path and the `establishmentId` of the body. */
export async function invitationAction(
  ctx: RouteContext<SignedInState, unknown>,
): Promise<{ actor: Actor; establishmentId: string; invitationId: string }> {
  const { id } = parseInput(invitationPath, ctx.params, "path");
  const { establishmentId } = parseInput(adminEstablishmentBody, await readJson(ctx.req));
  const actor = {
    userId: ctx.state.user.id,
    clientAddress: clientAddress(ctx.hono, ctx.state.services.trustedProxies),
  };
  return { actor, establishmentId, invitationId: id };
}

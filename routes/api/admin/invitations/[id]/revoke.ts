import { revokeInvitation } from "@/domain/invitations.ts";
import { defineSignedIn } from "@/server/define.ts";
import { invitationAction } from "@/routes/api/admin/_lib/invitation_action.ts";

export const handler = defineSignedIn.handlers({
  /** `POST /api/admin/invitations/:id/revoke {"establishmentId"}` → `204`; the link then says it was withdrawn. */
  async POST(ctx): Promise<Response> {
    const { actor, ...input } = await invitationAction(ctx);
    await revokeInvitation(ctx.state.services.db, actor, input);
    return new Response(null, { status: 204 });
  },
});

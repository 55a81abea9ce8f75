import { resendInvitation } from "@/domain/invitations.ts";
import { json } from "@/server/http.ts";
import { defineSignedIn } from "@/server/define.ts";
import { invitationAction } from "@/routes/api/admin/_lib/invitation_action.ts";

export const handler = defineSignedIn.handlers({
  /** `POST /api/admin/invitations/:id/resend {"establishmentId"}` → `200 {"invitation"}` with a new link. */
  async POST(ctx): Promise<Response> {
    const { actor, ...input } = await invitationAction(ctx);
    return json({
      invitation: await resendInvitation(ctx.state.services.db, ctx.state.services.mail, actor, input),
    });
  },
});

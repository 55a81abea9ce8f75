import type { RouteContext } from "../../../framework/mod.ts";
import { listOutbox } from "../../../domain/mail/outbox.ts";
import { json } from "../../../server/http.ts";
import type { SignedInState } from "../../../server/state.ts";

export const handler = {
  /** `GET /api/mail/outbox?establishmentId=` (admins) → `{"mails":[…]}`, newest first, with statuses. */
  async GET(ctx: RouteContext<SignedInState>): Promise<Response> {
    const establishmentId = ctx.url.searchParams.get("establishmentId") ?? "";
    const mails = await listOutbox(ctx.state.services.db, ctx.state.user.id, establishmentId);
    return json({
      mails: mails.map((m) => ({
        id: m.id,
        kind: m.kind,
        to: { name: m.toName, address: m.toAddress },
        subject: m.subject,
        status: m.status,
        attempts: m.attempts,
        lastError: m.lastError,
        deliveredVia: m.deliveredVia,
        createdAt: m.createdAt,
        sentAt: m.sentAt,
      })),
    });
  },
};

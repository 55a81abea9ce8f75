import { listOutbox } from "@/domain/mail/outbox.ts";
import { json } from "@/server/http.ts";
import { defineSignedIn } from "@/server/define.ts";

export const handler = defineSignedIn.handlers({
  /** `GET /api/mail/outbox?establishmentId=` (admins) → `{"mails":[…]}`, newest first, with statuses. */
  async GET(ctx): Promise<Response> {
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
});

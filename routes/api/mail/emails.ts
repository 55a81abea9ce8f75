import { listStaffEmailReports, sendStaffEmail } from "@/domain/mail/staff_emails.ts";
import { badRequest } from "@/domain/errors.ts";
import { json, readJson } from "@/server/http.ts";
import { defineSignedIn } from "@/server/define.ts";

export const handler = defineSignedIn.handlers({
  /** `GET /api/mail/emails?establishmentId=` → `{"emails":[…]}` with each recipient's status. */
  async GET(ctx): Promise<Response> {
    const establishmentId = ctx.url.searchParams.get("establishmentId") ?? "";
    const emails = await listStaffEmailReports(ctx.state.services.db, ctx.state.user.id, establishmentId);
    return json({ emails });
  },
  /** `POST /api/mail/emails` `{"establishmentId","subject","body","roles"?,"recipientIds"?}` → `201`. */
  async POST(ctx): Promise<Response> {
    const body = await readJson(ctx.req) as Record<string, unknown> | null;
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw badRequest("body: expected a JSON object");
    }
    const list = (name: string): string[] => {
      const value = body[name] ?? [];
      if (!Array.isArray(value) || value.length > 1000 || !value.every((v) => typeof v === "string")) {
        throw badRequest(`${name}: expected an array of strings`);
      }
      return value;
    };
    const { services, user } = ctx.state;
    const sent = await sendStaffEmail(services.db, services.mail, user.id, {
      establishmentId: String(body.establishmentId ?? ""),
      subject: String(body.subject ?? ""),
      body: String(body.body ?? ""),
      roles: list("roles"),
      recipientIds: list("recipientIds"),
    });
    return json(sent, 201);
  },
});

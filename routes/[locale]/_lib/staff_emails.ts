/**
 * Server side of `/[locale]/admin/emails`: staff compose an email to whole roles of their establishment
 * and/or to people found with the recipient search (`?q=`, the same search and rules as new
 * conversations), and see their sends with each recipient's delivery status (admins see everyone's).
 */
import { getCookie } from "hono/cookie";
import type { RouteContext } from "@/framework/mod.ts";
import type { Membership } from "@/db/models.ts";
import type { Recipient } from "@/db/recipients.ts";
import { AppError } from "@/domain/errors.ts";
import { listStaffEmailReports, sendStaffEmail, type StaffEmailReport } from "@/domain/mail/staff_emails.ts";
import { isStaff } from "@/domain/permissions.ts";
import { chooseMembership, ESTABLISHMENT_COOKIE } from "./portal.ts";
import { defineSignedInPage, type SignedInPageState } from "./state.ts";

/** What the page renders. */
export interface StaffEmailsData {
  membership: Membership;
  query: string;
  found: Recipient[];
  reports: StaffEmailReport[];
  sent?: number;
  error?: string;
  draft: { subject: string; body: string };
}

type Ctx = RouteContext<SignedInPageState, StaffEmailsData>;

function staffMembership(ctx: Ctx): Membership | undefined {
  const staff = ctx.state.me.memberships.filter((m) => isStaff(m.role));
  return chooseMembership(
    staff,
    ctx.url.searchParams.get("establishment"),
    getCookie(ctx.hono, ESTABLISHMENT_COOKIE),
  );
}

async function load(
  ctx: Ctx,
  membership: Membership,
  extra: Partial<StaffEmailsData> = {},
): Promise<StaffEmailsData> {
  const { services, user } = ctx.state;
  const query = (ctx.url.searchParams.get("q") ?? "").slice(0, 100);
  const found = query.trim() === ""
    ? []
    : await services.messaging.searchRecipients(user.id, membership.establishmentId, query);
  const reports = await listStaffEmailReports(services.db, user.id, membership.establishmentId);
  return { membership, query, found, reports, draft: { subject: "", body: "" }, ...extra };
}

export const staffEmailsHandler = defineSignedInPage.handlers<StaffEmailsData>({
  async GET(ctx): Promise<Response> {
    const membership = staffMembership(ctx);
    if (!membership) return await ctx.renderNotFound();
    return await ctx.render(await load(ctx, membership));
  },
  async POST(ctx): Promise<Response> {
    const membership = staffMembership(ctx);
    if (!membership) return await ctx.renderNotFound();
    const { services, user } = ctx.state;
    const form = await ctx.req.formData().catch(() => new FormData());
    const draft = { subject: String(form.get("subject") ?? ""), body: String(form.get("body") ?? "") };
    const roles = form.getAll("roles").map(String).flatMap((r) => r === "staff" ? ["admin", "teacher"] : [r]);
    try {
      const sent = await sendStaffEmail(services.db, services.mail, user.id, {
        establishmentId: membership.establishmentId,
        subject: draft.subject,
        body: draft.body,
        roles,
        recipientIds: form.getAll("recipientIds").map(String),
      });
      return await ctx.render(await load(ctx, membership, { sent: sent.recipients }));
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      return await ctx.render(await load(ctx, membership, { error: error.message, draft }), {
        status: error.status,
      });
    }
  },
});

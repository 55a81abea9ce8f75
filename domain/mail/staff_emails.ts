/**
 * Staff emails (the classic emails of GestionEmail): an admin or teacher writes a subject and a body to
 * people picked with the recipient search and/or to whole roles of their establishment ("all parents",
 * "all staff"), under the same who-may-write-to-whom rules as messages (domain/permissions.ts). The send
 * is recorded and its mails enqueued in one transaction; each recipient's delivery status is the status
 * of their queued mail, visible to the author and to the establishment's admins.
 */
import type { Database } from "../../db/types.ts";
import { getRole } from "../../db/users.ts";
import { isRole, type Role } from "../../db/models.ts";
import { enqueueMails, listStaffEmailMails, type MailStatus } from "../../db/mail_queue.ts";
import {
  insertStaffEmail,
  listMailMembers,
  listStaffEmails,
  senderNames,
  type StaffEmail,
} from "../../db/staff_emails.ts";
import { badRequest, forbidden, notFound } from "../errors.ts";
import { canWrite, isStaff } from "../permissions.ts";
import { isStorable } from "../text.ts";
import { translator } from "../../i18n/mod.ts";
import { headerValue, textToHtml } from "./content.ts";
import { htmlLayout, newMessageId, textLayout } from "./layout.ts";
import type { MailService } from "./mail_service.ts";

/** What an author submits. */
export interface StaffEmailInput {
  establishmentId: string;
  subject: string;
  body: string;
  /** Whole roles of the establishment, e.g. `["parent"]`. */
  roles?: readonly string[];
  /** People picked with the recipient search. */
  recipientIds?: readonly string[];
}

/** A recorded send with each recipient's delivery status. */
export interface StaffEmailReport extends StaffEmail {
  recipients: { name: string; email: string; status: MailStatus; lastError: string | null }[];
}

const NO_ESTABLISHMENT = "No such establishment among yours; choose one listed by GET /api/me.";

/** The author's role, which must be staff. */
async function staffRole(db: Database, userId: string, establishmentId: string): Promise<Role> {
  const role = await getRole(db, userId, establishmentId);
  if (role === null) throw notFound(NO_ESTABLISHMENT);
  if (!isStaff(role)) throw forbidden("Only admins and teachers send emails; write a message instead.");
  return role;
}

function field(name: string, value: unknown, max: number): string {
  const text = typeof value === "string" ? value.trim() : "";
  if (text === "" || [...text].length > max || !isStorable(text)) {
    throw badRequest(`${name}: expected 1 to ${max} characters of text.`);
  }
  return text;
}

/** Validates, records and enqueues a staff email; returns its id and how many people it goes to. */
export async function sendStaffEmail(
  db: Database,
  mail: MailService,
  authorId: string,
  input: StaffEmailInput,
): Promise<{ id: string; recipients: number }> {
  const role = await staffRole(db, authorId, input.establishmentId);
  const subject = headerValue(field("subject", input.subject, 200));
  const body = field("body", input.body, 20_000);
  const roles = [...new Set(input.roles ?? [])];
  if (!roles.every(isRole)) throw badRequest("roles: expected admin, teacher, parent or student.");
  const refused = roles.find((to) => !canWrite(role, to));
  if (refused) throw forbidden(`You may not write to every ${refused} of this establishment.`);
  const picked = [...new Set((input.recipientIds ?? []).map((id) => String(id).toLowerCase()))];
  const members = (await listMailMembers(db, input.establishmentId, { roles, userIds: picked }))
    .filter((m) => m.id !== authorId);
  if (members.some((m) => picked.includes(m.id) && !canWrite(role, m.role))) {
    throw forbidden("You may not write to some of these people; choose them from the recipient search.");
  }
  const found = new Set(members.map((m) => m.id));
  if (picked.some((id) => id !== authorId && !found.has(id))) {
    throw forbidden(
      "Some recipients are not members of this establishment; choose them from the recipient search.",
    );
  }
  if (members.length === 0) throw badRequest("recipients: choose at least one person or group.");
  const names = await senderNames(db, authorId, input.establishmentId);
  const now = mail.now();
  const id = await db.transaction(async (tx) => {
    const staffEmailId = await insertStaffEmail(tx, {
      establishmentId: input.establishmentId,
      authorId,
      subject,
      body,
      audienceRoles: roles as Role[],
      now,
    });
    await enqueueMails(
      tx,
      members.map((m) => {
        const t = translator(m.locale);
        const footer = t("mail.staff.footer", names);
        return {
          establishmentId: input.establishmentId,
          recipientId: m.id,
          kind: "staff" as const,
          staffEmailId,
          messageId: newMessageId("staff", mail.from.address),
          toAddress: m.email,
          toName: m.name,
          subject,
          text: textLayout(`${body}\n\n${footer}`, []),
          html: htmlLayout(m.locale, subject, `${textToHtml(body)}\n${textToHtml(footer)}`, []),
        };
      }),
      now,
    );
    return staffEmailId;
  });
  mail.wake();
  return { id, recipients: members.length };
}

/** The establishment's sends with their recipients' statuses: all for admins, their own for teachers. */
export async function listStaffEmailReports(
  db: Database,
  userId: string,
  establishmentId: string,
): Promise<StaffEmailReport[]> {
  const role = await staffRole(db, userId, establishmentId);
  const emails = await listStaffEmails(db, establishmentId, { authorId: role === "admin" ? null : userId });
  const mails = await listStaffEmailMails(db, emails.map((e) => e.id));
  return emails.map((e) => ({
    ...e,
    recipients: mails.filter((m) => m.staffEmailId === e.id)
      .map((m) => ({ name: m.toName, email: m.toAddress, status: m.status, lastError: m.lastError })),
  }));
}

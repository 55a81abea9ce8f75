/** Staff emails (`staff_emails`): one row per send; its recipients are its `mail_queue` rows. */
import type { Queryable } from "./types.ts";
import { isUuid, type Role } from "./models.ts";

/** A member who receives a staff email. */
export interface MailMember {
  id: string;
  name: string;
  email: string;
  locale: "fr" | "en";
  role: Role;
}

/** A recorded staff email. */
export interface StaffEmail {
  id: string;
  establishmentId: string;
  authorId: string;
  authorName: string;
  subject: string;
  body: string;
  audienceRoles: Role[];
  createdAt: Date;
}

const COLUMNS = `s.id, s.establishment_id AS "establishmentId", s.author_id AS "authorId",
  u.name AS "authorName", s.subject, s.body, to_json(s.audience_roles) AS "audienceRoles",
  s.created_at AS "createdAt"`;

/**
 * The members of the establishment holding one of `roles`, plus those of `userIds` who are members
 * (with their role, for the caller's permission check). Never anyone of another establishment.
 */
export async function listMailMembers(
  q: Queryable,
  establishmentId: string,
  opts: { roles: readonly Role[]; userIds: readonly string[] },
): Promise<MailMember[]> {
  if (!isUuid(establishmentId)) return [];
  return await q.query<MailMember>(
    `SELECT u.id, u.name, u.email, u.locale, m.role
     FROM memberships m JOIN users u ON u.id = m.user_id
     WHERE m.establishment_id = $1
       AND (m.role IN (SELECT value FROM jsonb_array_elements_text($2::jsonb))
            OR u.id IN (SELECT value::uuid FROM jsonb_array_elements_text($3::jsonb)))
     ORDER BY u.search_text, u.id`,
    [establishmentId, JSON.stringify(opts.roles), JSON.stringify(opts.userIds.filter(isUuid))],
  );
}

/** Records a staff email and returns its id (call inside the transaction that enqueues its mails). */
export async function insertStaffEmail(
  q: Queryable,
  input: {
    establishmentId: string;
    authorId: string;
    subject: string;
    body: string;
    audienceRoles: Role[];
    now: Date;
  },
): Promise<string> {
  const rows = await q.query<{ id: string }>(
    `INSERT INTO staff_emails (establishment_id, author_id, subject, body, audience_roles, created_at)
     VALUES ($1, $2, $3, $4, ARRAY(SELECT jsonb_array_elements_text($5::jsonb)), $6) RETURNING id`,
    [
      input.establishmentId,
      input.authorId,
      input.subject,
      input.body,
      JSON.stringify(input.audienceRoles),
      input.now,
    ],
  );
  return rows[0]!.id;
}

/** The establishment's staff emails, newest first; only `authorId`'s when given. */
export async function listStaffEmails(
  q: Queryable,
  establishmentId: string,
  opts: { authorId?: string | null; limit?: number } = {},
): Promise<StaffEmail[]> {
  if (!isUuid(establishmentId)) return [];
  return await q.query<StaffEmail>(
    `SELECT ${COLUMNS} FROM staff_emails s JOIN users u ON u.id = s.author_id
     WHERE s.establishment_id = $1 AND ($2::uuid IS NULL OR s.author_id = $2)
     ORDER BY s.created_at DESC, s.id DESC LIMIT $3`,
    [establishmentId, opts.authorId ?? null, Math.min(Math.max(1, opts.limit ?? 50), 200)],
  );
}

/** The author's and the establishment's names, for the footer of a staff email. */
export async function senderNames(
  q: Queryable,
  authorId: string,
  establishmentId: string,
): Promise<{ author: string; establishment: string }> {
  const rows = await q.query<{ author: string; establishment: string }>(
    `SELECT u.name AS author, e.name AS establishment FROM users u, establishments e WHERE u.id = $1 AND e.id = $2`,
    [authorId, establishmentId],
  );
  return rows[0] ?? { author: "", establishment: "" };
}

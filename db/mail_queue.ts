/**
 * The durable mail queue (table `mail_queue`). Mails are rendered before they are enqueued, inside the
 * transaction of their cause; workers claim due rows with `FOR UPDATE SKIP LOCKED` plus a lease
 * (`locked_until`), so any number of instances send each row once. Times come from the caller's clock
 * (`now`), so tests and the scheduler share one notion of time.
 */
import type { Queryable } from "./types.ts";
import { isUuid } from "./models.ts";

/** `account`: a mail about the person's account (password reset), with no establishment. */
export type MailKind = "digest" | "staff" | "account" | "invitation";
export type MailStatus = "pending" | "sent" | "failed";

/** A mail ready to enqueue (rendered, headers already neutralised). */
export interface NewMail {
  /** Null for `account` mails only. */
  establishmentId: string | null;
  recipientId: string | null;
  kind: MailKind;
  staffEmailId?: string | null;
  messageId: string;
  toAddress: string;
  toName: string;
  subject: string;
  text: string;
  html: string;
  headers?: Record<string, string>;
}

/** A queued mail as stored. */
export interface QueuedMail extends Required<NewMail> {
  id: string;
  status: MailStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  deliveredVia: "smtp" | "outbox" | null;
  outboxFile: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

const COLUMNS = `id, establishment_id AS "establishmentId", recipient_id AS "recipientId", kind,
  staff_email_id AS "staffEmailId", message_id AS "messageId", to_address AS "toAddress",
  to_name AS "toName", subject, body_text AS text, body_html AS html, headers, status, attempts,
  next_attempt_at AS "nextAttemptAt", last_error AS "lastError", delivered_via AS "deliveredVia",
  outbox_file AS "outboxFile", created_at AS "createdAt", sent_at AS "sentAt"`;

/** Enqueues `mails` in one statement (call it inside the transaction of their cause). */
export async function enqueueMails(q: Queryable, mails: readonly NewMail[], now: Date): Promise<number> {
  if (mails.length === 0) return 0;
  const rows = mails.map((m) => ({
    establishment_id: m.establishmentId,
    recipient_id: m.recipientId,
    kind: m.kind,
    staff_email_id: m.staffEmailId ?? null,
    message_id: m.messageId,
    to_address: m.toAddress,
    to_name: m.toName,
    subject: m.subject,
    body_text: m.text,
    body_html: m.html,
    headers: m.headers ?? {},
  }));
  const inserted = await q.query(
    `INSERT INTO mail_queue (establishment_id, recipient_id, kind, staff_email_id, message_id, to_address,
       to_name, subject, body_text, body_html, headers, next_attempt_at, created_at)
     SELECT r.establishment_id, r.recipient_id, r.kind, r.staff_email_id, r.message_id, r.to_address,
       r.to_name, r.subject, r.body_text, r.body_html, r.headers, $2, $2
     FROM jsonb_to_recordset($1::jsonb) AS r(establishment_id uuid, recipient_id uuid, kind text,
       staff_email_id uuid, message_id text, to_address text, to_name text, subject text, body_text text,
       body_html text, headers jsonb)
     RETURNING id`,
    [JSON.stringify(rows), now],
  );
  return inserted.length;
}

/**
 * Claims up to `limit` due pending mails for `leaseMs`: a crashed worker's claim expires and another
 * worker retries the row (the duplicate window documented in README "Email"). Counts the attempt.
 */
export async function claimDueMails(
  q: Queryable,
  opts: { now: Date; limit: number; leaseMs: number },
): Promise<QueuedMail[]> {
  return await q.query<QueuedMail>(
    `UPDATE mail_queue SET locked_until = $1::timestamptz + $3 * interval '1 millisecond',
       attempts = attempts + 1
     WHERE id IN (
       SELECT id FROM mail_queue
       WHERE status = 'pending' AND next_attempt_at <= $1 AND (locked_until IS NULL OR locked_until <= $1)
       ORDER BY next_attempt_at, id
       LIMIT $2
       FOR UPDATE SKIP LOCKED)
     RETURNING ${COLUMNS}`,
    [opts.now, opts.limit, opts.leaseMs],
  );
}

/** Marks a claimed mail sent, with how it went out. */
export async function markMailSent(
  q: Queryable,
  id: string,
  opts: { now: Date; via: "smtp" | "outbox"; outboxFile?: string | null },
): Promise<void> {
  await q.query(
    `UPDATE mail_queue SET status = 'sent', sent_at = $2, delivered_via = $3, outbox_file = $4,
       last_error = NULL, locked_until = NULL
     WHERE id = $1`,
    [id, opts.now, opts.via, opts.outboxFile ?? null],
  );
}

/** Schedules another attempt at `retryAt` and keeps the server's answer. */
export async function markMailRetry(q: Queryable, id: string, retryAt: Date, error: string): Promise<void> {
  await q.query(
    `UPDATE mail_queue SET next_attempt_at = $2, last_error = $3, locked_until = NULL WHERE id = $1`,
    [id, retryAt, error.slice(0, 2000)],
  );
}

/** Gives up on a mail, keeping the server's last answer for admins. */
export async function markMailFailed(q: Queryable, id: string, error: string): Promise<void> {
  await q.query(
    `UPDATE mail_queue SET status = 'failed', last_error = $2, locked_until = NULL WHERE id = $1`,
    [id, error.slice(0, 2000)],
  );
}

/** The establishment's mails, newest first (the admin outbox page). */
export async function listEstablishmentMails(
  q: Queryable,
  establishmentId: string,
  opts: { limit?: number; before?: Date | null } = {},
): Promise<QueuedMail[]> {
  if (!isUuid(establishmentId)) return [];
  return await q.query<QueuedMail>(
    `SELECT ${COLUMNS} FROM mail_queue
     WHERE establishment_id = $1 AND ($2::timestamptz IS NULL OR created_at < $2)
     ORDER BY created_at DESC, id DESC LIMIT $3`,
    [establishmentId, opts.before ?? null, Math.min(Math.max(1, opts.limit ?? 50), 500)],
  );
}

/** One mail of the establishment, or null (another establishment's mail is never returned). */
export async function getEstablishmentMail(
  q: Queryable,
  establishmentId: string,
  id: string,
): Promise<QueuedMail | null> {
  if (!isUuid(establishmentId) || !isUuid(id)) return null;
  const rows = await q.query<QueuedMail>(
    `SELECT ${COLUMNS} FROM mail_queue WHERE establishment_id = $1 AND id = $2`,
    [establishmentId, id],
  );
  return rows[0] ?? null;
}

/** Every mail of one staff email (its recipients and their delivery status), by recipient name. */
export async function listStaffEmailMails(
  q: Queryable,
  staffEmailIds: readonly string[],
): Promise<QueuedMail[]> {
  const ids = staffEmailIds.filter(isUuid);
  if (ids.length === 0) return [];
  return await q.query<QueuedMail>(
    `SELECT ${COLUMNS} FROM mail_queue WHERE staff_email_id IN (SELECT value::uuid FROM jsonb_array_elements_text($1::jsonb))
     ORDER BY to_name, id`,
    [JSON.stringify(ids)],
  );
}

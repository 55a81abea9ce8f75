/**
 * What admins see of their establishment's mail (`/[locale]/admin/outbox`): every queued mail, newest
 * first, with its status and the server's last answer; and one mail as its recipient would see it — read
 * back from its `.eml` file when it went to the outbox, so the page shows exactly what was written.
 */
import { simpleParser } from "mailparser";
import { Buffer } from "node:buffer";
import type { Database } from "../../db/types.ts";
import { getEstablishmentMail, listEstablishmentMails, type QueuedMail } from "../../db/mail_queue.ts";
import { getRole } from "../../db/users.ts";
import { forbidden, notFound } from "../errors.ts";
import type { MailService } from "./mail_service.ts";

/** One mail as shown to an admin. */
export interface ReadableMail {
  mail: QueuedMail;
  from: string;
  to: string;
  subject: string;
  date: Date;
  text: string;
  html: string;
  /** The raw RFC 5322 source, when the mail was written to the outbox. */
  raw: string | null;
}

async function requireAdmin(db: Database, userId: string, establishmentId: string): Promise<void> {
  const role = await getRole(db, userId, establishmentId);
  if (role === null) throw notFound("No such establishment among yours.");
  if (role !== "admin") throw forbidden("Only the establishment's admins see its outbox.");
}

/** The establishment's mails, newest first (admins only). */
export async function listOutbox(
  db: Database,
  userId: string,
  establishmentId: string,
): Promise<QueuedMail[]> {
  await requireAdmin(db, userId, establishmentId);
  return await listEstablishmentMails(db, establishmentId, { limit: 200 });
}

/** One mail of the establishment (admins only); `not_found` for another establishment's. */
export async function readOutboxMail(
  db: Database,
  mail: MailService,
  userId: string,
  establishmentId: string,
  id: string,
): Promise<ReadableMail> {
  await requireAdmin(db, userId, establishmentId);
  const row = await getEstablishmentMail(db, establishmentId, id);
  if (row === null) throw notFound("No such mail in this establishment's outbox.");
  const dir = mail.transport.outboxDir;
  const file = row.deliveredVia === "outbox" && row.outboxFile && dir ? `${dir}/${row.outboxFile}` : null;
  const bytes = file ? await Deno.readFile(file).catch(() => null) : null;
  if (bytes) {
    const parsed = await simpleParser(Buffer.from(bytes));
    return {
      mail: row,
      from: parsed.from?.text ?? "",
      to: (Array.isArray(parsed.to) ? parsed.to.map((a) => a.text).join(", ") : parsed.to?.text) ?? "",
      subject: parsed.subject ?? "",
      date: parsed.date ?? row.createdAt,
      text: parsed.text ?? "",
      html: typeof parsed.html === "string" ? parsed.html : "",
      raw: new TextDecoder().decode(bytes),
    };
  }
  return {
    mail: row,
    from: `${mail.from.name} <${mail.from.address}>`,
    to: `${row.toName} <${row.toAddress}>`,
    subject: row.subject,
    date: row.createdAt,
    text: row.text,
    html: row.html,
    raw: null,
  };
}

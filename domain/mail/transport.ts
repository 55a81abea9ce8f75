/**
 * Where mail goes: SMTP through nodemailer (`PREAU_SMTP_URL`), or `.eml` files in the outbox directory
 * (the embedded default). Both take the same rendered mail and build the same RFC 5322 message with
 * nodemailer, so what a recipient would receive is exactly what the outbox shows.
 */
import nodemailer from "nodemailer";
import type { QueuedMail } from "../../db/mail_queue.ts";
import { headerValue } from "./content.ts";

/** Sender of every mail (`PREAU_MAIL_FROM`). */
export interface Mailbox {
  name: string;
  address: string;
}

/** How a mail went out. */
export interface Delivery {
  via: "smtp" | "outbox";
  /** For the outbox: the `.eml` file name inside the outbox directory. */
  outboxFile?: string;
}

/** A failed send; `permanent` (an SMTP 5xx answer) means retrying cannot help. */
export class SendError extends Error {
  constructor(message: string, readonly permanent: boolean) {
    super(message);
    this.name = "SendError";
  }
}

/** The small interface the queue worker sends through. */
export interface MailTransport {
  /** For the start line: "SMTP smtp.example:587" or "outbox /data/outbox". */
  readonly description: string;
  /** The outbox directory, for the outbox transport only. */
  readonly outboxDir?: string;
  send(mail: QueuedMail, from: Mailbox): Promise<Delivery>;
  close(): void;
}

/** The nodemailer message of a queued mail: every header value on one line. */
export function messageOptions(mail: QueuedMail, from: Mailbox) {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(mail.headers ?? {})) {
    if (/^[A-Za-z0-9-]{1,64}$/.test(k)) headers[k] = headerValue(String(v), 2000);
  }
  return {
    from: { name: headerValue(from.name), address: from.address },
    to: { name: headerValue(mail.toName), address: headerValue(mail.toAddress, 254) },
    subject: headerValue(mail.subject),
    text: mail.text,
    html: mail.html,
    messageId: mail.messageId,
    date: mail.createdAt,
    headers,
  };
}

/** SMTP via nodemailer; `url` is `smtp://user:pass@host:port` or `smtps://…`. */
export function smtpTransport(url: string): MailTransport {
  const parsed = new URL(url);
  const secure = parsed.protocol === "smtps:";
  const port = parsed.port ? Number(parsed.port) : secure ? 465 : 587;
  const user = decodeURIComponent(parsed.username);
  const transporter = nodemailer.createTransport({
    host: parsed.hostname,
    port,
    secure,
    auth: user ? { user, pass: decodeURIComponent(parsed.password) } : undefined,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
  });
  return {
    description: `SMTP ${parsed.hostname}:${port}${secure ? " (TLS)" : ""}`,
    async send(mail, from) {
      try {
        await transporter.sendMail(messageOptions(mail, from));
        return { via: "smtp" };
      } catch (error) {
        const e = error as { responseCode?: number; response?: string; message?: string };
        const answer = e.response ?? e.message ?? String(error);
        const code = e.responseCode ?? 0;
        throw new SendError(answer, code >= 500 && code < 600);
      }
    },
    close: () => transporter.close(),
  };
}

/** Writes each mail as `<time>-<id>.eml` into `dir` (created when missing; written atomically). */
export function outboxTransport(dir: string): MailTransport {
  const builder = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "windows" });
  return {
    description: `outbox ${dir}`,
    outboxDir: dir,
    async send(mail, from) {
      const info = await builder.sendMail(messageOptions(mail, from));
      await Deno.mkdir(dir, { recursive: true });
      const stamp = new Date(mail.createdAt).toISOString().replace(/[:.]/g, "-");
      const file = `${stamp}-${mail.id}.eml`;
      const tmp = `${dir}/.${file}.tmp`;
      await Deno.writeFile(tmp, info.message as Uint8Array);
      await Deno.rename(tmp, `${dir}/${file}`);
      return { via: "outbox", outboxFile: file };
    },
    close: () => builder.close(),
  };
}

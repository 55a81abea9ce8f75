/**
 * The mail queue worker: claims due mails (`FOR UPDATE SKIP LOCKED` with a lease, so any number of
 * instances can run it), sends each through the transport and marks it. A temporary failure is retried
 * with backoff ({@linkcode retryDelayMs}); an SMTP 5xx answer, or failing for longer than `giveUpMs`,
 * marks the mail failed with the server's last answer.
 *
 * Duplicate window: a crash after the server accepted a mail and before `markMailSent` committed leaves
 * the row claimed; when its lease (`leaseMs`) expires another worker sends it again with the same
 * Message-ID, which mail clients treat as the same message. Nothing is lost: an unmarked row is always
 * sent again.
 */
import type { Database } from "../../db/types.ts";
import { claimDueMails, markMailFailed, markMailRetry, markMailSent } from "../../db/mail_queue.ts";
import { type BackoffOptions, DEFAULT_GIVE_UP_MS, retryDelayMs } from "./backoff.ts";
import { type Mailbox, type MailTransport, SendError } from "./transport.ts";

/** Options of {@linkcode deliverDueMails}; defaults in brackets. */
export interface DeliverOptions {
  /** The clock [() => new Date()]. */
  now?: () => Date;
  /** Mails claimed per round [20]. */
  batch?: number;
  /** How long a claim holds before another worker may retry the mail [120 000 ms]. */
  leaseMs?: number;
  /** Give up after failing this long since the mail was enqueued [24 h]. */
  giveUpMs?: number;
  backoff?: BackoffOptions;
}

/** Counts of one {@linkcode deliverDueMails} call. */
export interface DeliverResult {
  sent: number;
  retried: number;
  failed: number;
}

/** Sends every mail due now, round after round, until none is left; returns what happened. */
export async function deliverDueMails(
  db: Database,
  transport: MailTransport,
  from: Mailbox,
  opts: DeliverOptions = {},
): Promise<DeliverResult> {
  const clock = opts.now ?? (() => new Date());
  const result: DeliverResult = { sent: 0, retried: 0, failed: 0 };
  for (;;) {
    const claimed = await claimDueMails(db, {
      now: clock(),
      limit: opts.batch ?? 20,
      leaseMs: opts.leaseMs ?? 120_000,
    });
    for (const mail of claimed) {
      try {
        const delivery = await transport.send(mail, from);
        await markMailSent(db, mail.id, { now: clock(), via: delivery.via, outboxFile: delivery.outboxFile });
        result.sent++;
      } catch (error) {
        const answer = error instanceof Error ? error.message : String(error);
        const now = clock();
        const age = now.getTime() - new Date(mail.createdAt).getTime();
        if ((error instanceof SendError && error.permanent) || age >= (opts.giveUpMs ?? DEFAULT_GIVE_UP_MS)) {
          await markMailFailed(db, mail.id, answer);
          result.failed++;
        } else {
          const retryAt = new Date(now.getTime() + retryDelayMs(mail.attempts, opts.backoff));
          await markMailRetry(db, mail.id, retryAt, answer);
          result.retried++;
        }
      }
    }
    if (claimed.length < (opts.batch ?? 20)) return result;
  }
}

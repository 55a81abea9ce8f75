/**
 * Préau's mail service: the transport, the queue worker and the digest scheduler behind one object that
 * `server/compose.ts` starts with the app and stops at shutdown. Tests drive it by hand
 * (`digestPass`, `deliver`) with an injected clock, so nothing sleeps for minutes.
 */
import type { Database } from "../../db/types.ts";
import { type DigestPassResult, runDigestPass } from "./digest_pass.ts";
import { deliverDueMails, type DeliverOptions, type DeliverResult } from "./queue_worker.ts";
import type { Mailbox, MailTransport } from "./transport.ts";

/** Options of {@linkcode createMailService}; defaults in brackets. */
export interface MailServiceOptions {
  db: Database;
  transport: MailTransport;
  from: Mailbox;
  /** Origin put in links, e.g. `https://preau.example`. */
  baseUrl: string;
  /** Key of the unsubscribe tokens (the app secret). */
  secret: string;
  /** PREAU_NOTIFY_DELAY_MINUTES in ms [600 000]. */
  delayMs?: number;
  /** See {@linkcode DigestPassOptions.intervalMs} [6 h]. */
  digestIntervalMs?: number;
  /** People per digest batch [1000]. */
  digestBatch?: number;
  /** The clock [() => new Date()]. */
  now?: () => Date;
  /** How often the background loop looks for work [min(15 s, delay / 4), at least 50 ms]. */
  pollMs?: number;
  /** Queue worker tuning (lease, give-up age, backoff). */
  deliver?: Omit<DeliverOptions, "now">;
  /** Where background failures are reported [console.error]. */
  onError?: (error: unknown) => void;
}

/** See the module documentation. */
export interface MailService {
  readonly transport: MailTransport;
  readonly from: Mailbox;
  readonly baseUrl: string;
  readonly secret: string;
  now(): Date;
  /** One digest pass now. */
  digestPass(): Promise<DigestPassResult>;
  /** Sends every mail due now. */
  deliver(): Promise<DeliverResult>;
  /** Asks the background loop to deliver at once (after something was enqueued). */
  wake(): void;
  /** Starts the background loop; it stops when `signal` aborts or at {@linkcode close}. */
  start(signal?: AbortSignal): void;
  /** Stops the loop, waits for the current round, closes the transport. Idempotent. */
  close(): Promise<void>;
}

/** Builds the service (nothing runs until `start`). */
export function createMailService(opts: MailServiceOptions): MailService {
  const clock = opts.now ?? (() => new Date());
  const delayMs = opts.delayMs ?? 600_000;
  const pollMs = opts.pollMs ?? Math.max(50, Math.min(15_000, delayMs / 4));
  const onError = opts.onError ?? ((e) => console.error("mail:", e));
  const stop = new AbortController();
  let loop: Promise<void> | undefined;
  let wakeUp: (() => void) | undefined;

  const service: MailService = {
    transport: opts.transport,
    from: opts.from,
    baseUrl: opts.baseUrl,
    secret: opts.secret,
    now: clock,
    digestPass: () =>
      runDigestPass(opts.db, {
        now: clock(),
        delayMs,
        intervalMs: opts.digestIntervalMs,
        batch: opts.digestBatch,
        baseUrl: opts.baseUrl,
        fromAddress: opts.from.address,
        secret: opts.secret,
      }),
    deliver: () => deliverDueMails(opts.db, opts.transport, opts.from, { ...opts.deliver, now: clock }),
    wake: () => wakeUp?.(),
    start(signal) {
      if (loop || stop.signal.aborted) return;
      signal?.addEventListener("abort", () => stop.abort(), { once: true });
      loop = (async () => {
        while (!stop.signal.aborted) {
          try {
            await service.digestPass();
            if (!stop.signal.aborted) await service.deliver();
          } catch (error) {
            if (!stop.signal.aborted) onError(error);
          }
          await new Promise<void>((resolve) => {
            const timer = setTimeout(done, pollMs);
            function done() {
              clearTimeout(timer);
              stop.signal.removeEventListener("abort", done);
              wakeUp = undefined;
              resolve();
            }
            wakeUp = done;
            stop.signal.addEventListener("abort", done, { once: true });
          });
        }
      })();
    },
    async close() {
      stop.abort();
      wakeUp?.();
      await loop;
      opts.transport.close();
    },
  };
  return service;
}

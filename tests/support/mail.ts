/**
 * Mail for tests: a {@linkcode MailService} over a test database, sending to a real test SMTP server
 * (or an outbox directory) with a clock that tests move forward instead of sleeping.
 */
import type { Database } from "../../db/types.ts";
import { appendMessage } from "../../db/messages.ts";
import {
  createMailService,
  type MailService,
  type MailServiceOptions,
} from "../../domain/mail/mail_service.ts";
import { type MailTransport, smtpTransport } from "../../domain/mail/transport.ts";
import type { ParsedMail } from "mailparser";
import { TEST_SECRET } from "./server.ts";
import { startTestSmtp, type TestSmtp } from "./smtp.ts";

/** A test clock: real time plus `offsetMs`, which tests advance. */
export interface TestClock {
  offsetMs: number;
  now(): Date;
  advance(ms: number): void;
}

export function testClock(): TestClock {
  const clock: TestClock = {
    offsetMs: 0,
    now: () => new Date(Date.now() + clock.offsetMs),
    advance: (ms) => void (clock.offsetMs += ms),
  };
  return clock;
}

/** The delay the mail tests use (as PREAU_NOTIFY_DELAY_MINUTES=10). */
export const TEST_DELAY_MS = 10 * 60_000;

/** A mail service for tests: SMTP at `smtpUrl` (or `transport`), the test secret, `clock`. */
export function testMailService(
  db: Database,
  opts: { clock: TestClock; smtpUrl?: string; transport?: MailTransport } & Partial<MailServiceOptions>,
): MailService {
  return createMailService({
    db,
    from: { name: "École test", address: "no-reply@school.test" },
    baseUrl: "http://preau.test",
    secret: TEST_SECRET,
    delayMs: TEST_DELAY_MS,
    ...opts,
    transport: opts.transport ?? smtpTransport(opts.smtpUrl!),
    now: () => opts.clock.now(),
  });
}

let counter = 0;

/** Stores a message from `senderId` (as the app would, with a fresh clientId). */
export async function sendAs(db: Database, senderId: string, conversationId: string, body: string) {
  return (await appendMessage(db, {
    conversationId,
    senderId,
    clientId: `mail-test-${++counter}-${crypto.randomUUID()}`,
    body,
  })).message;
}

/** The mails of `received` addressed to `address`. */
export function mailsTo<T extends ParsedMail>(received: readonly T[], address: string): T[] {
  const lower = address.toLowerCase();
  return received.filter((m) => {
    const to = Array.isArray(m.to) ? m.to : m.to ? [m.to] : [];
    return to.some((t) => t.value.some((v) => v.address?.toLowerCase() === lower));
  });
}

/** What {@linkcode withMail} gives a test. */
export interface MailWorld {
  smtp: TestSmtp;
  clock: TestClock;
  mail: MailService;
  /** One digest pass, then delivery of everything due. */
  run(): Promise<void>;
}

/** Runs `fn` with a test SMTP server, a test clock and a mail service sending there; closes them all. */
export async function withMail<T>(
  db: Database,
  fn: (w: MailWorld) => Promise<T>,
  opts: Partial<MailServiceOptions> = {},
): Promise<T> {
  const smtp = await startTestSmtp();
  const clock = testClock();
  const mail = testMailService(db, { ...opts, clock, smtpUrl: smtp.url });
  try {
    return await fn({
      smtp,
      clock,
      mail,
      run: async () => {
        await mail.digestPass();
        await mail.deliver();
      },
    });
  } finally {
    await mail.close();
    await smtp.close();
  }
}

/** Lets the notify delay pass, then runs one digest pass and delivers everything due. */
export async function passDelay(clock: TestClock, mail: MailService): Promise<void> {
  clock.advance(TEST_DELAY_MS + 1_000);
  await mail.digestPass();
  await mail.deliver();
}

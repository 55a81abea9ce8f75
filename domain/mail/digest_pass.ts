/**
 * One digest pass: finds everyone due a missed-message digest (db/digests.ts), renders their digests
 * and enqueues them in the same transaction that records what they announced — so a digest is queued
 * exactly when its marks are, and a crash leaves both or neither. Work goes in batches of `batch`
 * people, eight statements per batch whatever its size (the lock, four reads, three writes). Each batch holds a transaction-level advisory
 * lock taken with `pg_try_advisory_xact_lock`: an instance that finds it taken leaves the pass to the
 * other, so two schedulers never announce the same messages twice.
 */
import type { Database } from "../../db/types.ts";
import {
  DIGEST_LOCK_KEY,
  type DigestConversation,
  type DigestTarget,
  listDueDigestTargets,
  loadDigestConversations,
  loadDigestRecipients,
  recordDigests,
} from "../../db/digests.ts";
import { enqueueMails, type NewMail } from "../../db/mail_queue.ts";
import { listStaffHours } from "../../db/establishment_settings.ts";
import { isWithinHours } from "../../util/hours.ts";
import { renderDigest } from "./digest_mail.ts";
import { unsubscribeToken } from "./unsubscribe.ts";

/** What a pass needs; defaults in brackets. */
export interface DigestPassOptions {
  now: Date;
  /** PREAU_NOTIFY_DELAY_MINUTES in ms. */
  delayMs: number;
  /** After a digest, unread people wait this long for the next one unless they read [6 h]. */
  intervalMs?: number;
  /** People per batch [1000]. */
  batch?: number;
  baseUrl: string;
  fromAddress: string;
  /** Key of the unsubscribe tokens. */
  secret: string;
}

/** Counts of a pass; `busy` when another instance held the lock. */
export interface DigestPassResult {
  enqueued: number;
  batches: number;
  busy: boolean;
}

/** The default digest interval: 6 h. */
export const DEFAULT_DIGEST_INTERVAL_MS = 6 * 3_600_000;

/** Runs one pass (see the module documentation). */
export async function runDigestPass(db: Database, opts: DigestPassOptions): Promise<DigestPassResult> {
  const batch = opts.batch ?? 1000;
  const result: DigestPassResult = { enqueued: 0, batches: 0, busy: false };
  let after: DigestTarget | null = null;
  for (;;) {
    const outcome: { targets: DigestTarget[]; mails: number } | "busy" = await db.transaction(async (tx) => {
      const [lock] = await tx.query<{ ok: boolean }>("SELECT pg_try_advisory_xact_lock($1) AS ok", [
        DIGEST_LOCK_KEY,
      ]);
      if (!lock?.ok) return "busy";
      const due = await listDueDigestTargets(tx, {
        now: opts.now,
        delayMs: opts.delayMs,
        intervalMs: opts.intervalMs ?? DEFAULT_DIGEST_INTERVAL_MS,
        limit: batch,
        after,
      });
      if (due.length === 0) return { targets: due, mails: 0 };
      // Staff outside their availability hours are skipped: their digest goes out at a pass once the
      // hours open (what it announces is not marked, so nothing is lost).
      const closed = new Set(
        (await listStaffHours(tx, due))
          .filter((s) => !isWithinHours(s.hours, opts.now))
          .map((s) => `${s.userId}/${s.establishmentId}`),
      );
      const targets = due.filter((t) => !closed.has(`${t.userId}/${t.establishmentId}`));
      if (targets.length === 0) return { targets: due, mails: 0 };
      const [recipients, conversations] = [
        await loadDigestRecipients(tx, targets),
        await loadDigestConversations(tx, targets),
      ];
      const byTarget = new Map<string, DigestConversation[]>();
      for (const c of conversations) {
        const key = `${c.userId}/${c.establishmentId}`;
        byTarget.set(key, [...(byTarget.get(key) ?? []), c]);
      }
      const mails: NewMail[] = [];
      for (const r of recipients) {
        const list = byTarget.get(`${r.userId}/${r.establishmentId}`);
        if (!list?.length) continue;
        const token = await unsubscribeToken(opts.secret, r.userId);
        mails.push(
          renderDigest(r, list, {
            baseUrl: opts.baseUrl,
            fromAddress: opts.fromAddress,
            unsubscribeToken: token,
          }),
        );
      }
      await enqueueMails(tx, mails, opts.now);
      const marks = conversations.map((c) => ({
        userId: c.userId,
        conversationId: c.conversationId,
        seq: c.lastSeq,
      }));
      await recordDigests(tx, marks, targets, opts.now);
      return { targets: due, mails: mails.length };
    });
    if (outcome === "busy") return { ...result, busy: true };
    if (outcome.targets.length === 0) return result;
    result.batches++;
    result.enqueued += outcome.mails;
    after = outcome.targets.at(-1) ?? null;
    if (outcome.targets.length < batch) return result;
  }
}

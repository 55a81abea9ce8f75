/**
 * Missed-message digests, computed from the database alone: a person has missed messages in a
 * conversation when `last_seq > read_seq`; `digest_marks.notified_seq` remembers what a digest already
 * told them, and `digest_state.last_digest_at` when the last one went out. Every function works on a
 * whole batch of people, a fixed number of statements per batch and never one per person.
 */
import type { Queryable } from "./types.ts";
import type { Role } from "./models.ts";

/** Arbitrary fixed key of the advisory lock held by the instance running a digest pass. */
export const DIGEST_LOCK_KEY = 0x70726469; // "prdi"

/** One person in one establishment who is due a digest. */
export interface DigestTarget {
  userId: string;
  establishmentId: string;
}

/** When digests are due (see {@linkcode listDueDigestTargets}). */
export interface DueOptions {
  now: Date;
  /** Messages younger than this give no "soon" digest yet (PREAU_NOTIFY_DELAY_MINUTES). */
  delayMs: number;
  /** After a digest, new messages wait this long unless the person has read what it announced. */
  intervalMs: number;
  limit: number;
  /** Keyset cursor: only targets after this one (user id, then establishment id). */
  after?: DigestTarget | null;
}

/**
 * Who is due a digest now, ordered by (user, establishment):
 * - preference `soon` (the default): the oldest not yet announced unread message is older than the delay,
 *   and either no digest was sent, or the interval has passed, or the person has read everything the last
 *   one announced;
 * - preference `daily`: the day's hour (in their time zone) has passed, no digest went out since, and a
 *   not yet announced unread message arrived before it;
 * - preference `none`: never.
 * Only conversations of establishments the person still belongs to count.
 */
export async function listDueDigestTargets(q: Queryable, opts: DueOptions): Promise<DigestTarget[]> {
  return await q.query<DigestTarget>(
    `WITH cand AS (
       SELECT p.user_id, c.establishment_id, min(m.created_at) AS oldest
       FROM participants p
       JOIN conversations c ON c.id = p.conversation_id
       LEFT JOIN digest_marks dm ON dm.conversation_id = p.conversation_id AND dm.user_id = p.user_id
       JOIN messages m ON m.conversation_id = p.conversation_id
         AND m.seq = greatest(p.read_seq, coalesce(dm.notified_seq, 0)) + 1
       WHERE c.last_seq > greatest(p.read_seq, coalesce(dm.notified_seq, 0))
         AND ($5::uuid IS NULL OR (p.user_id, c.establishment_id) > ($5::uuid, $6::uuid))
       GROUP BY p.user_id, c.establishment_id
     )
     SELECT cand.user_id AS "userId", cand.establishment_id AS "establishmentId"
     FROM cand
     JOIN memberships ms ON ms.user_id = cand.user_id AND ms.establishment_id = cand.establishment_id
     LEFT JOIN mail_preferences pref ON pref.user_id = cand.user_id
     LEFT JOIN digest_state ds ON ds.user_id = cand.user_id AND ds.establishment_id = cand.establishment_id
     CROSS JOIN LATERAL (
       SELECT (date_trunc('day', $1::timestamptz AT TIME ZONE coalesce(pref.time_zone, 'UTC'))
               + coalesce(pref.daily_hour, 0) * interval '1 hour') AS slot_local
     ) sl
     CROSS JOIN LATERAL (
       SELECT CASE WHEN (sl.slot_local AT TIME ZONE coalesce(pref.time_zone, 'UTC')) <= $1
                   THEN sl.slot_local AT TIME ZONE coalesce(pref.time_zone, 'UTC')
                   ELSE (sl.slot_local - interval '1 day') AT TIME ZONE coalesce(pref.time_zone, 'UTC')
              END AS last_slot
     ) s
     WHERE (coalesce(pref.digest, 'soon') = 'soon'
            AND cand.oldest <= $1::timestamptz - $2 * interval '1 millisecond'
            AND (ds.last_digest_at IS NULL
                 OR ds.last_digest_at <= $1::timestamptz - $3 * interval '1 millisecond'
                 OR NOT EXISTS (
                   SELECT 1 FROM digest_marks dm2
                   JOIN participants p2 ON p2.conversation_id = dm2.conversation_id AND p2.user_id = dm2.user_id
                   JOIN conversations c2 ON c2.id = dm2.conversation_id
                   WHERE dm2.user_id = cand.user_id AND c2.establishment_id = cand.establishment_id
                     AND p2.read_seq < dm2.notified_seq)))
        OR (pref.digest = 'daily' AND cand.oldest <= s.last_slot
            AND (ds.last_digest_at IS NULL OR ds.last_digest_at < s.last_slot))
     ORDER BY cand.user_id, cand.establishment_id
     LIMIT $4`,
    [
      opts.now,
      opts.delayMs,
      opts.intervalMs,
      opts.limit,
      opts.after?.userId ?? null,
      opts.after?.establishmentId ?? null,
    ],
  );
}

/** Who a digest goes to, in one establishment. */
export interface DigestRecipient extends DigestTarget {
  email: string;
  name: string;
  locale: "fr" | "en";
  role: Role;
  establishmentName: string;
  /** The establishment's "no message text in emails" setting. */
  hideMessageText: boolean;
}

/** One conversation with unread messages, as a digest lists it. */
export interface DigestConversation extends DigestTarget {
  conversationId: string;
  /** The conversation's title, else the names of the other participants. */
  title: string | null;
  otherNames: string[];
  unread: number;
  lastSeq: number;
  lastBody: string;
  lastSender: string;
  lastAt: Date;
  /** Distinct senders of the newest unread messages (at most 50 looked at). */
  senders: string[];
}

const TARGETS = `jsonb_to_recordset($1::jsonb) AS t(user_id uuid, establishment_id uuid)`;

/** The recipients of a batch (still members; one statement). */
export async function loadDigestRecipients(
  q: Queryable,
  targets: readonly DigestTarget[],
): Promise<DigestRecipient[]> {
  if (targets.length === 0) return [];
  return await q.query<DigestRecipient>(
    `SELECT t.user_id AS "userId", t.establishment_id AS "establishmentId", u.email, u.name, u.locale,
       ms.role, e.name AS "establishmentName", coalesce(s.hide_message_text, false) AS "hideMessageText"
     FROM ${TARGETS}
     JOIN users u ON u.id = t.user_id
     JOIN memberships ms ON ms.user_id = t.user_id AND ms.establishment_id = t.establishment_id
     JOIN establishments e ON e.id = t.establishment_id
     LEFT JOIN establishment_mail_settings s ON s.establishment_id = t.establishment_id`,
    [targetsJson(targets)],
  );
}

/** Every conversation with unread messages of a batch, newest first per target (one statement). */
export async function loadDigestConversations(
  q: Queryable,
  targets: readonly DigestTarget[],
): Promise<DigestConversation[]> {
  if (targets.length === 0) return [];
  return await q.query<DigestConversation>(
    // LATERAL keeps the plan "for each target, its own participant rows" (index on participants.user_id)
    // even without table statistics (PGlite has no autovacuum), instead of joining on the establishment.
    `SELECT t.user_id AS "userId", t.establishment_id AS "establishmentId", x.*
     FROM ${TARGETS}
     CROSS JOIN LATERAL (
       SELECT c.id AS "conversationId", c.title, c.last_seq - p.read_seq AS unread, c.last_seq AS "lastSeq",
         lm.body AS "lastBody", (SELECT name FROM users WHERE id = lm.sender_id) AS "lastSender",
         lm.created_at AS "lastAt",
         (SELECT coalesce(json_agg(DISTINCT (SELECT name FROM users WHERE id = sm.sender_id)), '[]'::json)
            FROM messages sm
            WHERE sm.conversation_id = c.id AND sm.seq > greatest(p.read_seq, c.last_seq - 50)) AS senders,
         (SELECT coalesce(json_agg((SELECT name FROM users WHERE id = op.user_id)), '[]'::json)
            FROM participants op
            WHERE op.conversation_id = c.id AND op.user_id <> t.user_id) AS "otherNames"
       FROM participants p
       -- OFFSET 0 keeps this a per-participant primary-key lookup (an optimisation fence).
       CROSS JOIN LATERAL (SELECT * FROM conversations c1 WHERE c1.id = p.conversation_id OFFSET 0) c
       JOIN messages lm ON lm.conversation_id = c.id AND lm.seq = c.last_seq
       WHERE p.user_id = t.user_id AND c.establishment_id = t.establishment_id AND c.last_seq > p.read_seq
       ORDER BY lm.created_at DESC, c.id
     ) x
     ORDER BY t.user_id, t.establishment_id`,
    [targetsJson(targets)],
  );
}

/**
 * Records that digests went out at `now`: the announced seq of each conversation (never lowered) and
 * the time of each target's last digest. Two statements for the whole batch.
 */
export async function recordDigests(
  q: Queryable,
  marks: readonly { userId: string; conversationId: string; seq: number }[],
  targets: readonly DigestTarget[],
  now: Date,
): Promise<void> {
  if (marks.length > 0) {
    await q.query(
      `INSERT INTO digest_marks (conversation_id, user_id, notified_seq)
       SELECT r.conversation_id, r.user_id, r.seq
       FROM jsonb_to_recordset($1::jsonb) AS r(conversation_id uuid, user_id uuid, seq integer)
       ON CONFLICT (conversation_id, user_id)
       DO UPDATE SET notified_seq = greatest(digest_marks.notified_seq, excluded.notified_seq)`,
      [JSON.stringify(
        marks.map((m) => ({ conversation_id: m.conversationId, user_id: m.userId, seq: m.seq })),
      )],
    );
  }
  if (targets.length > 0) {
    await q.query(
      `INSERT INTO digest_state (user_id, establishment_id, last_digest_at)
       SELECT t.user_id, t.establishment_id, $2 FROM ${TARGETS}
       ON CONFLICT (user_id, establishment_id) DO UPDATE SET last_digest_at = excluded.last_digest_at`,
      [targetsJson(targets), now],
    );
  }
}

function targetsJson(targets: readonly DigestTarget[]): string {
  return JSON.stringify(targets.map((t) => ({ user_id: t.userId, establishment_id: t.establishmentId })));
}

/**
 * Messages: gapless per-conversation seqs, idempotent sends, paging and read markers.
 *
 * Seqs are allocated under a row lock on the conversation (`SELECT … FOR UPDATE`), so concurrent senders
 * queue and each gets `last_seq + 1` in commit order: no gaps, no duplicates. A retried send (same sender,
 * same `clientId`) returns the stored message instead of inserting again, also when the two attempts race
 * (`ON CONFLICT … DO NOTHING` waits for the other insert, then the stored row is read back).
 */
import type { Database, Queryable } from "./types.ts";
import { isUuid, type Message, toInt32 } from "./models.ts";
import { sqlState } from "./errors.ts";

const MESSAGE_COLUMNS = `m.id, m.conversation_id AS "conversationId", m.seq, m.sender_id AS "senderId",
  u.name AS "senderName", m.body, m.created_at AS "createdAt", m.client_id AS "clientId"`;

/** What a sender submits; `clientId` (1–64 chars) makes retries idempotent, `body` is 1–4000 chars. */
export interface AppendMessageInput {
  conversationId: string;
  senderId: string;
  clientId: string;
  body: string;
}

/** The result of an append: `created` is false when the `clientId` had already been used by this sender. */
export interface AppendResult {
  message: Message;
  created: boolean;
}

/** The message this sender stored under `clientId` (in any conversation), or null. */
export async function findMessageByClientId(
  q: Queryable,
  senderId: string,
  clientId: string,
): Promise<Message | null> {
  const rows = await q.query<Message>(
    `SELECT ${MESSAGE_COLUMNS} FROM messages m JOIN users u ON u.id = m.sender_id
     WHERE m.sender_id = $1 AND m.client_id = $2`,
    [senderId, clientId],
  );
  return rows[0] ?? null;
}

/**
 * Appends a message inside an open transaction `tx` (the caller commits): the next seq, `last_seq` and
 * `updated_at` of the conversation, and the sender's `read_seq` advanced to the new seq (their own
 * messages are never unread). Returns the stored message with created=false when the sender already used
 * `clientId`. `createdAt` defaults to `clock_timestamp()` (read after the lock is held, so times grow
 * with seq; the transaction's `now()` would not); the demo seed passes past times.
 * Throws when the conversation does not exist; callers check access first.
 */
export async function appendMessageInTransaction(
  tx: Queryable,
  input: AppendMessageInput & { createdAt?: Date },
): Promise<AppendResult> {
  const { conversationId, senderId, clientId, body } = input;
  const existing = await findMessageByClientId(tx, senderId, clientId);
  if (existing) return { message: existing, created: false };

  const locked = await tx.query<{ last_seq: number }>(
    `SELECT last_seq FROM conversations WHERE id = $1 FOR UPDATE`,
    [conversationId],
  );
  if (!locked[0]) {
    throw new Error(`conversation ${conversationId} does not exist; check access before sending to it`);
  }
  const seq = locked[0].last_seq + 1;
  const inserted = await tx.query<Message>(
    `WITH m AS (
       INSERT INTO messages (conversation_id, seq, sender_id, client_id, body, created_at)
       VALUES ($1, $2, $3, $4, $5, coalesce($6::timestamptz, clock_timestamp()))
       ON CONFLICT (sender_id, client_id) DO NOTHING
       RETURNING *
     )
     SELECT ${MESSAGE_COLUMNS} FROM m JOIN users u ON u.id = m.sender_id`,
    [conversationId, seq, senderId, clientId, body, input.createdAt ?? null],
  );
  const message = inserted[0];
  if (!message) {
    // A concurrent attempt with the same clientId committed first; ON CONFLICT waited for it.
    const stored = await findMessageByClientId(tx, senderId, clientId);
    if (!stored) throw new Error(`message ${clientId} vanished during a retried send; send it again`);
    return { message: stored, created: false };
  }
  // The stored created_at (microseconds), not the JS Date (milliseconds), so list order never ties falsely.
  await tx.query(
    `UPDATE conversations c SET last_seq = $2, updated_at = greatest(c.updated_at, m.created_at)
     FROM messages m WHERE c.id = $1 AND m.conversation_id = $1 AND m.seq = $2`,
    [conversationId, seq],
  );
  await tx.query(
    `UPDATE participants SET read_seq = greatest(read_seq, $3) WHERE conversation_id = $1 AND user_id = $2`,
    [conversationId, senderId, seq],
  );
  return { message, created: true };
}

/**
 * Stores a message in its own transaction (see {@linkcode appendMessageInTransaction}). Safe under any
 * concurrency: parallel sends get consecutive seqs, parallel retries of one `clientId` store one row.
 */
export async function appendMessage(db: Database, input: AppendMessageInput): Promise<AppendResult> {
  try {
    return await db.transaction((tx) => appendMessageInTransaction(tx, input));
  } catch (error) {
    // Defensive: should a unique violation on (sender_id, client_id) still surface, the row exists.
    if (sqlState(error) === "23505") {
      const stored = await findMessageByClientId(db, input.senderId, input.clientId);
      if (stored) return { message: stored, created: false };
    }
    throw error;
  }
}

/** Up to `limit` messages with seq > `afterSeq`, ascending (the catch-up after a reconnect). */
export async function listMessagesAfter(
  q: Queryable,
  conversationId: string,
  afterSeq: number,
  limit: number,
): Promise<Message[]> {
  if (!isUuid(conversationId) || limit <= 0) return [];
  return await q.query<Message>(
    `SELECT ${MESSAGE_COLUMNS} FROM messages m JOIN users u ON u.id = m.sender_id
     WHERE m.conversation_id = $1 AND m.seq > $2
     ORDER BY m.seq LIMIT $3`,
    [conversationId, toInt32(afterSeq), toInt32(limit)],
  );
}

/**
 * The `limit` newest messages with seq < `beforeSeq` (the newest page when null), returned ascending
 * (scrolling back through history).
 */
export async function listMessagesBefore(
  q: Queryable,
  conversationId: string,
  beforeSeq: number | null,
  limit: number,
): Promise<Message[]> {
  if (!isUuid(conversationId) || limit <= 0) return [];
  const rows = await q.query<Message>(
    `SELECT ${MESSAGE_COLUMNS} FROM messages m JOIN users u ON u.id = m.sender_id
     WHERE m.conversation_id = $1 AND m.seq < $2
     ORDER BY m.seq DESC LIMIT $3`,
    [conversationId, beforeSeq === null ? 2147483647 : toInt32(beforeSeq), toInt32(limit)],
  );
  return rows.reverse();
}

/**
 * Moves the participant's read marker forward to `seq`, capped at the conversation's `last_seq`; it
 * never moves back. Returns the resulting `read_seq`. Throws when the user is not a participant
 * (callers check access first).
 */
export async function markRead(
  q: Queryable,
  conversationId: string,
  userId: string,
  seq: number,
): Promise<number> {
  const rows = isUuid(conversationId) && isUuid(userId)
    ? await q.query<{ read_seq: number }>(
      `UPDATE participants p SET read_seq = greatest(p.read_seq, least($3::integer, c.last_seq)),
         read_at = CASE WHEN least($3::integer, c.last_seq) > p.read_seq THEN now() ELSE p.read_at END
       FROM conversations c
       WHERE c.id = p.conversation_id AND p.conversation_id = $1 AND p.user_id = $2
       RETURNING p.read_seq`,
      [conversationId, userId, toInt32(seq)],
    )
    : [];
  if (!rows[0]) {
    throw new Error(`user ${userId} is not a participant of ${conversationId}; check access first`);
  }
  return rows[0].read_seq;
}

/**
 * The messages several conversations miss at once, in one statement: a reconnecting socket's
 * `hello` carries them (see `realtime/hub.ts`), so one query serves every conversation of the
 * socket instead of one per conversation.
 */
import type { Queryable } from "./types.ts";
import { isUuid, type Message } from "./models.ts";

/** Messages of `conversationId` with `after < seq <= upTo`. */
export interface SeqRange {
  conversationId: string;
  after: number;
  upTo: number;
}

/**
 * The messages of every range, ascending by seq within each conversation (conversations in no
 * particular order). Ranges naming a malformed id are skipped; callers bound `upTo - after`.
 */
export async function listMessagesInRanges(q: Queryable, ranges: readonly SeqRange[]): Promise<Message[]> {
  const valid = ranges.filter((r) => isUuid(r.conversationId) && r.upTo > r.after);
  if (valid.length === 0) return [];
  // One index range scan per range: the LIMIT (exact, as seqs are gapless) keeps PostgreSQL from
  // flattening the subquery into a join it would plan for a hundred ranges as a hash join over a
  // sequential scan of every message.
  return await q.query<Message>(
    `SELECT m.id, m."conversationId", m.seq, m."senderId", m."senderName", m.body, m."createdAt", m."clientId"
     FROM json_to_recordset($1::json) AS r(c uuid, a integer, b integer)
     CROSS JOIN LATERAL (
       SELECT m.id, m.conversation_id AS "conversationId", m.seq, m.sender_id AS "senderId",
              u.name AS "senderName", m.body, m.created_at AS "createdAt", m.client_id AS "clientId"
       FROM messages m JOIN users u ON u.id = m.sender_id
       WHERE m.conversation_id = r.c AND m.seq > r.a AND m.seq <= r.b
       ORDER BY m.seq
       LIMIT r.b - r.a
     ) m
     ORDER BY m."conversationId", m.seq`,
    [JSON.stringify(valid.map((r) => ({ c: r.conversationId, a: r.after, b: r.upTo })))],
  );
}

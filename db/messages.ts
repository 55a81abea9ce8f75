/**
 * Messages: gapless per-conversation seqs, idempotent sends, paging and read markers.
 *
 * Seqs are allocated under a row lock on the conversation (`SELECT … FOR UPDATE`), a whole batch at a
 * time (group commit: `appendMessages`), so concurrent batches queue and each takes the next `n` seqs
 * in commit order: no gaps, no duplicates. A retried send (same sender, same `clientId`) returns the
 * stored message instead of inserting again, also when the two attempts race (`ON CONFLICT … DO
 * NOTHING` waits for the other insert; the batch is then run again and reads the stored row back).
 */
import { lookupParams, lookupSource } from "./lookups.ts";
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

/** One input's outcome in {@linkcode appendMessages}: its result, or why this input alone failed. */
export type AppendOutcome = { ok: true; result: AppendResult } | { ok: false; error: unknown };

/** The batch statement's input rows (`db/lookups.ts`): their order is the order of the inputs. */
const BATCH_COLUMNS =
  "ord integer, conversation_id uuid, sender_id uuid, client_id text, body text, created_at timestamptz";

/** A stored row as the batch statement returns it, with whether this statement inserted it. */
type BatchRow = Message & { created: boolean | null };

/** The SQLSTATE of `preau_batch_race()` (migration 0012). */
const BATCH_RACE = "PR001";

/**
 * Appends `inputs` in ONE statement (one round trip, no BEGIN or COMMIT of its own: it is atomic as
 * any statement is, and may also run inside a caller's transaction). It locks the conversations'
 * rows in id order (so concurrent batches never deadlock, and the seq allocation reads the last
 * committed `last_seq`), reads back the inputs whose (sender, `clientId`) is already stored,
 * allocates the seqs of the others (`last_seq + n` once per conversation, numbered in input order),
 * inserts them in one multi-row insert, keeps `updated_at` at the newest `created_at`, and moves
 * each sender's `read_seq` to their newest seq (their own messages are never unread).
 *
 * `inputs` must not repeat a (sender, `clientId`) pair ({@linkcode appendMessages} merges repeats).
 * `createdAt` defaults to `clock_timestamp()` read after the locks are held, so times never go
 * back as seqs grow (the messages of one batch share it); the demo seed passes past times.
 * Returns one entry per input, in order: null for an input whose conversation does not exist.
 * Throws {@linkcode BatchRaceError} when a concurrent batch stored one of the `clientId`s after
 * this statement began: the statement then fails whole (`preau_batch_race()`, migration 0012), so
 * the seqs it allocated are not committed and leave no gap.
 */
export async function appendMessagesOnce(
  q: Queryable,
  inputs: readonly (AppendMessageInput & { createdAt?: Date })[],
): Promise<(AppendResult | null)[]> {
  if (inputs.length === 0) return [];
  const batch = inputs.map((input, ord) => ({
    ord,
    conversation_id: input.conversationId,
    sender_id: input.senderId,
    client_id: input.clientId,
    body: input.body,
    created_at: input.createdAt?.toISOString() ?? null,
  }));
  let rows: BatchRow[];
  try {
    rows = await q.query<BatchRow>(
      `WITH input AS MATERIALIZED (
       SELECT * FROM ${lookupSource(batch, BATCH_COLUMNS)}
     ), locked AS MATERIALIZED (
       -- Locked before anything is allocated, in id order: FOR UPDATE sits above the sort.
       SELECT c.id FROM conversations c WHERE c.id IN (SELECT conversation_id FROM input)
       ORDER BY c.id FOR UPDATE
     ), stored AS (
       SELECT m.* FROM input i JOIN messages m ON m.sender_id = i.sender_id AND m.client_id = i.client_id
     ), fresh AS (
       SELECT i.* FROM input i JOIN locked l ON l.id = i.conversation_id
       WHERE NOT EXISTS (SELECT 1 FROM stored s WHERE s.sender_id = i.sender_id AND s.client_id = i.client_id)
     ), counted AS (
       SELECT conversation_id, count(*)::integer AS n, max(created_at) AS latest,
         bool_or(created_at IS NULL) AS clocked
       FROM fresh GROUP BY conversation_id
     ), allocated AS (
       -- A row updated by a batch that committed while this one waited for its lock is re-read
       -- (READ COMMITTED), so last_seq is the committed one.
       UPDATE conversations c SET last_seq = c.last_seq + k.n,
         updated_at = greatest(c.updated_at, k.latest, CASE WHEN k.clocked THEN clock_timestamp() END)
       FROM counted k WHERE c.id = k.conversation_id
       RETURNING c.id, c.last_seq - k.n AS base, c.updated_at
     ), numbered AS (
       SELECT f.conversation_id, f.sender_id, f.client_id, f.body,
         coalesce(f.created_at, a.updated_at) AS created_at,
         (a.base + row_number() OVER (PARTITION BY f.conversation_id ORDER BY f.ord))::integer AS seq
       FROM fresh f JOIN allocated a ON a.id = f.conversation_id
     ), inserted AS (
       INSERT INTO messages (conversation_id, seq, sender_id, client_id, body, created_at)
       SELECT conversation_id, seq, sender_id, client_id, body, created_at FROM numbered ORDER BY seq
       ON CONFLICT (sender_id, client_id) DO NOTHING
       RETURNING *
     ), marked AS (
       UPDATE participants p SET read_seq = greatest(p.read_seq, r.seq)
       FROM (SELECT conversation_id, sender_id, max(seq) AS seq FROM numbered GROUP BY 1, 2) r
       WHERE p.conversation_id = r.conversation_id AND p.user_id = r.sender_id
     ), raced AS (
       -- Fewer rows inserted than seqs allocated: ON CONFLICT skipped one stored meanwhile.
       SELECT preau_batch_race() AS failed
       WHERE (SELECT count(*) FROM inserted) <> (SELECT count(*) FROM numbered)
     )
     SELECT true AS created, ${MESSAGE_COLUMNS} FROM inserted m JOIN users u ON u.id = m.sender_id
     UNION ALL
     SELECT false, ${MESSAGE_COLUMNS} FROM stored m JOIN users u ON u.id = m.sender_id
     UNION ALL
     SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM raced`,
      lookupParams(batch),
    );
  } catch (error) {
    if (sqlState(error) === BATCH_RACE) throw new BatchRaceError();
    throw error;
  }
  const byKey = new Map<string, AppendResult>();
  for (const { created, ...message } of rows) {
    if (created !== null) byKey.set(clientKey(message.senderId, message.clientId!), { message, created });
  }
  return inputs.map((input) => byKey.get(clientKey(input.senderId, input.clientId)) ?? null);
}

/**
 * A concurrent batch stored one of this batch's `clientId`s after its statement began; nothing of
 * this batch was stored and it may simply be run again (it will read that row back).
 */
export class BatchRaceError extends Error {
  constructor() {
    super("a clientId of this batch was stored concurrently; run the batch again");
    this.name = "BatchRaceError";
  }
}

/**
 * Appends one message (see {@linkcode appendMessagesOnce}), in a transaction of the caller's or on
 * its own. Throws when the conversation does not exist; callers check access first.
 */
export async function appendMessageOnce(
  q: Queryable,
  input: AppendMessageInput & { createdAt?: Date },
): Promise<AppendResult> {
  const [result] = await appendMessagesOnce(q, [input]);
  if (!result) throw missingConversation(input.conversationId);
  return result;
}

/**
 * Stores `inputs` in one statement (group commit) and returns one outcome per input, in order.
 * Safe under any concurrency: seqs stay gapless and follow input order within a conversation; a
 * (sender, `clientId`) already stored, or repeated within `inputs`, stores one row and returns it
 * (`created: false` for every later copy). When the batch fails as a whole (a constraint, a bad
 * value), its inputs are stored one by one, so only the faulty ones fail; an input whose
 * conversation does not exist fails alone.
 */
export async function appendMessages(
  db: Database,
  inputs: readonly AppendMessageInput[],
): Promise<AppendOutcome[]> {
  const firsts = new Map<string, number>();
  const unique: AppendMessageInput[] = [];
  const slot = inputs.map((input) => {
    const key = clientKey(input.senderId, input.clientId);
    let index = firsts.get(key);
    if (index === undefined) {
      index = unique.push(input) - 1;
      firsts.set(key, index);
    }
    return index;
  });
  const outcomes = await appendUnique(db, unique);
  const seen = new Set<number>();
  return slot.map((index) => {
    const outcome = outcomes[index]!;
    const repeat = seen.has(index);
    seen.add(index);
    return repeat && outcome.ok ? { ok: true, result: { ...outcome.result, created: false } } : outcome;
  });
}

/** {@linkcode appendMessages} for inputs without repeats: the batch, once more after a race, then one by one. */
async function appendUnique(db: Database, inputs: readonly AppendMessageInput[]): Promise<AppendOutcome[]> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const results = await appendMessagesOnce(db, inputs);
      return results.map((result, i) =>
        result ? { ok: true, result } : { ok: false, error: missingConversation(inputs[i]!.conversationId) }
      );
    } catch (error) {
      // Defensive: should a unique violation on (sender_id, client_id) still surface, run it again.
      if (error instanceof BatchRaceError || sqlState(error) === "23505") continue;
      // Only an error PostgreSQL raised about the statement can be one input's fault; a lost
      // connection or a closed database fails the whole batch at once.
      if (inputs.length === 1 || sqlState(error) === undefined) {
        return inputs.map(() => ({ ok: false, error }));
      }
      break;
    }
  }
  if (inputs.length === 1) {
    // Raced twice: the stored row is there now.
    const [input] = inputs as [AppendMessageInput];
    const stored = await findMessageByClientId(db, input.senderId, input.clientId);
    return [
      stored ? { ok: true, result: { message: stored, created: false } } : {
        ok: false,
        error: new Error(`message ${input.clientId} could not be stored under contention; send it again`),
      },
    ];
  }
  // One input spoiled the statement: find it by storing them one by one, in order.
  const outcomes: AppendOutcome[] = [];
  for (const input of inputs) outcomes.push(...await appendUnique(db, [input]));
  return outcomes;
}

/**
 * Stores one message in its own transaction (see {@linkcode appendMessages}). Safe under any
 * concurrency: parallel sends get consecutive seqs, parallel retries of one `clientId` store one row.
 */
export async function appendMessage(db: Database, input: AppendMessageInput): Promise<AppendResult> {
  const [outcome] = await appendMessages(db, [input]);
  if (!outcome!.ok) throw outcome!.error;
  return outcome!.result;
}

function clientKey(senderId: string, clientId: string): string {
  return `${senderId.toLowerCase()} ${clientId}`;
}

function missingConversation(conversationId: string): Error {
  return new Error(`conversation ${conversationId} does not exist; check access before sending to it`);
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

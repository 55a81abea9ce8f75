/**
 * Bulk rows for the load benchmark (bench/load/): thousands of people, conversations and sessions in a
 * handful of statements each, where the factories would take one round trip per row. Never used by the app.
 */
import type { Queryable } from "./types.ts";
import { UNUSABLE_PASSWORD_HASH } from "./factories.ts";

/** `count` people, members of `establishmentId` with `role`, named "Bench <tag> <n>"; their ids, in order. */
export async function makeBenchUsers(
  q: Queryable,
  options: { establishmentId: string; count: number; role: "teacher" | "parent"; tag: string },
): Promise<string[]> {
  const rows = await q.query<{ id: string }>(
    `WITH u AS (
       INSERT INTO users (email, name, search_text, password_hash)
       SELECT 'bench-' || $1 || '-' || g || '@example.test', 'Bench ' || $1 || ' ' || g,
              'bench ' || $1 || ' ' || g, $2
       FROM generate_series(1, $3) g RETURNING id, email
     ), m AS (
       INSERT INTO memberships (user_id, establishment_id, role) SELECT id, $4, $5 FROM u
     )
     SELECT id FROM u ORDER BY split_part(split_part(email, '@', 1), '-', 3)::int`,
    [options.tag, UNUSABLE_PASSWORD_HASH, options.count, options.establishmentId, options.role],
  );
  return rows.map((r) => r.id);
}

/**
 * One group conversation per entry of `groups` (participant ids, the first is its creator), titled
 * "<title> <n>"; their ids, in order.
 */
export async function makeBenchConversations(
  q: Queryable,
  options: { establishmentId: string; groups: readonly (readonly string[])[]; title: string },
): Promise<string[]> {
  const rows = await q.query<{ id: string }>(
    `WITH g AS (
       SELECT ord, value AS members FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(value, ord)
     ), c AS (
       INSERT INTO conversations (establishment_id, created_by, title)
       SELECT $2, (members->>0)::uuid, $3 || ' ' || ord FROM g ORDER BY ord RETURNING id, title
     ), p AS (
       INSERT INTO participants (conversation_id, user_id)
       SELECT c.id, m.value::uuid FROM c JOIN g ON c.title = $3 || ' ' || g.ord,
         jsonb_array_elements_text(g.members) m
     )
     SELECT id FROM c ORDER BY split_part(title, ' ', -1)::int`,
    [JSON.stringify(options.groups), options.establishmentId, options.title],
  );
  return rows.map((r) => r.id);
}

/** A session for each of `userIds` (in order) until `expiresAt`; their ids, in the same order. */
export async function makeBenchSessions(
  q: Queryable,
  userIds: readonly string[],
  expiresAt: Date,
): Promise<string[]> {
  const rows = await q.query<{ id: string; ord: number }>(
    `WITH s AS (
       INSERT INTO sessions (user_id, expires_at, user_agent)
       SELECT value::uuid, $2, 'bench ' || ord FROM jsonb_array_elements_text($1::jsonb) WITH ORDINALITY t(value, ord)
       RETURNING id, user_agent
     ) SELECT id, split_part(user_agent, ' ', 2)::int AS ord FROM s ORDER BY ord`,
    [JSON.stringify(userIds), expiresAt],
  );
  return rows.map((r) => r.id);
}

/**
 * `count` messages from each conversation's creator appended to every one of `conversationIds` (gapless
 * `seq` after its `last_seq`), as if sent while the other members were away.
 */
export async function addBenchMessages(
  q: Queryable,
  options: { conversationIds: readonly string[]; count: number },
): Promise<void> {
  await q.query(
    `WITH c AS (
       UPDATE conversations SET last_seq = last_seq + $2, updated_at = now()
       WHERE id IN (SELECT value::uuid FROM jsonb_array_elements_text($1::jsonb))
       RETURNING id, created_by, last_seq - $2 AS base
     )
     INSERT INTO messages (conversation_id, seq, sender_id, client_id, body)
     SELECT c.id, c.base + g, c.created_by, 'bench-missed-' || c.id || '-' || (c.base + g), 'missed ' || g
     FROM c, generate_series(1, $2) g`,
    [JSON.stringify(options.conversationIds), options.count],
  );
}

/** How many messages the database holds. */
export async function countMessages(q: Queryable): Promise<number> {
  const rows = await q.query<{ n: string | number }>(`SELECT count(*) AS n FROM messages`);
  return Number(rows[0]?.n ?? 0);
}

/**
 * Refreshes the planner's statistics after the bench's bulk inserts, as autovacuum would within a
 * minute on a real database: without it, PostgreSQL plans for the empty tables it last sampled
 * (e.g. hashing every member of the establishment for each conversation of a list page).
 * `vacuum` (default false) also vacuums, as autovacuum keeps a live database: for a measure of
 * read time alone, taken after write-heavy scenarios, whose dead row versions (every send rewrites
 * its conversation's row) index scans would otherwise still visit. Measured right after the
 * write-path scenarios, the list page took 19 ms unvacuumed, 13.5 ms vacuumed.
 */
export async function analyzeBenchWorld(q: Queryable, options: { vacuum?: boolean } = {}): Promise<void> {
  await q.query(options.vacuum ? `VACUUM (ANALYZE)` : `ANALYZE`);
}

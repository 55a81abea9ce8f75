/**
 * Token buckets in the `rate_limits` table, shared by every instance on the database (see
 * `db/migrations/0002_rate_limits.sql` for the GCRA form of the bucket). Every function is ONE
 * statement, atomic on its own, timed by the database clock, so instances with skewed clocks agree
 * and concurrent takes on one key never let more through than the bucket holds.
 */
import type { Queryable } from "./types.ts";

/** One take: `cost` tokens from the bucket (`name`, `key`) of `capacity` tokens refilled at `refillPerSecond`. */
export interface BucketTake {
  /** The limit, e.g. `"send"`; names and their numbers are the application's (domain/limits.ts). */
  name: string;
  /** Whose bucket: an email, a client address, a user id. Valid text (no U+0000). */
  key: string;
  capacity: number;
  refillPerSecond: number;
  /** Default 1. */
  cost?: number;
}

/** The answer for one take, in input order. */
export interface BucketDecision {
  allowed: boolean;
  /** When refused: seconds until the take could succeed (0 when allowed). */
  retryAfterSeconds: number;
}

/** Names a bucket; U+0000 cannot occur in either part (PostgreSQL text). */
const bucketId = (b: { name: string; key: string }) => `${b.name}\u0000${b.key}`;

const NOW = "extract(epoch FROM now())::float8";

/** Tolerance for float rounding when a take exactly empties the bucket. */
const EPSILON = 1e-6;

/** A bucket in the form the table keeps (GCRA, migration 0002): its burst and one take, in seconds. */
export interface BucketShape {
  burst: number;
  step: number;
}

/** The shape of `take`'s bucket; throws a `RangeError` for a limit that could never allow anything. */
export function bucketShape(take: Omit<BucketTake, "key">): BucketShape {
  const cost = take.cost ?? 1;
  if (!(take.capacity >= 1) || !(take.refillPerSecond > 0) || !(cost > 0)) {
    throw new RangeError(`rate limit ${take.name} needs capacity ≥ 1, refillPerSecond > 0 and cost > 0`);
  }
  return { burst: take.capacity / take.refillPerSecond, step: cost / take.refillPerSecond };
}

/**
 * The statement that takes one step from each bucket of `source` (a FROM item `req` with columns
 * `name`, `key`, `burst`, `step`, each bucket once), creating missing rows, and returns per bucket
 * `name`, `key`, `refused` and `"retryAfter"` (seconds). A refused take changes nothing but the
 * `refused` flag. It may stand alone or as a data-modifying CTE of a larger statement (the send
 * admission, db/school_graph.ts). Rows are written in key order, so concurrent takes of several
 * buckets cannot deadlock.
 */
export function takeStatement(source: string): string {
  return `INSERT INTO rate_limits AS b (name, key, tat, burst, step, refused)
     SELECT req.name, req.key, CASE WHEN req.step <= req.burst + ${EPSILON} THEN ${NOW} + req.step ELSE ${NOW} END,
            req.burst, req.step, req.step > req.burst + ${EPSILON}
     FROM ${source} ORDER BY req.name, req.key
     ON CONFLICT (name, key) DO UPDATE SET
       tat = CASE WHEN greatest(b.tat, ${NOW}) + EXCLUDED.step - ${NOW} <= EXCLUDED.burst + ${EPSILON}
                  THEN greatest(b.tat, ${NOW}) + EXCLUDED.step ELSE b.tat END,
       refused = greatest(b.tat, ${NOW}) + EXCLUDED.step - ${NOW} > EXCLUDED.burst + ${EPSILON},
       burst = EXCLUDED.burst,
       step = EXCLUDED.step
     RETURNING name, key, refused,
       CASE WHEN refused THEN greatest(0, greatest(tat, ${NOW}) + step - burst - ${NOW}) ELSE 0 END AS "retryAfter"`;
}

/** The decision a row of {@linkcode takeStatement} stands for. */
export function bucketDecision(row: { refused: boolean; retryAfter: number }): BucketDecision {
  return { allowed: !row.refused, retryAfterSeconds: row.refused ? row.retryAfter : 0 };
}

/**
 * Takes from every bucket in `takes` (distinct `name`/`key` pairs) in one statement. Each bucket
 * decides alone: a refused take takes nothing, the others are taken; callers that need all or nothing
 * give back the allowed ones with {@linkcode refundTokens}. With `purge`, the same statement also
 * deletes every bucket that has refilled completely (see {@linkcode purgeRateLimits}).
 *
 * Rows are written in key order so that two multi-bucket takes cannot deadlock each other.
 */
export async function takeTokens(
  q: Queryable,
  takes: readonly BucketTake[],
  options: { purge?: boolean } = {},
): Promise<BucketDecision[]> {
  if (takes.length === 0) return [];
  if (new Set(takes.map(bucketId)).size !== takes.length) {
    throw new RangeError("takeTokens: the same limit and key were given twice; take each bucket once");
  }
  const input = takes.map((take) => ({ name: take.name, key: take.key, ...bucketShape(take) }));
  // One take (every send) binds plain parameters: decoding JSON costs about as much again on PGlite.
  const [only] = input;
  const single = input.length === 1 && only !== undefined;
  const source = single
    ? `(VALUES ($1::text, $2::text, $3::float8, $4::float8)) AS req(name, key, burst, step)`
    : `json_to_recordset($1::text::json) AS req(name text, key text, burst float8, step float8)`;
  const params = single ? [only.name, only.key, only.burst, only.step] : [JSON.stringify(input)];
  // The purge leaves the rows this statement takes from alone: one statement cannot both delete a
  // row and update it through ON CONFLICT.
  const purge = options.purge
    ? `WITH purged AS (
         DELETE FROM rate_limits p WHERE p.tat < ${NOW}
           AND NOT EXISTS (SELECT 1 FROM ${source} WHERE req.name = p.name AND req.key = p.key)
       )`
    : "";
  const rows = await q.query<{ name: string; key: string; refused: boolean; retryAfter: number }>(
    `${purge} ${takeStatement(source)}`,
    params,
  );
  const byBucket = new Map(rows.map((row) => [bucketId(row), row]));
  const decisions = takes.map((take): BucketDecision => {
    const row = byBucket.get(bucketId(take));
    if (row === undefined) throw new Error(`takeTokens: no answer for ${take.name} ${take.key}`);
    return bucketDecision(row);
  });
  return decisions;
}

/**
 * Gives tokens back (the attempt turned out not to count). A bucket cannot go above full: a row
 * whose `tat` falls into the past is a full bucket. A bucket purged meanwhile stays absent (full).
 */
export async function refundTokens(q: Queryable, takes: readonly BucketTake[]): Promise<void> {
  if (takes.length === 0) return;
  const input = takes.map((take) => ({
    name: take.name,
    key: take.key,
    step: (take.cost ?? 1) / take.refillPerSecond,
  }));
  await q.query(
    `UPDATE rate_limits b SET tat = b.tat - req.step, refused = false
     FROM json_to_recordset($1::text::json) AS req(name text, key text, step float8)
     WHERE b.name = req.name AND b.key = req.key`,
    [JSON.stringify(input)],
  );
}

/** Deletes every bucket that has refilled completely (equivalent to no row); returns how many. */
export async function purgeRateLimits(q: Queryable): Promise<number> {
  const rows = await q.query(`DELETE FROM rate_limits WHERE tat < ${NOW} RETURNING 1`);
  return rows.length;
}

/**
 * Moves every bucket of `key` (under any limit) `seconds` into the past, as if that much time had
 * gone by: what tests use instead of waiting, and how an operator unblocks someone early
 * (`seconds` large enough empties the wait). Returns how many buckets moved.
 */
export async function elapseRateLimits(q: Queryable, key: string, seconds: number): Promise<number> {
  const rows = await q.query(`UPDATE rate_limits SET tat = tat - $2 WHERE key = $1 RETURNING 1`, [
    key,
    seconds,
  ]);
  return rows.length;
}

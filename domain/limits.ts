/**
 * Limits shared by every instance: kept in the database (`db/rate_limits.ts`), so N instances behind
 * a load balancer allow what one would, not N times as much, and the embedded PGlite keeps them the
 * same way. Each limit is a token bucket: `capacity` attempts at once, refilled evenly (a limit of
 * "5 per 15 minutes" gives one attempt back every 3 minutes). Every number below is documented in
 * docs/protocol.md ("Limits") and chosen so that an honest person using the UI never meets it.
 *
 * The per-socket limits (frames, typing) protect one connection rather than an account and stay in
 * memory (`rate_limit.ts`): they must cost nothing, and one socket lives on one instance anyway.
 */
import type { Queryable } from "../db/types.ts";
import { refundTokens, takeTokens } from "../db/rate_limits.ts";
import { rateLimited } from "./errors.ts";
import { TakeBatcher } from "./take_batcher.ts";
import type { RateDecision } from "./rate_limit.ts";

/** A named token bucket. The name keys the database rows, so renaming a limit forgets its state. */
export interface LimitRule {
  readonly name: string;
  /** Attempts allowed at once (the burst). */
  readonly capacity: number;
  /** Attempts given back per second. */
  readonly refillPerSecond: number;
}

/** `capacity` attempts per `seconds`, refilled evenly. */
export function perWindow(name: string, capacity: number, seconds: number): LimitRule {
  return { name, capacity, refillPerSecond: capacity / seconds };
}

const MINUTE = 60;
const HOUR = 3600;

/** The default limits (see the module documentation and docs/protocol.md). */
export const LIMITS = {
  /** Wrong passwords per account (the email as typed, known or not). */
  loginFailuresPerAccount: perWindow("login_failures_account", 5, 15 * MINUTE),
  /** Wrong passwords per client address (a whole school may sit behind one address). */
  loginFailuresPerAddress: perWindow("login_failures_address", 20, 15 * MINUTE),
  /** Sign-ins per account, successful or not: each costs an Argon2id hash of 19 MiB. */
  loginsPerAccount: perWindow("logins_account", 20, 15 * MINUTE),
  /** Sign-ins per client address, successful or not (a school's morning rush fits). */
  loginsPerAddress: perWindow("logins_address", 300, 15 * MINUTE),
  /** Password-reset requests per account (each sends an email). */
  passwordResetsPerAccount: perWindow("password_resets_account", 3, HOUR),
  /** Password-reset requests per client address. */
  passwordResetsPerAddress: perWindow("password_resets_address", 20, HOUR),
  /**
   * Messages per person, over every socket and `POST /api/conversations/:id/messages` alike: taken
   * by the domain's `sendMessage` in the statement that also reads the send check's first row
   * (`db/school_graph.ts` `admitSends`), so a person sends 5/s in all, whichever way.
   */
  sends: { name: "send", capacity: 20, refillPerSecond: 5 },
  /** `POST /api/conversations/:id/read` per user (each is fanned out to every member). */
  readMarkers: perWindow("read_markers", 60, MINUTE),
  /** `GET /api/recipients` per user (search as you type). */
  recipientSearches: perWindow("recipient_searches", 60, 30),
  /** `POST /api/conversations` per user (each is pushed to its members). */
  conversationCreations: perWindow("conversation_creations", 20, 200),
} as const satisfies Record<string, LimitRule>;

/** One take: `cost` tokens (default 1) from the bucket of `rule` for `key`. */
export interface LimitTake {
  rule: LimitRule;
  key: string;
  cost?: number;
}

/** Where shared limits are kept; {@linkcode databaseRateLimits} is the one implementation. */
export interface RateLimitStore {
  /**
   * All or nothing: takes from every bucket in `takes` (one round trip), or — when any of them is
   * empty — from none, answering the longest wait. Buckets must be distinct.
   */
  take(takes: readonly LimitTake[]): Promise<RateDecision>;
  /** Gives tokens back (e.g. a login that succeeded does not count as a failure). */
  refund(takes: readonly LimitTake[]): Promise<void>;
}

/** Options of {@linkcode databaseRateLimits}. */
export interface DatabaseRateLimitOptions {
  /**
   * At most this often (per instance), a take also deletes every bucket that has refilled, within
   * the same statement, so the table holds only buckets in use. Default 60 000 ms.
   */
  purgeIntervalMs?: number;
}

/** The shared limits over `db` (see the module documentation). */
export function databaseRateLimits(db: Queryable, options: DatabaseRateLimitOptions = {}): RateLimitStore {
  const purgeIntervalMs = options.purgeIntervalMs ?? 60_000;
  let lastPurge = 0;
  const buckets = (takes: readonly LimitTake[]) =>
    takes.map(({ rule, key, cost }) => ({
      name: rule.name,
      key,
      capacity: rule.capacity,
      refillPerSecond: rule.refillPerSecond,
      cost,
    }));
  // Concurrent takes (every send's) share one statement: see take_batcher.ts.
  const batcher = new TakeBatcher((input) => {
    const now = Date.now();
    const purge = now - lastPurge >= purgeIntervalMs;
    if (purge) lastPurge = now;
    return takeTokens(db, input, { purge });
  });
  return {
    async take(takes) {
      const input = buckets(takes);
      const decisions = await batcher.take(input);
      const refused = decisions.filter((d) => !d.allowed);
      if (refused.length === 0) return { allowed: true, retryAfterSeconds: 0 };
      // Only on refusal, so the usual path stays one round trip.
      await refundTokens(db, input.filter((_, i) => decisions[i]!.allowed));
      return { allowed: false, retryAfterSeconds: Math.max(...refused.map((d) => d.retryAfterSeconds)) };
    },
    async refund(takes) {
      await refundTokens(db, buckets(takes));
    },
  };
}

/**
 * Takes one token of `rule` for `key`, or throws `429 rate_limited` whose message, `what`, says
 * what was refused ("Too many searches"); the wait and what to do are appended.
 */
export async function enforceLimit(
  store: RateLimitStore,
  rule: LimitRule,
  key: string,
  what: string,
): Promise<void> {
  const decision = await store.take([{ rule, key }]);
  if (!decision.allowed) {
    throw rateLimited(
      decision.retryAfterSeconds,
      `${what}; wait ${describeWait(decision.retryAfterSeconds)} and try again.`,
    );
  }
}

/** "3 minutes", "1 minute", "40 seconds": a wait people can read. */
export function describeWait(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return `${s} second${s === 1 ? "" : "s"}`;
  const m = Math.ceil(s / 60);
  return `${m} minute${m === 1 ? "" : "s"}`;
}

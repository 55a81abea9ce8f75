/**
 * A token-bucket rate limiter keyed by string (an email, a client address, a user id). Each key
 * holds up to `capacity` tokens that refill continuously at `refillPerSecond`; an attempt takes a
 * token or is refused with the time until one is back. Buckets allow short bursts while bounding
 * the sustained rate, and need no timers: state is updated lazily on each call.
 *
 * Memory is bounded: a bucket that has refilled completely is indistinguishable from no bucket and
 * is dropped, and past `maxKeys` the least recently used buckets are evicted. Eviction forgets a
 * partly used bucket, which favours the attacker spraying many keys; that is why logins are also
 * limited per client address, so one source cannot create keys fast enough to matter.
 *
 * State is per process, which is what the per-socket limits (frames, typing) want. Limits on an
 * account or an address must hold across instances and live in the database instead: `limits.ts`.
 */

/** How a limiter behaves. */
export interface RateLimiterOptions {
  /** Tokens a fresh key holds, i.e. the allowed burst. */
  capacity: number;
  /** Tokens added back per second. */
  refillPerSecond: number;
  /** Clock in milliseconds. Default: `Date.now`. Tests inject their own. */
  now?: () => number;
  /** Most keys kept in memory. Default: 10 000. */
  maxKeys?: number;
}

/** The answer to an attempt. */
export interface RateDecision {
  /** True when the attempt may go ahead (a token was taken). */
  allowed: boolean;
  /** When refused: seconds until a token is available again (0 when allowed). */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date, in ms. */
  at: number;
}

/** A token-bucket limiter; see the module documentation. */
export class RateLimiter {
  readonly capacity: number;
  readonly refillPerSecond: number;
  readonly #now: () => number;
  readonly #maxKeys: number;
  /** Insertion order is kept as least-recently-used order (touched keys are re-inserted). */
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: RateLimiterOptions) {
    if (!(options.capacity >= 1) || !(options.refillPerSecond > 0)) {
      throw new RangeError("RateLimiter: capacity must be ≥ 1 and refillPerSecond > 0.");
    }
    this.capacity = options.capacity;
    this.refillPerSecond = options.refillPerSecond;
    this.#now = options.now ?? Date.now;
    this.#maxKeys = Math.max(1, options.maxKeys ?? 10_000);
  }

  /** Number of keys currently held (for tests and metrics). */
  get size(): number {
    return this.#buckets.size;
  }

  /** Whether `cost` tokens are available for `key`, without taking them. */
  check(key: string, cost = 1): RateDecision {
    return this.#decide(this.#current(key).tokens, cost);
  }

  /** Takes `cost` tokens for `key` when available; refuses otherwise and takes nothing. */
  take(key: string, cost = 1): RateDecision {
    const bucket = this.#current(key);
    const decision = this.#decide(bucket.tokens, cost);
    if (decision.allowed) this.#store(key, { tokens: bucket.tokens - cost, at: bucket.at });
    return decision;
  }

  /** Gives `cost` tokens back to `key` (e.g. the attempt turned out fine), up to the capacity. */
  refund(key: string, cost = 1): void {
    const bucket = this.#current(key);
    const tokens = Math.min(this.capacity, bucket.tokens + cost);
    if (tokens >= this.capacity) this.#buckets.delete(key);
    else this.#store(key, { tokens, at: bucket.at });
  }

  /** Forgets `key`: its next attempt starts with a full bucket. */
  reset(key: string): void {
    this.#buckets.delete(key);
  }

  #decide(tokens: number, cost: number): RateDecision {
    if (tokens >= cost) return { allowed: true, retryAfterSeconds: 0 };
    return { allowed: false, retryAfterSeconds: (cost - tokens) / this.refillPerSecond };
  }

  /** The bucket of `key` refilled up to now (a full one when the key is unknown). */
  #current(key: string): Bucket {
    const now = this.#now();
    const bucket = this.#buckets.get(key);
    if (bucket === undefined) return { tokens: this.capacity, at: now };
    const elapsed = Math.max(0, now - bucket.at) / 1000;
    return { tokens: Math.min(this.capacity, bucket.tokens + elapsed * this.refillPerSecond), at: now };
  }

  #store(key: string, bucket: Bucket): void {
    this.#buckets.delete(key);
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > this.#maxKeys) this.#evict();
  }

  /**
   * Drops refilled buckets, then the least recently used ones, down to 90 % of `maxKeys`, so that
   * a flood of new keys pays for one full sweep per tenth of the table rather than per key.
   */
  #evict(): void {
    const target = Math.max(1, Math.floor(this.#maxKeys * 0.9));
    const now = this.#now();
    for (const [key, bucket] of this.#buckets) {
      const elapsed = Math.max(0, now - bucket.at) / 1000;
      if (bucket.tokens + elapsed * this.refillPerSecond >= this.capacity) this.#buckets.delete(key);
    }
    for (const key of this.#buckets.keys()) {
      if (this.#buckets.size <= target) break;
      this.#buckets.delete(key);
    }
  }
}

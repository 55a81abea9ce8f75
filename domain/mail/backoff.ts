/**
 * Retry timing of the mail queue: exponential backoff with jitter, capped at an hour between attempts,
 * and a give-up age of about a day (a failing SMTP server is retried for ~24 h, then the mail is failed).
 */

/** Options of {@linkcode retryDelayMs}; defaults in brackets. */
export interface BackoffOptions {
  /** First delay [30 000 ms]. */
  baseMs?: number;
  /** Longest delay [3 600 000 ms]. */
  maxMs?: number;
  /** Uniform in [0, 1) [Math.random]. */
  random?: () => number;
}

/** The delay before attempt `attempts + 1`: base·2^(attempts−1), capped, times a jitter in [0.5, 1). */
export function retryDelayMs(attempts: number, opts: BackoffOptions = {}): number {
  const base = opts.baseMs ?? 30_000;
  const max = opts.maxMs ?? 3_600_000;
  const exp = Math.min(max, base * 2 ** Math.max(0, Math.min(30, attempts - 1)));
  return Math.round(exp * (0.5 + 0.5 * (opts.random ?? Math.random)()));
}

/** How long a mail may keep failing before it is marked failed [24 h]. */
export const DEFAULT_GIVE_UP_MS = 24 * 3_600_000;

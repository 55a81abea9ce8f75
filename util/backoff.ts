/**
 * Reconnect delays: exponential with "equal jitter" (half fixed, half random), so a restarted
 * server is not hit by every client at the same instant, yet the countdown shown stays meaningful.
 */

/** Options of {@linkcode backoffDelay}. */
export interface BackoffOptions {
  /** Delay cap of the first retry, in ms. Default 1000. */
  baseMs?: number;
  /** Largest delay, in ms. Default 30 000. */
  maxMs?: number;
  /** Random source in [0, 1). Default `Math.random`. */
  random?: () => number;
}

/** Delay before retry number `attempt` (0 for the first retry after a loss). */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 1000;
  const max = options.maxMs ?? 30_000;
  const cap = Math.min(max, base * 2 ** Math.min(attempt, 30));
  return Math.round(cap / 2 + (options.random ?? Math.random)() * (cap / 2));
}

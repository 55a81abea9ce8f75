/**
 * Retry timing of the mail queue: the same exponential backoff with equal jitter as the browser's
 * reconnects (`util/backoff.ts`), on a mail scale — 30 s doubling to at most an hour
 * between attempts — and a give-up age of about a day.
 */
import { backoffDelay, type BackoffOptions } from "../../util/backoff.ts";

export type { BackoffOptions };

/** The delay after failed attempt number `attempts` (1 for the first failure). */
export function retryDelayMs(attempts: number, opts: BackoffOptions = {}): number {
  return backoffDelay(Math.max(0, attempts - 1), { baseMs: 30_000, maxMs: 3_600_000, ...opts });
}

/** How long a mail may keep failing before it is marked failed [24 h]. */
export const DEFAULT_GIVE_UP_MS = 24 * 3_600_000;

/**
 * What both adapters (`postgres_adapter.ts`, `pglite_adapter.ts`) do the same way around their
 * driver: track the work in flight so `close()` lets it finish and refuses new work, keep the
 * bookkeeping of one LISTEN subscription (abort signal, idempotent unsubscribe), and keep a
 * throwing subscriber from breaking the driver's connection handling.
 */
import { settlesWithin } from "../util/timeout.ts";
import { DatabaseUsageError } from "./errors.ts";
import type { ListenOptions } from "./types.ts";

/** Queries, transactions and notifies started and not yet settled; and whether `close()` began. */
export class InFlight {
  readonly #work = new Set<Promise<unknown>>();
  #closing: Promise<void> | undefined;

  /** Rejects with a {@linkcode DatabaseUsageError} once closing began, else runs `work` and tracks it. */
  track<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      this.assertOpen(what);
    } catch (error) {
      return Promise.reject(error);
    }
    const promise = work();
    this.#work.add(promise);
    const forget = () => this.#work.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /** Throws a {@linkcode DatabaseUsageError} naming `what` once closing began. */
  assertOpen(what: string): void {
    if (this.#closing) throw new DatabaseUsageError(`${what} after close(): the database is closed`);
  }

  /**
   * Refuses new work, waits for the tracked work (at most `waitMs`; default: as long as it takes),
   * then runs `end` with the number of calls still unsettled. Later calls return the same promise.
   */
  close(end: (unsettled: number) => Promise<void>, waitMs = Infinity): Promise<void> {
    return this.#closing ??= (async () => {
      const all = Promise.allSettled([...this.#work]);
      if (Number.isFinite(waitMs)) await settlesWithin(all, waitMs);
      else await all;
      await end(this.#work.size);
    })();
  }
}

/**
 * The subscriber's callbacks, guarded: what a driver calls on each notification and on each
 * (re-)LISTEN. A throw is reported, never passed back into the driver.
 */
export function guardedCallbacks(
  channel: string,
  onNotify: (payload: string) => void,
  options: ListenOptions,
): { notified: (payload: string) => void; listening: () => void } {
  return {
    notified: (payload) => guard(`listener on channel "${channel}"`, () => onNotify(payload)),
    listening: () => guard(`onListen for channel "${channel}"`, () => options.onListen?.()),
  };
}

/**
 * Turns a driver's `unlisten` into the function `Database.listen` returns: idempotent, run when
 * `signal` aborts, and run at once (then rejecting with the abort reason) if it aborted while the
 * LISTEN was being set up.
 */
export async function subscription(
  unlisten: () => Promise<void>,
  signal: AbortSignal | undefined,
): Promise<() => Promise<void>> {
  let unsubscribed: Promise<void> | undefined;
  const unsubscribe = () =>
    unsubscribed ??= (async () => {
      signal?.removeEventListener("abort", onAbort);
      await unlisten();
    })();
  const onAbort = () => void unsubscribe().catch(() => {});
  if (signal?.aborted) {
    await unsubscribe();
    signal.throwIfAborted();
  }
  signal?.addEventListener("abort", onAbort, { once: true });
  return unsubscribe;
}

/** Drivers call listeners from their own loop, where a throw would break it or crash the process. */
function guard(what: string, fn: () => void): void {
  try {
    fn();
  } catch (error) {
    console.error(`${what} threw:`, error);
  }
}

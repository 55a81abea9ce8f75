/**
 * The one way to wait with a bound: every timer here is cleared as soon as the wait ends (so Deno's
 * sanitizers see no leaked timer), and every wait also ends when its `AbortSignal` aborts. Usable
 * by every folder, the browser included; imports nothing of ours.
 */

/** A wait ran out of time; `message` says what was being waited for. */
export class TimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TimeoutError";
    // The stack would only show the timer; the message says what was awaited. One line in logs.
    this.stack = `${this.name}: ${message}`;
  }
}

/** A timer this much later than due means the process was paused (see {@linkcode withTimeout}). */
const LATE_TIMER_MS = 100;
/** The longest extra wait a paused process gives I/O before a late timer times out. */
const LATE_GRACE_MS = 250;

/** Options of {@linkcode withTimeout}. */
export interface TimeoutOptions {
  /** Ends the wait early, rejecting with the signal's reason. Default: none. */
  signal?: AbortSignal | undefined;
  /** What is awaited, for the error: `timed out after 50 ms waiting for <what>`. Default "an answer". */
  what?: string;
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * `work`'s outcome if it settles within `ms`; otherwise rejects with a {@linkcode TimeoutError}
 * (or with `signal.reason` once `signal` aborts). `work` itself is not cancelled: pass it the same
 * signal if it should stop too. When the timer fires over 100 ms late (the process was paused), the
 * wait is extended once by at most 250 ms, so an answer that arrived during the pause still wins.
 */
export function withTimeout<T>(work: PromiseLike<T>, ms: number, options: TimeoutOptions = {}): Promise<T> {
  const { signal } = options;
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const finish = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      finish();
      reject(signal?.reason);
    };
    const due = Date.now() + Math.max(0, ms);
    const expire = () => {
      // A timer that fires much later than due means this process was not running (SIGSTOP, a
      // suspended VM, a long GC pause): an answer may be waiting unread beside it, and timers run
      // before I/O in a turn. Give I/O one short grace period so such an answer still wins.
      const late = Date.now() - due;
      if (late > LATE_TIMER_MS && !graced) {
        graced = true;
        timer = setTimeout(expire, Math.min(Math.max(0, ms), LATE_GRACE_MS));
        return;
      }
      finish();
      reject(new TimeoutError(`timed out after ${ms} ms waiting for ${options.what ?? "an answer"}`));
    };
    let graced = false;
    let timer = setTimeout(expire, Math.max(0, ms));
    signal?.addEventListener("abort", onAbort, { once: true });
    Promise.resolve(work).then(
      (value) => {
        finish();
        resolve(value);
      },
      (error) => {
        finish();
        reject(error);
      },
    );
  });
}

/**
 * Waits for `work` to settle (whatever its outcome) for at most `ms`, or until `signal` aborts.
 * Resolves `true` when it settled in time, `false` otherwise; never rejects. For shutdown steps
 * that must not hang on a peer that may never answer.
 */
export function settlesWithin(
  work: PromiseLike<unknown>,
  ms: number,
  signal?: AbortSignal,
): Promise<boolean> {
  const settled = Promise.resolve(work).then(() => true, () => true);
  return withTimeout(settled, ms, { signal }).catch(() => false);
}

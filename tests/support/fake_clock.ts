/**
 * A fake clock for unit tests of code that waits (reconnect backoff, heartbeats, resends): while
 * installed, `setTimeout`, `clearTimeout` and `Date.now` are the clock's, and time moves only when
 * the test calls `tick`, which runs every timer due in order, including timers they set.
 *
 * ```ts
 * using clock = installFakeClock();
 * connection.start();
 * clock.tick(7_000); // the heartbeat gave the silent socket up
 * ```
 */

interface Timer {
  at: number;
  order: number;
  fn: () => void;
}

/** See the module documentation; `restore` (or leaving a `using` block) puts the real clock back. */
export interface FakeClock extends Disposable {
  /** Advances time by `ms`, running the timers that fall due, in order. */
  tick(ms: number): void;
  /** The fake current time (epoch ms). */
  now(): number;
  /** Timers still waiting. */
  pending(): number;
  restore(): void;
}

/** Replaces the global timers and `Date.now` until `restore()`. */
export function installFakeClock(start = Date.UTC(2026, 0, 5, 8, 0, 0)): FakeClock {
  const real = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout, now: Date.now };
  const timers = new Map<number, Timer>();
  let now = start;
  let nextId = 1;
  let order = 0;
  // deno-lint-ignore no-explicit-any
  const g = globalThis as any;
  g.setTimeout = (fn: () => void, ms = 0) => {
    const id = nextId++;
    timers.set(id, { at: now + Math.max(0, ms), order: order++, fn });
    return id;
  };
  g.clearTimeout = (id: number | undefined) => {
    if (id !== undefined) timers.delete(id);
  };
  Date.now = () => now;
  const restore = () => {
    g.setTimeout = real.setTimeout;
    g.clearTimeout = real.clearTimeout;
    Date.now = real.now;
  };
  return {
    tick(ms: number) {
      const end = now + ms;
      for (;;) {
        let due: [number, Timer] | undefined;
        for (const entry of timers) {
          if (
            entry[1].at <= end &&
            (!due || entry[1].at < due[1].at || (entry[1].at === due[1].at && entry[1].order < due[1].order))
          ) {
            due = entry;
          }
        }
        if (!due) break;
        timers.delete(due[0]);
        now = Math.max(now, due[1].at);
        due[1].fn();
      }
      now = end;
    },
    now: () => now,
    pending: () => timers.size,
    restore,
    [Symbol.dispose]: restore,
  };
}

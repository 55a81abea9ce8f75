/** Concurrency helper of the realtime core (waits with a bound live in `util/timeout.ts`). */

/**
 * Runs at most `limit` tasks at once; the others wait in order. Bounds how many database reads the
 * realtime core starts together, e.g. when a resync asks every conversation stream to catch up.
 */
export class Semaphore {
  readonly #limit: number;
  #active = 0;
  #waiting: (() => void)[] = [];

  constructor(limit: number) {
    this.#limit = Math.max(1, limit);
  }

  /** Runs `task` when a slot is free and returns its result. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.#limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#active++;
    try {
      return await task();
    } finally {
      this.#active--;
      this.#waiting.shift()?.();
    }
  }
}

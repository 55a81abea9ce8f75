/**
 * When a batch should start, for the batchers that gather work under load (`statement_batcher.ts`,
 * `domain/send_batcher.ts`): while work keeps coming (each arrival less than `gatherMs` after the
 * previous one), a batch waits until its first arrival has waited `gatherMs`, so that more join it;
 * work that comes into a quiet batcher waits for nothing. The rule lives here once so that both
 * batchers gather alike.
 */

/** One arrival, as {@linkcode GatherClock.arrive} stamps it. */
export interface Arrival {
  /** `performance.now()` when it came. */
  at: number;
  /** Whether other work came less than `gatherMs` before it (its batch then gathers). */
  busy: boolean;
}

/** See the module documentation. */
export class GatherClock {
  #last = -Infinity;

  constructor(readonly gatherMs: number) {}

  /** Stamps an arrival now. */
  arrive(): Arrival {
    const at = performance.now();
    const busy = at - this.#last < this.gatherMs;
    this.#last = at;
    return { at, busy };
  }

  /** How long a batch headed by `first` still waits, in ms (0: start it now). */
  wait(first: Arrival): number {
    return first.busy ? Math.max(0, first.at + this.gatherMs - performance.now()) : 0;
  }
}

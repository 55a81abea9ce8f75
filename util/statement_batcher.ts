/**
 * Gathers concurrent requests for one kind of statement into one statement. Every authenticated
 * request reads its session, every send its sender's rights and takes a rate-limit token: a
 * statement each costs a round trip and a socket write per request, which is most of a busy
 * instance's time. Here requests wait while `maxInFlight` statements are running and then go
 * together, so an idle server answers one at once and a busy one answers hundreds per round trip.
 * No timer: nothing waits unless a statement is already running.
 *
 * A caller's items always go in the same statement, in order. With `key`, a statement holds each key
 * once: a caller whose key is already in the batch being formed waits for the next one (e.g. a
 * rate-limit bucket, which one statement can take from only once). Callers are served in arrival
 * order.
 */

import { type Arrival, GatherClock } from "./gather_clock.ts";

/** Options of {@linkcode StatementBatcher}. */
export interface StatementBatcherOptions<I> {
  /** Statements running at once; more requests wait for one to finish. Default 2. */
  maxInFlight?: number;
  /** Most items in one statement (a caller's items are never split). Default 500. */
  maxBatch?: number;
  /** Items with equal keys never share a statement. Default: no key, any items may. */
  key?: (item: I) => string;
  /**
   * While requests keep coming (each less than this after the previous one), a statement waits
   * until its first request has waited this long, so that more go with it; a request into a quiet
   * batcher goes at once. Default 0: no waiting, only what arrives while statements run is shared.
   */
  gatherMs?: number;
}

interface Pending<I, O> {
  items: readonly I[];
  arrival: Arrival;
  keys: string[];
  resolve: (outputs: O[]) => void;
  reject: (error: unknown) => void;
}

/** See the module documentation. */
export class StatementBatcher<I, O> {
  readonly #run: (items: readonly I[]) => Promise<O[]>;
  readonly #maxInFlight: number;
  readonly #maxBatch: number;
  readonly #key: ((item: I) => string) | undefined;
  readonly #clock: GatherClock;
  #waiting: Pending<I, O>[] = [];
  #inFlight = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** `run` answers one output per item, in order; a rejection fails every caller of that statement. */
  constructor(run: (items: readonly I[]) => Promise<O[]>, options: StatementBatcherOptions<I> = {}) {
    this.#run = run;
    this.#maxInFlight = options.maxInFlight ?? 2;
    this.#maxBatch = options.maxBatch ?? 500;
    this.#key = options.key;
    this.#clock = new GatherClock(options.gatherMs ?? 0);
  }

  /** One output per item of `items`, from a statement shared with concurrent callers. */
  submit(items: readonly I[]): Promise<O[]> {
    const { promise, resolve, reject } = Promise.withResolvers<O[]>();
    const arrival = this.#clock.arrive();
    this.#waiting.push({ items, keys: this.#key ? items.map(this.#key) : [], arrival, resolve, reject });
    this.#pump();
    return promise;
  }

  /** {@linkcode submit} for one item. */
  async one(item: I): Promise<O> {
    const [output] = await this.submit([item]);
    return output as O;
  }

  /** Whether the next statement should wait for more requests (see `gatherMs`); sets the timer. */
  #gathering(): boolean {
    if (this.#timer !== undefined) return true;
    const first = this.#waiting[0];
    if (first === undefined) return false;
    const left = this.#clock.wait(first.arrival);
    if (left <= 0 || this.#waiting.reduce((n, p) => n + p.items.length, 0) >= this.#maxBatch) return false;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#waiting[0]!.arrival.busy = false; // it waited its time
      this.#pump();
    }, left);
    return true;
  }

  #pump(): void {
    while (this.#inFlight < this.#maxInFlight && this.#waiting.length > 0 && !this.#gathering()) {
      const seen = new Set<string>();
      let size = 0;
      let end = 0;
      for (; end < this.#waiting.length; end++) {
        const next = this.#waiting[end]!;
        if (next.keys.some((key) => seen.has(key))) break;
        if (end > 0 && size + next.items.length > this.#maxBatch) break;
        for (const key of next.keys) seen.add(key);
        size += next.items.length;
      }
      const batch = this.#waiting.splice(0, end);
      this.#inFlight++;
      const done = () => {
        this.#inFlight--;
        this.#pump(); // the next statement starts before these callers go on
      };
      let statement: Promise<O[]>;
      try {
        statement = this.#run(batch.flatMap((p) => p.items));
      } catch (error) {
        statement = Promise.reject(error);
      }
      statement.then(
        (outputs) => {
          done();
          let at = 0;
          for (const pending of batch) {
            pending.resolve(outputs.slice(at, at + pending.items.length));
            at += pending.items.length;
          }
        },
        (error) => {
          done();
          for (const pending of batch) pending.reject(error);
        },
      );
    }
  }
}

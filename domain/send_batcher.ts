/**
 * Group commit for sends: while sends keep coming, each batch gathers them for `gatherMs` after its
 * first one arrived (or until it is full), never starting while the previous batch is being stored;
 * a send into a quiet batcher (none in the `gatherMs` before it) goes at once, with whatever was
 * sent in the same turn. A batch is handled by one call of `store` (the messaging domain checks
 * the whole batch in one statement and stores it in another, committed as it runs: see
 * `appendMessages` in db/messages.ts), so the cost of the checks, of a commit, their round trips
 * and the conversation row lock is paid once per batch instead of once per message.
 *
 * Order: one batch is stored at a time and a batch keeps submission order, so within a
 * conversation seqs follow the order of `submit` calls. Each send settles with its own outcome
 * only after the batch is committed; one faulty send does not fail the others (the store isolates it).
 *
 * Overload is decided at `submit`, before anything is stored: when `maxQueued` sends are already
 * waiting, or the oldest has waited `maxWaitMs`, the send is refused with `overloaded` (retryable
 * with the same `clientId`) instead of joining a queue it would time out in. Memory stays bounded:
 * at most `maxQueued` waiting plus `maxBatch` being stored.
 */
import type { AppendMessageInput, AppendOutcome, AppendResult } from "../db/messages.ts";
import { overloaded } from "./errors.ts";
import { type Arrival, GatherClock } from "../util/gather_clock.ts";

/** Options of {@linkcode SendBatcher}. */
export interface SendBatcherOptions {
  /**
   * How long, while sends keep coming, the first send of a batch waits for others to join it.
   * Default 16 ms: each batch costs two statements (its checks, its commit) whatever its size, and
   * at 500 sends per second per instance 16 ms gathers about eight; a quiet server waits for nothing.
   */
  gatherMs?: number;
  /** Most sends stored in one batch (one transaction). Default 500. */
  maxBatch?: number;
  /** Most sends waiting for their batch; one more is refused `overloaded`. Default 5000. */
  maxQueued?: number;
  /** Once the oldest waiting send has waited this long, new sends are refused `overloaded`. Default 2000 ms. */
  maxWaitMs?: number;
}

/** Stores a batch; one outcome per input, in order. */
export type BatchStore = (inputs: readonly AppendMessageInput[]) => Promise<AppendOutcome[]>;

interface Waiting {
  input: AppendMessageInput;
  arrival: Arrival;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/** See the module documentation. */
export class SendBatcher {
  readonly #store: BatchStore;
  readonly #o: Required<SendBatcherOptions>;
  #queue: Waiting[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #storing: Promise<void> | undefined;
  readonly #clock: GatherClock;

  constructor(store: BatchStore, options: SendBatcherOptions = {}) {
    this.#store = store;
    this.#o = { gatherMs: 16, maxBatch: 500, maxQueued: 5000, maxWaitMs: 2000, ...options };
    this.#clock = new GatherClock(this.#o.gatherMs);
  }

  /** Sends waiting for a batch (metrics, tests). */
  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Queues `input` for the next batch, synchronously (so calls keep their order), and returns its
   * outcome once the batch committed. Throws `overloaded` at once, storing nothing, past capacity.
   */
  submit(input: AppendMessageInput): Promise<AppendResult> {
    const now = performance.now();
    const oldest = this.#queue[0];
    if (this.#queue.length >= this.#o.maxQueued || (oldest && now - oldest.arrival.at >= this.#o.maxWaitMs)) {
      throw overloaded(Math.max(1, this.#o.maxWaitMs / 1000));
    }
    const { promise, resolve, reject } = Promise.withResolvers<AppendResult>();
    this.#queue.push({ input, arrival: this.#clock.arrive(), resolve, reject });
    this.#schedule();
    return promise;
  }

  /** Resolves once every send submitted so far is settled (shutdown). */
  async drained(): Promise<void> {
    while (this.#storing || this.#queue.length > 0) {
      if (!this.#storing) this.#flush();
      await this.#storing;
    }
  }

  /**
   * Starts a batch now when it is full, else once its first send has waited `gatherMs` (in the next
   * turn when that send came into a quiet batcher); never while one is being stored.
   */
  #schedule(): void {
    if (this.#storing) return; // the batch in flight schedules the next when it is done
    const oldest = this.#queue[0];
    if (oldest === undefined) return;
    if (this.#queue.length >= this.#o.maxBatch) {
      this.#flush();
      return;
    }
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => this.#flush(), this.#clock.wait(oldest.arrival));
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#storing || this.#queue.length === 0) return;
    const batch = this.#queue.splice(0, this.#o.maxBatch);
    this.#storing = this.#run(batch).finally(() => {
      this.#storing = undefined;
      this.#schedule();
    });
  }

  async #run(batch: Waiting[]): Promise<void> {
    let outcomes: AppendOutcome[];
    try {
      outcomes = await this.#store(batch.map((w) => w.input));
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
      return;
    }
    batch.forEach((waiting, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) waiting.resolve(outcome.result);
      else waiting.reject(outcome ? outcome.error : new Error("the batch store returned too few outcomes"));
    });
  }
}

/**
 * Gathers concurrent rate-limit takes into one statement. Every send takes a token from its
 * sender's bucket in the database (limits.ts); one statement per send would cost PostgreSQL a
 * statement and a commit per message, as much as storing it. Here takes wait while `maxInFlight`
 * statements are running and then go together, so an idle server answers a take at once and a busy
 * one answers hundreds per round trip.
 *
 * A statement takes each bucket once (`takeTokens`), so a caller whose bucket is already in the
 * batch being formed waits for the next one; callers are served in arrival order.
 */
import type { BucketDecision, BucketTake } from "../db/rate_limits.ts";

/** Options of {@linkcode TakeBatcher}. */
export interface TakeBatcherOptions {
  /** Statements running at once; more takes wait for one to finish. Default 2. */
  maxInFlight?: number;
  /** Most buckets in one statement. Default 500. */
  maxBatch?: number;
}

interface Pending {
  takes: readonly BucketTake[];
  ids: string[];
  resolve: (decisions: BucketDecision[]) => void;
  reject: (error: unknown) => void;
}

const bucketId = (b: BucketTake) => `${b.name}\u0000${b.key}`;

/** See the module documentation. */
export class TakeBatcher {
  readonly #run: (takes: readonly BucketTake[]) => Promise<BucketDecision[]>;
  readonly #maxInFlight: number;
  readonly #maxBatch: number;
  #waiting: Pending[] = [];
  #inFlight = 0;

  /** `run` takes distinct buckets in one statement and answers one decision per take, in order. */
  constructor(
    run: (takes: readonly BucketTake[]) => Promise<BucketDecision[]>,
    options: TakeBatcherOptions = {},
  ) {
    this.#run = run;
    this.#maxInFlight = options.maxInFlight ?? 2;
    this.#maxBatch = options.maxBatch ?? 500;
  }

  /** One decision per take of `takes` (distinct buckets), decided together with concurrent callers'. */
  take(takes: readonly BucketTake[]): Promise<BucketDecision[]> {
    const ids = takes.map(bucketId);
    if (new Set(ids).size !== ids.length) {
      return Promise.reject(
        new RangeError("take: the same limit and key were given twice; take each bucket once"),
      );
    }
    const { promise, resolve, reject } = Promise.withResolvers<BucketDecision[]>();
    this.#waiting.push({ takes, ids, resolve, reject });
    this.#pump();
    return promise;
  }

  #pump(): void {
    while (this.#inFlight < this.#maxInFlight && this.#waiting.length > 0) {
      const seen = new Set<string>();
      let size = 0;
      let end = 0;
      for (; end < this.#waiting.length; end++) {
        const next = this.#waiting[end]!;
        if (next.ids.some((id) => seen.has(id))) break;
        if (end > 0 && size + next.ids.length > this.#maxBatch) break;
        for (const id of next.ids) seen.add(id);
        size += next.ids.length;
      }
      const batch = this.#waiting.splice(0, end);
      this.#inFlight++;
      const done = () => {
        this.#inFlight--;
        this.#pump(); // the next statement starts before these callers go on
      };
      this.#run(batch.flatMap((p) => p.takes)).then(
        (decisions) => {
          done();
          let at = 0;
          for (const pending of batch) {
            pending.resolve(decisions.slice(at, at + pending.takes.length));
            at += pending.takes.length;
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

/**
 * Gathers concurrent rate-limit takes into one statement. Every send takes a token from its
 * sender's bucket in the database (limits.ts); one statement per send would cost PostgreSQL a
 * statement and a commit per message, as much as storing it. Takes go together as
 * `util/statement_batcher.ts` gathers them: an idle server answers a take at once and a busy one
 * answers hundreds per round trip.
 *
 * A statement takes each bucket once (`takeTokens`), so a caller whose bucket is already in the
 * batch being formed waits for the next one; callers are served in arrival order.
 */
import type { BucketDecision, BucketTake } from "../db/rate_limits.ts";
import { StatementBatcher, type StatementBatcherOptions } from "../util/statement_batcher.ts";

/** Options of {@linkcode TakeBatcher}: those of the statement batcher, whose key is the bucket. */
export type TakeBatcherOptions = Omit<StatementBatcherOptions<BucketTake>, "key">;

const bucketId = (b: BucketTake) => `${b.name}\u0000${b.key}`;

/** See the module documentation. */
export class TakeBatcher {
  readonly #batcher: StatementBatcher<BucketTake, BucketDecision>;

  /** `run` takes distinct buckets in one statement and answers one decision per take, in order. */
  constructor(
    run: (takes: readonly BucketTake[]) => Promise<BucketDecision[]>,
    options: TakeBatcherOptions = {},
  ) {
    this.#batcher = new StatementBatcher(run, { ...options, key: bucketId });
  }

  /** One decision per take of `takes` (distinct buckets), decided together with concurrent callers'. */
  take(takes: readonly BucketTake[]): Promise<BucketDecision[]> {
    const ids = takes.map(bucketId);
    if (new Set(ids).size !== ids.length) {
      return Promise.reject(
        new RangeError("take: the same limit and key were given twice; take each bucket once"),
      );
    }
    return this.#batcher.submit(takes);
  }
}

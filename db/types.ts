/**
 * The one database interface the rest of Préau talks to. Two adapters implement it:
 * postgres.js (`DATABASE_URL` set) and PGlite (embedded default). All SQL lives in `db/`
 * and uses `$1`-style placeholders, which both adapters accept unchanged.
 *
 * Both adapters return the same JavaScript types: `integer`/`bigint` columns as `number`,
 * `timestamptz` as `Date`, `uuid` and `text` as `string`, `json`/`jsonb` parsed, `boolean`
 * as `boolean`, SQL NULL as `null`.
 */

/** Something SQL can be sent to: the database itself or an open transaction. */
export interface Queryable {
  /** Runs one statement and returns its rows (an empty array for statements without rows). */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

/** Options for {@linkcode Database.listen}. */
export interface ListenOptions {
  /** Stops listening when aborted. */
  signal?: AbortSignal;
  /**
   * Called every time the LISTEN is (re-)established, including the first time.
   * Notifications sent while the listening connection was down are lost, so callers use
   * this to catch up from the database.
   */
  onListen?: () => void;
}

/** A live database handle. */
export interface Database extends Queryable {
  /** Which adapter is behind this handle. */
  readonly kind: "postgres" | "pglite";
  /**
   * False while this handle's statements fail for connection reasons: from the first such failure
   * until a statement begun after it succeeds (see `db/availability.ts`). Readiness probes answer
   * from it at once. Always true on PGlite, which runs in the process.
   */
  reachable(): boolean;
  /**
   * How many outages this handle has seen (see {@linkcode reachable}); a check that finds the count
   * changed while it waited knows the server went away meanwhile, even if it is back. 0 on PGlite.
   */
  outages(): number;
  /** Runs `fn` inside BEGIN … COMMIT; rolls back and rethrows if `fn` throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Subscribes to a LISTEN/NOTIFY channel. Resolves once the LISTEN is active.
   * Returns a function that unsubscribes.
   */
  listen(
    channel: string,
    onNotify: (payload: string) => void,
    options?: ListenOptions,
  ): Promise<() => Promise<void>>;
  /** Sends `payload` on `channel` (pg_notify). */
  notify(channel: string, payload: string): Promise<void>;
  /** Closes every connection; pending queries finish first. */
  close(): Promise<void>;
}

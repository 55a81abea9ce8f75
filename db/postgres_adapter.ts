/**
 * {@linkcode Database} on a PostgreSQL server through postgres.js. A statement with parameters runs as
 * a named prepared statement, cached per connection (so SQL text must not embed values); one without
 * runs through the simple protocol, so a migration file with many statements can be sent whole (the
 * rows of the last statement are returned, as on PGlite).
 *
 * LISTEN runs on postgres.js's own dedicated connection, which it re-opens and re-LISTENs after a
 * connection loss; every (re-)LISTEN calls `onListen` so callers can catch up on what they missed.
 *
 * Every wait is bounded, because a database restart is routine and must not stall anyone for long:
 * a new connection gives up after `connectTimeoutSeconds`; a lost one is retried after at most
 * `maxReconnectDelayMs` (postgres.js's own backoff is shared by the whole pool and grows to 20 s);
 * every statement has a server-side `statement_timeout` of `queryTimeoutMs` (a migration lifts it for
 * its own transaction), and `query`/`notify` the same client-side timeout (a statement on a connection
 * that died silently never answers). A transaction is bounded by its statements' timeouts, not as a
 * whole, so that a migration may take as long as it needs. A lost or refused
 * connection is logged ONE line when the outage begins and one when the database answers again
 * (`DatabaseAvailability`), never a stack trace.
 */
import postgres from "postgres";
import type { Database, ListenOptions, Queryable } from "./types.ts";
import { DatabaseConnectionError, describeTarget, isConnectionFailure, reasonOf } from "./errors.ts";
import { DatabaseAvailability } from "./availability.ts";
import { CODECS } from "./value_types.ts";
import { guardedCallbacks, InFlight, subscription } from "./adapter_plumbing.ts";
import {
  absorbStrayConnectionRejections,
  connectionSocket,
  guardPostgresWrites,
  STARTUP_PADDING,
} from "./postgres_js_fixes.ts";
import { backoffDelay } from "../util/backoff.ts";
import { TimeoutError, withTimeout } from "../util/timeout.ts";

/** Options for {@linkcode createPostgresDatabase}. */
export interface PostgresAdapterOptions {
  /** Connections in the pool (LISTEN uses one more of its own). Default 10. */
  poolSize?: number;
  /** Seconds to wait for a new connection before failing. Default 5. */
  connectTimeoutSeconds?: number;
  /** Longest wait before re-opening a lost connection (jittered, doubling from 50 ms). Default 1 000 ms. */
  maxReconnectDelayMs?: number;
  /**
   * Longest run of one statement: PostgreSQL cancels it (`statement_timeout`), and a `query` or
   * `notify` rejects with a `TimeoutError` even if the server never answers. Default 15 000 ms.
   */
  queryTimeoutMs?: number;
  /** Names this handle in the outage log lines, e.g. `"database"`. Default `"database"`. */
  name?: string;
  /** Seconds `close()` lets running queries and transactions finish before cutting connections. Default 5. */
  closeTimeoutSeconds?: number;
}

/** The pool or a transaction: both run text with parameters. */
// deno-lint-ignore no-explicit-any
type Runner = { unsafe(text: string, params: any[], options?: { prepare?: boolean }): PromiseLike<any> };

/** Connects lazily: the first query opens the first connection (see `openDatabase` for a checked open). */
export function createPostgresDatabase(url: string, options: PostgresAdapterOptions = {}): Database {
  guardPostgresWrites();
  const target = describeTarget(url);
  absorbStrayConnectionRejections();
  const queryTimeoutMs = options.queryTimeoutMs ?? 15_000;
  const maxReconnectDelayMs = options.maxReconnectDelayMs ?? 1_000;
  const availability = new DatabaseAvailability(options.name ?? "database", target);
  const sql = postgres(url, {
    max: options.poolSize ?? 10,
    connect_timeout: options.connectTimeoutSeconds ?? 5,
    // In seconds; `retries` counts the pool's consecutive failed connections.
    backoff: (retries: number) => backoffDelay(retries, { baseMs: 50, maxMs: maxReconnectDelayMs }) / 1000,
    connection: { application_name: "preau", statement_timeout: queryTimeoutMs, ...STARTUP_PADDING },
    // postgres.js's options type omits `socket`; see postgres_js_fixes.ts for its workarounds.
    ...{ socket: connectionSocket },
    // postgres.js rejects `undefined` parameters; PGlite sends NULL. Send NULL on both.
    transform: { undefined: null },
    types: CODECS,
    // Routine notices ("relation already exists, skipping") are noise; warnings are worth seeing,
    // except the server's "terminating connection" on shutdown (57P01..57P03): one per connection,
    // while the outage itself is logged once (see DatabaseAvailability).
    onnotice: (notice) => {
      if (notice.severity === "WARNING" && !/^57P0[123]$/.test(String(notice.code))) {
        console.warn(`PostgreSQL warning: ${notice.message}`);
      }
    },
  });

  const inFlight = new InFlight();
  const tracked = inFlight.track.bind(inFlight);

  const run = async <T>(
    runner: Runner,
    text: string,
    params: readonly unknown[] | undefined,
  ): Promise<T[]> => {
    try {
      // Named prepared statements, kept per connection by text: parsed and planned once, then one
      // round trip per call (unprepared, postgres.js describes first: two). Without parameters, the
      // simple protocol (several statements allowed).
      const args = [...(params ?? [])];
      const result = await runner.unsafe(text, args, { prepare: args.length > 0 });
      // The simple protocol answers several statements with one result per statement.
      const last = typeof result.command === "string" ? result : result[result.length - 1] ?? [];
      return Array.from(last as T[]);
    } catch (error) {
      throw wrapConnectionFailure(error, target);
    }
  };

  /** Bounds `work` by `timeoutMs` (if any) and keeps the outage state (one log line each way). */
  const bounded = <T>(what: string, work: () => Promise<T>, timeoutMs?: number): Promise<T> =>
    tracked(what, async () => {
      const token = availability.begin();
      try {
        const result = timeoutMs === undefined
          ? await work()
          : await withTimeout(work(), timeoutMs, { what: `PostgreSQL to answer ${what}` });
        availability.up(token);
        return result;
      } catch (error) {
        if (error instanceof DatabaseConnectionError || error instanceof TimeoutError) {
          availability.down(error, token);
        } else availability.up(token); // the server answered, with an SQL error
        throw error;
      }
    });

  return {
    kind: "postgres",

    reachable: () => !availability.isDown,
    outages: () => availability.outages,

    query: <T = Record<string, unknown>>(text: string, params?: readonly unknown[]) =>
      bounded("db.query", () => run<T>(sql, text, params), queryTimeoutMs),

    transaction: <T>(fn: (tx: Queryable) => Promise<T>): Promise<T> =>
      bounded("db.transaction", async () => {
        try {
          // `sql.begin` (not a reserved connection with BEGIN and COMMIT of our own): it rejects the
          // transaction at once if its connection closes, where statements on a reserved connection
          // could wait for an answer that never comes. Statements `fn` sends together are pipelined.
          return await sql.begin(async (tx) => {
            const queryable: Queryable = {
              query: <R = Record<string, unknown>>(text: string, params?: readonly unknown[]) =>
                run<R>(tx, text, params),
            };
            return await fn(queryable);
          }) as T;
        } catch (error) {
          throw wrapConnectionFailure(error, target);
        }
      }),

    async listen(channel: string, onNotify: (payload: string) => void, options: ListenOptions = {}) {
      options.signal?.throwIfAborted();
      inFlight.assertOpen("db.listen");
      const { notified, listening } = guardedCallbacks(channel, onNotify, options);
      let meta: postgres.ListenMeta;
      try {
        meta = await sql.listen(channel, notified, listening);
      } catch (error) {
        throw wrapConnectionFailure(error, target);
      }
      return await subscription(() => meta.unlisten(), options.signal);
    },

    async notify(channel: string, payload: string): Promise<void> {
      await bounded(
        "db.notify",
        () => run(sql, "select pg_notify($1, $2)", [channel, payload]),
        queryTimeoutMs,
      );
    },

    close(): Promise<void> {
      // postgres.js rejects queries it has not started yet once end() is called, so wait for ours first.
      const seconds = options.closeTimeoutSeconds ?? 5;
      return inFlight.close((unsettled) => sql.end({ timeout: unsettled > 0 ? 0 : seconds }), seconds * 1000);
    },
  };
}

/** Lost or refused connections become a {@linkcode DatabaseConnectionError}; SQL errors pass unchanged. */
export function wrapConnectionFailure(error: unknown, target: string): unknown {
  if (error instanceof DatabaseConnectionError || !isConnectionFailure(error)) return error;
  return new DatabaseConnectionError(target, reasonOf(error), { cause: error });
}

/**
 * {@linkcode Database} on a PostgreSQL server through postgres.js. A statement with parameters runs as
 * a named prepared statement, cached per connection (so SQL text must not embed values); one without runs through the simple protocol, so a migration file with many
 * statements can be sent whole (the rows of the last statement are returned, as on PGlite).
 *
 * LISTEN runs on postgres.js's own dedicated connection, which it re-opens and re-LISTENs after a
 * connection loss; every (re-)LISTEN calls `onListen` so callers can catch up on what they missed.
 */
import postgres from "postgres";
import type { Database, ListenOptions, Queryable } from "./types.ts";
import { DatabaseConnectionError, describeTarget, isConnectionFailure, reasonOf } from "./errors.ts";
import { CODECS } from "./value_types.ts";
import { guardedCallbacks, InFlight, subscription } from "./adapter_plumbing.ts";

/** Options for {@linkcode createPostgresDatabase}. */
export interface PostgresAdapterOptions {
  /** Connections in the pool (LISTEN uses one more of its own). Default 10. */
  poolSize?: number;
  /** Seconds to wait for a new connection before failing. Default 10. */
  connectTimeoutSeconds?: number;
  /** Seconds `close()` lets running queries and transactions finish before cutting connections. Default 5. */
  closeTimeoutSeconds?: number;
}

/** The pool or a transaction: both run text with parameters. */
// deno-lint-ignore no-explicit-any
type Runner = { unsafe(text: string, params: any[], options?: { prepare?: boolean }): PromiseLike<any> };

/** Connects lazily: the first query opens the first connection (see `openDatabase` for a checked open). */
export function createPostgresDatabase(url: string, options: PostgresAdapterOptions = {}): Database {
  const target = describeTarget(url);
  const sql = postgres(url, {
    max: options.poolSize ?? 10,
    connect_timeout: options.connectTimeoutSeconds ?? 10,
    connection: { application_name: "preau" },
    // postgres.js rejects `undefined` parameters; PGlite sends NULL. Send NULL on both.
    transform: { undefined: null },
    types: CODECS,
    // Routine notices ("relation already exists, skipping") are noise; warnings are worth seeing.
    onnotice: (notice) => {
      if (notice.severity === "WARNING") console.warn(`PostgreSQL warning: ${notice.message}`);
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

  return {
    kind: "postgres",

    query: <T = Record<string, unknown>>(text: string, params?: readonly unknown[]) =>
      tracked("db.query", () => run<T>(sql, text, params)),

    transaction: <T>(fn: (tx: Queryable) => Promise<T>): Promise<T> =>
      tracked("db.transaction", async () => {
        try {
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
      await tracked("db.notify", () => run(sql, "select pg_notify($1, $2)", [channel, payload]));
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

/**
 * {@linkcode Database} on embedded PGlite (PostgreSQL compiled to WebAssembly, in this process).
 * PGlite has exactly one connection: PGlite itself makes a query issued while a transaction is open
 * wait until that transaction ends, so statements never interleave inside it. The flip side is that
 * `db.query`/`db.transaction` called from *inside* a transaction callback would wait forever; we detect
 * that and throw a {@linkcode DatabaseUsageError} instead of hanging.
 *
 * Like the postgres adapter, a statement without parameters runs through the simple protocol (several
 * statements allowed, rows of the last one returned), one with parameters as a prepared statement.
 */
import { PGlite, type Transaction } from "@electric-sql/pglite";
import { AsyncLocalStorage } from "node:async_hooks";
import type { Database, ListenOptions, Queryable } from "./types.ts";
import { DatabaseUsageError } from "./errors.ts";
import { CODECS } from "./value_types.ts";
import { guardedCallbacks, InFlight, subscription } from "./adapter_plumbing.ts";

type Runner = Pick<PGlite | Transaction, "query" | "exec">;

/** Opens PGlite in `dataDir` (a folder, created by PGlite if empty) or `"memory://"` for a throwaway one. */
export async function createPGliteDatabase(dataDir: string): Promise<Database> {
  const codecs = Object.values(CODECS);
  const pg = await PGlite.create(dataDir, {
    parsers: Object.fromEntries(codecs.flatMap((c) => c.from.map((oid) => [oid, c.parse]))),
    serializers: Object.fromEntries(codecs.flatMap((c) => c.from.map((oid) => [oid, c.serialize]))),
  });
  const insideTransaction = new AsyncLocalStorage<true>();
  const inFlight = new InFlight();

  /** Refuses calls that can only deadlock or hit a closed instance; tracks the rest for `close()`. */
  const guarded = <T>(what: string, work: () => Promise<T>): Promise<T> => {
    if (insideTransaction.getStore()) {
      return Promise.reject(
        new DatabaseUsageError(
          `${what} was called inside a transaction callback; use the \`tx\` passed to the callback ` +
            "(PGlite has a single connection, so this call would wait for the transaction forever)",
        ),
      );
    }
    return inFlight.track(what, work);
  };

  return {
    kind: "pglite",
    reachable: () => true,
    outages: () => 0,

    query: <T = Record<string, unknown>>(text: string, params?: readonly unknown[]) =>
      guarded("db.query", () => run<T>(pg, text, params)),

    transaction: <T>(fn: (tx: Queryable) => Promise<T>) =>
      guarded("db.transaction", () =>
        pg.transaction((tx) => {
          const queryable: Queryable = {
            query: <R = Record<string, unknown>>(text: string, params?: readonly unknown[]) =>
              run<R>(tx, text, params),
          };
          return insideTransaction.run(true, () => fn(queryable));
        })),

    async listen(channel: string, onNotify: (payload: string) => void, options: ListenOptions = {}) {
      options.signal?.throwIfAborted();
      // Quoted so the channel name is case-sensitive, exactly as postgres.js and pg_notify() treat it.
      const quoted = `"${channel.replaceAll('"', '""')}"`;
      // A fresh function per subscription (`notified`): PGlite keeps callbacks in a Set per channel.
      const { notified, listening } = guardedCallbacks(channel, onNotify, options);
      await guarded("db.listen", () => pg.listen(quoted, notified));
      // Not the function pg.listen returns: that one re-lowercases the channel name when unlistening.
      const unsubscribe = await subscription(async () => {
        if (!pg.closed) await pg.unlisten(quoted, notified);
      }, options.signal);
      // In-process: the LISTEN is never lost, so this is the only time it is (re-)established.
      listening();
      return unsubscribe;
    },

    async notify(channel: string, payload: string): Promise<void> {
      await guarded("db.notify", () => run(pg, "select pg_notify($1, $2)", [channel, payload]));
    },

    close(): Promise<void> {
      return inFlight.close(async () => {
        if (!pg.closed) await pg.close();
      });
    },
  };
}

async function run<T>(runner: Runner, text: string, params: readonly unknown[] | undefined): Promise<T[]> {
  if (params && params.length > 0) return (await runner.query<T>(text, [...params])).rows;
  const results = await runner.exec(text);
  return (results[results.length - 1]?.rows ?? []) as T[];
}

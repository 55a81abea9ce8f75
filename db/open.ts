/**
 * Opens the database the configuration asks for: PostgreSQL when `DATABASE_URL` is set, otherwise
 * embedded PGlite in the data directory. The connection is checked here (`select 1`) so a wrong URL
 * stops the start with a message naming the server, not the first request with a stack trace.
 */
import { resolve } from "node:path";
import type { Database } from "./types.ts";
import { DatabaseConnectionError, describeTarget, reasonOf } from "./errors.ts";
import { createPostgresDatabase, type PostgresAdapterOptions } from "./postgres_adapter.ts";
import { createPGliteDatabase } from "./pglite_adapter.ts";

/** Options for {@linkcode openDatabase}. */
export interface OpenDatabaseOptions extends PostgresAdapterOptions {
  /** `postgres://…` of a server; unset = PGlite in `dataDir`. */
  databaseUrl?: string;
  /** PGlite data directory, created if missing (ignored with `databaseUrl`). `"memory://"` = throwaway. */
  dataDir: string;
  /** Aborting gives up opening (and closes whatever was opened). */
  signal?: AbortSignal;
}

/** Opens and checks the database; rejects with {@linkcode DatabaseConnectionError} when unreachable. */
export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  opts.signal?.throwIfAborted();
  const db = opts.databaseUrl
    ? createPostgresDatabase(opts.databaseUrl, opts)
    : await openPGlite(opts.dataDir);
  try {
    await abortable(db.query("select 1"), opts.signal);
    return db;
  } catch (error) {
    await db.close().catch(() => {});
    if (opts.signal?.aborted || !opts.databaseUrl || error instanceof DatabaseConnectionError) throw error;
    // Anything failing `select 1` (bad password, unknown database, …) is a connection problem here.
    throw new DatabaseConnectionError(describeTarget(opts.databaseUrl), reasonOf(error), { cause: error });
  }
}

async function openPGlite(dataDir: string): Promise<Database> {
  if (dataDir.startsWith("memory://")) return await createPGliteDatabase(dataDir);
  const absolute = resolve(dataDir);
  await Deno.mkdir(absolute, { recursive: true });
  return await createPGliteDatabase(absolute);
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

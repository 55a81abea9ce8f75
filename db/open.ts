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
  const lock = await lockDataDirectory(absolute);
  let db: Database;
  try {
    db = await createPGliteDatabase(absolute);
  } catch (error) {
    lock.close();
    throw error;
  }
  return {
    ...db,
    close: async () => {
      try {
        await db.close();
      } finally {
        try {
          lock.close(); // releases the lock
        } catch { /* closed by an earlier close() */ }
      }
    },
  };
}

/** The file in a PGlite data directory whose OS lock marks it as in use by one process. */
export const DATA_DIR_LOCK_FILE = "preau.lock";

/** A second process opened a PGlite data directory that another one holds. */
export class DataDirectoryLockedError extends Error {
  constructor(readonly dataDir: string, holder: string) {
    super(
      `the embedded database in ${dataDir} is already used by another Préau process${holder}. ` +
        "Two processes on one PGlite data directory would overwrite each other's messages: stop the other " +
        "process first, or give this one its own PREAU_DATA_DIR (or a DATABASE_URL shared by all instances)",
    );
    this.name = "DataDirectoryLockedError";
  }
}

/**
 * Takes an exclusive OS lock (`flock`) on `<dataDir>/preau.lock` for as long as the returned file is
 * open. The kernel releases it when the process dies, however it dies, so a crash never leaves a
 * stale lock behind; the pid written inside only serves the message of a refused second start.
 */
async function lockDataDirectory(dataDir: string): Promise<Deno.FsFile> {
  const path = `${dataDir}/${DATA_DIR_LOCK_FILE}`;
  const file = await Deno.open(path, { read: true, write: true, create: true });
  try {
    if (!(await file.tryLock(true))) {
      const pid = (await Deno.readTextFile(path).catch(() => "")).trim();
      throw new DataDirectoryLockedError(dataDir, /^\d+$/.test(pid) ? ` (pid ${pid})` : "");
    }
    await file.truncate(0);
    await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
    return file;
  } catch (error) {
    file.close();
    throw error;
  }
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

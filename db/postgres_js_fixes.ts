/**
 * Workarounds for postgres.js 3.4.9 connection defects that the fault suite and
 * `tests/db_pool_poisoning_test.ts` found under Deno; each is installed by `postgres_adapter.ts`.
 * Remove one when postgres.js fixes it and that test still passes without it.
 *
 * 1. **A wedged slot** ({@linkcode STARTUP_PADDING}). `write()` gathers writes under 1 024 bytes in
 *    `chunk` and flushes them from `setImmediate(nextWrite)`, and only `nextWrite` resets `chunk` and
 *    the timer handle. When the socket closes before that immediate runs (a database restart, a
 *    terminated backend, a cut network), `closed()` cancels the immediate but leaves both set, and
 *    the same connection object is reused: its StartupMessage is appended to the stale `chunk` and,
 *    the handle being non-null, never sent. PostgreSQL logs "connection received" and waits, the
 *    client waits too, and every query queued on that slot fails with `CONNECT_TIMEOUT` 5 s later
 *    (503s for REST reads; a SIGSTOP fault run's PostgreSQL log showed the startup never sent). Padding
 *    the StartupMessage past 1 024 bytes makes `write` flush it synchronously through `nextWrite`,
 *    which resets the state: a wedged slot sends its stale bytes first, the server refuses them at
 *    once ("invalid length of startup packet"), and the pool reconnects within milliseconds. It
 *    does not cover TLS, whose first write is the 8-byte SSLRequest.
 * 2. **A query lost between `error` and `close`** ({@linkcode connectionSocket}). A socket
 *    error rejects the connection's queries at once, but the socket's `close` comes a few ticks
 *    later, and `closed(hadError = true)` then rejects nothing. A query executed in between (a
 *    caller reacting to the first rejection, a request arriving meanwhile) is written into the dead
 *    connection and kept as its current query across the reconnect, where the new session's first
 *    ReadyForQuery resolves it with an empty result: a statement that never ran reported as done,
 *    and the slot's later queries stall. Emitting the error together with `close` closes the window:
 *    the pool sees the connection fail and close in one step, and every query on it is rejected.
 * 3. **A write to a closed socket** ({@linkcode guardPostgresWrites}). A batched write whose
 *    immediate runs after the socket is gone calls `write` on `null` and throws from a timer, an
 *    uncaught exception that ended the process (`pg_terminate_backend`, `pg_ctl restart`).
 * 4. **A stray rejection** ({@linkcode absorbStrayConnectionRejections}). A (re)connection attempt
 *    that fails while the server is down sometimes rejects a promise nobody holds
 *    (`Uncaught (in promise) Error: connect ECONNREFUSED`), which ends a Deno process.
 * 5. **A stale server error** ({@linkcode connectionSocket}). A connection closed with a query in
 *    flight keeps that query and the server's last ErrorResponse (only a ReadyForQuery resets them),
 *    and the next session on that slot, seconds or minutes later, reads its first ReadyForQuery
 *    as the end of the old query and fails its own first query with the old error. After a
 *    `pg_terminate_backend` or a server shutdown ("terminating connection due to administrator
 *    command", 57P01) an innocent request then answered 503 long after the database was back (the
 *    SIGSTOP fault scenario, run after `pool_terminated`, failed on it). A FATAL ErrorResponse
 *    always ends the session, so the socket turns it into its own error before postgres.js reads
 *    it: the queries on the connection are rejected with it, and no stale error is left behind.
 *    Not on TLS connections, whose stream is encrypted.
 *
 * The guards of 3 and 4 drop exactly those errors, recognised by message and origin, with one log
 * line; every other uncaught error or unhandled rejection still ends the process.
 */
import net from "node:net";
import { Buffer } from "node:buffer";
import postgres from "postgres";
import { isConnectionFailure, reasonOf } from "./errors.ts";
import { type ErrorFields, FatalWatch } from "./postgres_fatal_watch.ts";

/**
 * A startup parameter that only pads the StartupMessage past postgres.js's 1 024-byte batching
 * threshold (defect 1). A dotted name is a custom placeholder setting: PostgreSQL accepts it without
 * any extension, and nothing reads it.
 */
export const STARTUP_PADDING: Readonly<Record<string, string>> = {
  "preau.startup_padding": "x".repeat(1024),
};

/** The part of postgres.js's parsed options its `socket` option receives that a connection needs. */
export interface SocketTarget {
  host: string[];
  port: number[];
  /** A Unix socket path, when the URL's host is a directory. */
  path?: string | false;
  /** Set when the URL asks for TLS: the stream is then encrypted and not watched (defect 5). */
  ssl?: unknown;
}

/**
 * postgres.js's `socket` option (defects 2 and 5): a TCP (or Unix) socket to the first host, still
 * connecting (postgres.js writes its startup at once and the socket sends it once connected, under
 * postgres.js's own `connect_timeout`), whose `error` event is held back and emitted immediately
 * before its `close`, and on which a FATAL ErrorResponse from the server is that error. Préau's
 * URLs name one host; a multi-host URL would only ever reach the first.
 */
export function connectionSocket(target: SocketTarget): net.Socket {
  const socket = target.path
    ? net.connect(target.path)
    : net.connect(target.port[0] ?? 5432, target.host[0] ?? "localhost");
  const watch = target.ssl ? undefined : new FatalWatch();
  const emit = socket.emit.bind(socket);
  let held: unknown;
  socket.emit = ((event: string | symbol, ...args: unknown[]) => {
    if (event === "data" && watch !== undefined) {
      const { pass, fatal } = watch.feed(args[0] as Uint8Array);
      if (pass.length > 0) emit("data", Buffer.from(pass.buffer, pass.byteOffset, pass.length));
      if (fatal !== undefined) socket.destroy(fatalError(fatal));
      return true;
    }
    if (event === "error") {
      held ??= args[0];
      // An error always ends in `close` (destroying twice is harmless), so it is never held forever.
      socket.destroy();
      return true;
    }
    if (event === "close" && held !== undefined) {
      const error = held;
      held = undefined;
      emit("error", error);
    }
    return emit(event, ...args);
  }) as typeof socket.emit;
  return socket;
}

/** The server's FATAL message as the same error postgres.js would have made of it. */
function fatalError(fields: ErrorFields): Error {
  // deno-lint-ignore no-explicit-any
  return new postgres.PostgresError(fields as any);
}

let guarding = false;

/** Installs the guard of defect 3 once per process (idempotent). */
export function guardPostgresWrites(log: (line: string) => void = console.warn): void {
  if (guarding || typeof globalThis.addEventListener !== "function") return;
  guarding = true;
  globalThis.addEventListener("error", (event) => {
    if (isClosedConnectionWrite((event as ErrorEvent).error)) {
      event.preventDefault();
      log("database: dropped a write to a connection that had just closed; the pool reconnects it");
    }
  });
}

/** Whether `error` is postgres.js writing to a connection whose socket is already gone. */
export function isClosedConnectionWrite(error: unknown): boolean {
  return error instanceof TypeError && /\(reading 'write'\)/.test(error.message) &&
    /postgres\/src\/connection\.js/.test(error.stack ?? "");
}

let absorbing = false;

/** Installs the guard of defect 4 once per process (idempotent); the pool retries such a connection. */
export function absorbStrayConnectionRejections(log: (line: string) => void = console.warn): void {
  if (absorbing || typeof globalThis.addEventListener !== "function") return;
  absorbing = true;
  globalThis.addEventListener("unhandledrejection", (event) => {
    if (!isConnectionFailure(event.reason)) return;
    event.preventDefault();
    log(`database: a lost connection attempt was absorbed (${JSON.stringify(reasonOf(event.reason))})`);
  });
}

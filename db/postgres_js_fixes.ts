/**
 * A guard against one postgres.js 3.4.9 defect that ends the whole process. A small write is batched
 * with `setImmediate(nextWrite)`; when the connection closes before that immediate runs (a database
 * restart, a terminated backend), `nextWrite` calls `socket.write` on `null` and throws from a timer,
 * an uncaught exception (found by the fault suite: `pg_terminate_backend` of the pool connections and
 * `pg_ctl restart` killed an instance in about one run in two). The write belonged to a connection
 * that is already gone, whose queries fail like any other on it, so this one error, recognised by
 * its message and its origin in postgres.js's `connection.js`, is dropped with one log line; every
 * other uncaught error still ends the process.
 */

let installed = false;

/** Installs the guard once per process (idempotent). */
export function guardPostgresWrites(log: (line: string) => void = console.warn): void {
  if (installed || typeof globalThis.addEventListener !== "function") return;
  installed = true;
  globalThis.addEventListener("error", (event) => {
    if (isClosedConnectionWrite((event as ErrorEvent).error)) {
      event.preventDefault();
      log("database: dropped a write to a connection that had just closed; its queries fail and are retried");
    }
  });
}

/** Whether `error` is postgres.js writing to a connection whose socket is already gone. */
export function isClosedConnectionWrite(error: unknown): boolean {
  return error instanceof TypeError && /\(reading 'write'\)/.test(error.message) &&
    /postgres\/src\/connection\.js/.test(error.stack ?? "");
}

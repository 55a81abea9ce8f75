/**
 * Errors the database layer raises itself, and helpers to read the errors PostgreSQL raises. Both
 * adapters surface server errors unchanged (postgres.js `PostgresError`, PGlite `DatabaseError`); both
 * carry the SQLSTATE in `code`, which {@linkcode sqlState} reads without caring which adapter threw.
 */

/**
 * The PostgreSQL server could not be reached or refused us; the message says what to check. An
 * outage is an expected state, so this error prints as ONE line wherever it is logged: no stack
 * (the driver's internals say nothing useful) and no `cause` chain; the driver's code is kept.
 */
export class DatabaseConnectionError extends Error {
  /** `host:port` of the server. */
  declare readonly target: string;
  /** The driver's code (`ECONNREFUSED`, `57P03`, `CONNECTION_CLOSED`, …), when it had one. */
  declare readonly driverCode: string | undefined;

  constructor(target: string, reason: string, options?: ErrorOptions) {
    super(
      `cannot reach PostgreSQL at ${target}: ${reason}. Check DATABASE_URL and that the server accepts connections`,
    );
    this.name = "DatabaseConnectionError";
    const code = (options?.cause as { code?: unknown } | undefined)?.code;
    // Not enumerable, so that a logged error stays on one line.
    Object.defineProperties(this, {
      target: { value: target },
      driverCode: { value: typeof code === "string" ? code : undefined },
    });
    this.stack = `${this.name}: ${this.message}`;
  }
}

/**
 * A database method was used in a way that can only hang or fail, e.g. `db.query` inside
 * `db.transaction` on the single-connection PGlite; the message says what to do instead.
 */
export class DatabaseUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatabaseUsageError";
  }
}

/** The SQLSTATE of a server error (e.g. `"23505"` for a unique violation), or `undefined`. */
export function sqlState(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  const code = (error as { code: unknown }).code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** `host:port` of a `postgres://` URL, without credentials, for messages. */
export function describeTarget(url: string): string {
  try {
    const parsed = new URL(url);
    // `?host=/run/postgresql` (a Unix socket folder) overrides the URL's host, as in libpq.
    const host = parsed.searchParams.get("host") || decodeURIComponent(parsed.hostname) || "localhost";
    return `${host}:${parsed.port || "5432"}`;
  } catch {
    return "an unparseable DATABASE_URL";
  }
}

/** postgres.js and Node-style socket error codes that mean "the connection failed", not "the SQL failed". */
const CONNECTION_CODES = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "EPIPE",
]);

/** Whether `error` is a failure to connect or a lost connection rather than an error in the SQL. */
export function isConnectionFailure(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  if (error instanceof Deno.errors.ConnectionRefused || error instanceof Deno.errors.ConnectionReset) {
    return true;
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && CONNECTION_CODES.has(code)) return true;
  // SQLSTATE class 08 is "connection exception"; 57P01..57P03 are admin shutdown / cannot connect now.
  return typeof code === "string" && (/^08...$/.test(code) || /^57P0[123]$/.test(code));
}

/**
 * Whether `error` means "the database cannot answer right now" rather than "this request is wrong":
 * a lost or refused connection (also wrapped, as {@linkcode DatabaseConnectionError} or in `cause`),
 * a statement cancelled by `statement_timeout` (57014), or a client-side timeout waiting for the
 * server (`TimeoutError` of `util/timeout.ts`). Such a request may be repeated as it was.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== "object" || error === null || depth > 3) return false;
  if (error instanceof DatabaseConnectionError || isConnectionFailure(error)) return true;
  if (sqlState(error) === "57014" || (error as { name?: unknown }).name === "TimeoutError") return true;
  return isDatabaseUnavailable((error as { cause?: unknown }).cause, depth + 1);
}

/** A short human reason from any error (message, falling back to code). */
export function reasonOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return error.message || (typeof code === "string" ? code : error.name);
  }
  return String(error);
}

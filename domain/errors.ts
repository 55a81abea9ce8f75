/**
 * The one error type business rules throw. Every layer above (REST handlers, the WebSocket hub)
 * turns an {@linkcode AppError} into the wire shape `{"error":{"code","message"}}` with
 * {@linkcode errorBody}. The codes and their statuses are the contract's (`protocol/errors.ts`); the
 * messages are for people and say what to do next.
 *
 * Anything that is not an `AppError` is a bug or an outage and must surface as `internal`
 * without leaking its message; see {@linkcode toAppError}.
 */

import { ERROR_STATUS, errorBody, type ErrorCode } from "../protocol/errors.ts";
import { isDatabaseUnavailable, reasonOf, sqlState } from "../db/errors.ts";

export { ERROR_STATUS, errorBody, type ErrorCode };

/** Extra details an error may carry. */
export interface AppErrorOptions {
  /** For `rate_limited`: whole seconds until trying again can succeed (sent as `Retry-After`). */
  retryAfterSeconds?: number;
  /** The underlying error, kept for logs; never sent to clients. */
  cause?: unknown;
}

/** An expected failure with a stable `code`, its HTTP `status` and a message for people. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.retryAfterSeconds = options.retryAfterSeconds === undefined
      ? undefined
      : Math.max(1, Math.ceil(options.retryAfterSeconds));
  }
}

/** True when `value` is an {@linkcode AppError}, optionally of one `code`. */
export function isAppError(value: unknown, code?: ErrorCode): value is AppError {
  return value instanceof AppError && (code === undefined || value.code === code);
}

/**
 * Returns `error` itself when it is an `AppError`; a PostgreSQL data exception (SQLSTATE class
 * 22: 22021 a NUL in text, 22P02 a malformed uuid or number, 22003 out of range, …) as
 * `bad_request`, since a value the client sent caused it; a database that cannot answer right now
 * (restart, lost connection, timeout) as {@linkcode unavailable}, which clients retry; otherwise an
 * `internal` error. All keep the original as `cause` for the logs and show clients only a generic
 * message.
 */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (isDatabaseUnavailable(error)) return unavailable({ cause: error });
  if (isDataException(error)) {
    return new AppError(
      "bad_request",
      "A value in this request cannot be stored or compared (e.g. a NUL character or a malformed number); correct it and try again.",
      { cause: error },
    );
  }
  return new AppError("internal", "Something went wrong on our side; try again in a moment.", {
    cause: error,
  });
}

/**
 * {@linkcode toAppError}, logging what deserves it: nothing for an `AppError` (a client mistake
 * is not news) nor for `unavailable` (an outage is an expected state: the database adapter logs one
 * line when it begins and one when it ends), ONE line for a data exception (the input was bad, but a schema check is missing
 * before the database: add it), the stack for anything else (a bug or an outage).
 */
export function reportFailure(error: unknown, context: string): AppError {
  const appError = toAppError(error);
  if (error instanceof AppError) return appError;
  if (appError.code === "unavailable") return appError;
  if (appError.code === "internal") {
    console.error(`${context} failed:`, error);
  } else {
    // JSON-quoted: PostgreSQL echoes the bad value, which must not add lines to the log.
    console.warn(
      `${context}: answered 400, PostgreSQL refused a value (SQLSTATE ${sqlState(error)}): ${
        JSON.stringify(reasonOf(error))
      }; validate this field before it reaches SQL`,
    );
  }
  return appError;
}

/** SQLSTATE class 22, "data exception": the value, not the query or the server, is at fault. */
function isDataException(error: unknown): boolean {
  return sqlState(error)?.startsWith("22") ?? false;
}

/** `400 bad_request`: the request itself is malformed; `message` names the field. */
export function badRequest(message: string): AppError {
  return new AppError("bad_request", message);
}

/** `401 unauthorized`: no valid session. */
export function unauthorized(
  message = "You are not signed in, or your session has ended; sign in again.",
): AppError {
  return new AppError("unauthorized", message);
}

/** `401 invalid_credentials`: the same answer for an unknown email and a wrong password. */
export function invalidCredentials(): AppError {
  return new AppError("invalid_credentials", "Email or password is incorrect; check both and try again.");
}

/** `403 forbidden` at login: the password is right but an admin deactivated the account. */
export function accountDeactivated(): AppError {
  return new AppError(
    "forbidden",
    "This account is deactivated; ask your school's office (an admin of your establishment) to reactivate it.",
  );
}

/** `403 forbidden`: the caller is known but may not do this. */
export function forbidden(message: string): AppError {
  return new AppError("forbidden", message);
}

/** `404 not_found`: absent, or present but none of the caller's business (no existence oracle). */
export function notFound(message: string): AppError {
  return new AppError("not_found", message);
}

/** `413 too_large`: the content is over a documented size limit. */
export function tooLarge(message: string): AppError {
  return new AppError("too_large", message);
}

/** `415 unsupported_media_type`: the body is not in the format the endpoint reads. */
export function unsupportedMediaType(message: string): AppError {
  return new AppError("unsupported_media_type", message);
}

/** Seconds a client is told to wait before repeating a request refused as `unavailable`. */
export const UNAVAILABLE_RETRY_SECONDS = 1;

/**
 * `503 unavailable` (with `Retry-After`): the database cannot answer for a moment (restart, lost
 * connection). Nothing was done; the same request (a send with the same `clientId`) may be repeated.
 */
export function unavailable(options: { cause?: unknown; message?: string } = {}): AppError {
  return new AppError(
    "unavailable",
    options.message ??
      "The service is briefly unavailable (its database is restarting); try again in a moment — a message sent again with the same clientId is stored once.",
    { retryAfterSeconds: UNAVAILABLE_RETRY_SECONDS, cause: options.cause },
  );
}

/** `429 rate_limited`: too many attempts; try again after `retryAfterSeconds`. */
export function rateLimited(retryAfterSeconds: number, message?: string): AppError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return new AppError(
    "rate_limited",
    message ?? `Too many attempts; wait ${seconds} second${seconds === 1 ? "" : "s"} and try again.`,
    { retryAfterSeconds: seconds },
  );
}

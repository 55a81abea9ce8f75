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
 * Returns `error` itself when it is an `AppError`, otherwise an `internal` error that keeps the
 * original as `cause` for the logs but shows clients only a generic message.
 */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  return new AppError("internal", "Something went wrong on our side; try again in a moment.", {
    cause: error,
  });
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

/** `429 rate_limited`: too many attempts; try again after `retryAfterSeconds`. */
export function rateLimited(retryAfterSeconds: number, message?: string): AppError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return new AppError(
    "rate_limited",
    message ?? `Too many attempts; wait ${seconds} second${seconds === 1 ? "" : "s"} and try again.`,
    { retryAfterSeconds: seconds },
  );
}

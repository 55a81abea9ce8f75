/**
 * The error vocabulary of the wire contract: every `code` a REST answer (`{"error":{"code","message"}}`)
 * or a WebSocket `error` frame can carry, with its HTTP status. Codes are stable and only ever added;
 * the same code has the same status everywhere. Server code throws them as `AppError`
 * (`domain/errors.ts`); clients branch on them.
 */
import * as v from "valibot";

/** HTTP status of every stable error code. */
export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  gone: 410,
  too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
  /** Past the server's capacity: nothing was stored; send again later with the same clientId. */
  overloaded: 503,
} as const;

/** A stable, machine-readable error code of the wire contract. */
export type ErrorCode = keyof typeof ERROR_STATUS;

/** Every error code, for schemas and tests. */
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

/** An error code as received: a client keeps codes it does not know yet as plain strings. */
export const errorCode = v.string();

/** The body of every REST error answer. */
export const errorBodySchema = v.object({
  error: v.object({ code: errorCode, message: v.string() }),
});

/** The wire body of an error: `{"error":{"code","message"}}`. */
export function errorBody(code: ErrorCode, message: string): { error: { code: ErrorCode; message: string } } {
  return { error: { code, message } };
}

/** Small response helpers shared by REST handlers and middleware. */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import {
  AppError,
  ERROR_STATUS,
  errorBody,
  type ErrorCode,
  reportFailure,
  toAppError,
  unsupportedMediaType,
} from "../domain/errors.ts";
import { HttpError } from "../framework/mod.ts";

/** A JSON response with `status` (default 200) and no caching: API answers are per-user. */
export function json(data: unknown, status = 200, headers: HeadersInit = {}): Response {
  const h = new Headers(headers);
  h.set("content-type", "application/json; charset=utf-8");
  h.set("cache-control", "no-store");
  return new Response(JSON.stringify(data), { status, headers: h });
}

/**
 * The wire answer for any thrown value: an {@linkcode AppError} keeps its code and message; a
 * PostgreSQL data exception is `400 bad_request` (logged as one line); anything else is logged
 * and answered as `500 internal` without leaking details (see `reportFailure`).
 */
export function errorResponse(error: unknown, context = "request"): Response {
  const appError = reportFailure(error, context);
  const headers: Record<string, string> = {};
  if (appError.retryAfterSeconds !== undefined) headers["retry-after"] = String(appError.retryAfterSeconds);
  return json(errorBody(appError.code, appError.message), appError.status, headers);
}

/**
 * Refuses request bodies over `maxBytes` (default 64 KiB) with `413 too_large`, whether the size is
 * announced (`Content-Length`) or streamed: hono's `bodyLimit` stops reading at the limit.
 */
export function limitBodies(maxBytes = 64 * 1024): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () =>
      errorResponse(new AppError("too_large", `The request body is over ${maxBytes} bytes; send less.`)),
  });
}

/**
 * The framework's own errors on `/api` (no route, a wrong method, a failure outside the API
 * middleware) in the contract's vocabulary: the code of their status, `internal` from 500 on.
 */
export function apiErrorAnswer(status: number, message: string, _error: unknown, headers: Headers): Response {
  const codes = Object.keys(ERROR_STATUS) as ErrorCode[];
  // 503 is the one 5xx of the vocabulary with a meaning of its own (`unavailable`: retry).
  const code = status >= 500 && status !== 503
    ? "internal"
    : codes.find((c) => ERROR_STATUS[c] === status) ?? "bad_request";
  return json(errorBody(code, message), status, headers);
}

/** `application/json`, alone or with a UTF-8 `charset` (any case, optional quotes and spaces). */
const JSON_MEDIA_TYPE = /^\s*application\/json\s*(;\s*charset\s*=\s*("?)utf-8\2\s*)?$/i;

/**
 * Refuses, with `415 unsupported_media_type`, a body not declared as JSON: JSON endpoints read
 * only `Content-Type: application/json` (optionally `; charset=utf-8`). Form and `text/plain`
 * bodies are what a foreign page can post without CORS, and a body without a type is a client
 * bug that would otherwise be read by guesswork.
 */
export function requireJsonContentType(req: Request): void {
  const type = req.headers.get("content-type");
  if (type !== null && JSON_MEDIA_TYPE.test(type)) return;
  throw unsupportedMediaType(
    type === null
      ? "content-type: missing; send the body as JSON with Content-Type: application/json."
      : `content-type: ${
        JSON.stringify(type.slice(0, 100))
      } is not accepted; send the body as JSON with Content-Type: application/json.`,
  );
}

/**
 * Reads a JSON body: `415 unsupported_media_type` unless it is declared as JSON, `400
 * bad_request` for a missing or malformed one. Its size is bounded by {@linkcode limitBodies},
 * mounted on the whole app.
 */
export async function readJson(req: Request): Promise<unknown> {
  requireJsonContentType(req);
  const text = await req.text();
  if (text.trim() === "") throw new AppError("bad_request", "body: expected a JSON object");
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("bad_request", "body: is not valid JSON");
  }
}

/** The query string as a plain object (last value wins), for schema validation. */
export function queryObject(url: URL): Record<string, string> {
  return Object.fromEntries(url.searchParams.entries());
}

/**
 * What a page answers for an error its route threw: a database outage is an expected state, so the
 * page says "try again in a moment" with `503` and `Retry-After`, and nothing is logged (the database
 * adapter logs one line when the outage begins and one when it ends). Anything else is left to the
 * framework's error page (a 500 is logged with its stack).
 */
export function pageError(error: unknown): unknown {
  if (error instanceof HttpError) return error;
  const appError = toAppError(error);
  if (appError.code !== "unavailable") return error;
  return new HttpError(appError.status, appError.message, {
    code: appError.code,
    headers: { "retry-after": String(appError.retryAfterSeconds ?? 1) },
    cause: error,
  });
}

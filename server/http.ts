/** Small response helpers shared by REST handlers and middleware. */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { AppError, ERROR_STATUS, errorBody, type ErrorCode, toAppError } from "../domain/errors.ts";

/** A JSON response with `status` (default 200) and no caching: API answers are per-user. */
export function json(data: unknown, status = 200, headers: HeadersInit = {}): Response {
  const h = new Headers(headers);
  h.set("content-type", "application/json; charset=utf-8");
  h.set("cache-control", "no-store");
  return new Response(JSON.stringify(data), { status, headers: h });
}

/**
 * The wire answer for any thrown value: an {@linkcode AppError} keeps its code and message;
 * anything else is logged and answered as `500 internal` without leaking details.
 */
export function errorResponse(error: unknown, context = "request"): Response {
  const appError = toAppError(error);
  if (!(error instanceof AppError)) console.error(`${context} failed:`, error);
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
  const code = status >= 500 ? "internal" : codes.find((c) => ERROR_STATUS[c] === status) ?? "bad_request";
  return json(errorBody(code, message), status, headers);
}

/**
 * Reads a JSON body, answering `400 bad_request` for a missing or malformed one. Its size is bounded
 * by {@linkcode limitBodies}, mounted on the whole app.
 */
export async function readJson(req: Request): Promise<unknown> {
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

/**
 * HTTP errors and the framework's own error answers. Paths the app declares JSON (the `jsonPaths`
 * option of `mountFsRoutes`, e.g. a REST API) never answer HTML: they get
 * `{"error":{"code","message"}}`. Elsewhere the answer is the app's error page, or plain text.
 */

/** Options of {@linkcode HttpError}. */
export interface HttpErrorOptions extends ErrorOptions {
  /** The JSON error code; default from the status (`404` → `not_found`, see {@linkcode errorCode}). */
  code?: string;
  /** Headers of the answer, e.g. `Allow` for a 405. */
  headers?: HeadersInit;
}

/**
 * Thrown by a handler or middleware to answer `status` through the error page (`_error`, or
 * `_404` for a 404), as Fresh 2's `HttpError`. Below 500 its message is shown to the user; from
 * 500 on it is logged and replaced by a generic one.
 */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: HeadersInit | undefined;

  constructor(status: number, message?: string, options: HttpErrorOptions = {}) {
    super(message ?? STATUS_TEXT[status] ?? `HTTP ${status}`, options);
    this.name = "HttpError";
    this.status = status;
    this.code = options.code ?? errorCode(status);
    this.headers = options.headers;
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  410: "Gone",
  413: "Content Too Large",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

const CODES: Record<number, string> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  409: "conflict",
  410: "gone",
  413: "too_large",
  429: "rate_limited",
  503: "unavailable",
};

/** The JSON error code of a status when the error gives none. */
export function errorCode(status: number): string {
  return CODES[status] ?? (status >= 500 ? "internal_error" : "bad_request");
}

/** A JSON error body `{"error":{"code","message"}}`, never cached. */
export function jsonError(status: number, code: string, message: string, headers?: HeadersInit): Response {
  const response = Response.json({ error: { code, message } }, { status, headers });
  response.headers.set("cache-control", "no-store");
  return response;
}

/** The message a user may see for `error` answered with `status`: nothing internal from 500 on. */
export function publicMessage(error: unknown, status: number): string {
  if (status >= 500) return "an unexpected error occurred; try again later";
  return error instanceof Error ? error.message : STATUS_TEXT[status] ?? `HTTP ${status}`;
}

/**
 * How a JSON path answers an error the framework handles (no route, a wrong method, a thrown
 * `HttpError` or an unexpected error): `message` is safe to show, `headers` come from the error.
 */
export type JsonErrorAnswer = (status: number, message: string, error: unknown, headers: Headers) => Response;

/** The default {@linkcode JsonErrorAnswer}: `{"error":{"code","message"}}`, the code from the error or its status. */
export const defaultJsonError: JsonErrorAnswer = (status, message, error, headers) => {
  const code = error instanceof HttpError && status < 500 ? error.code : errorCode(status);
  return jsonError(status, code, message, headers);
};

/** The answer without an error page: `json` on JSON paths, plain text elsewhere. */
export function plainError(status: number, error: unknown, json: JsonErrorAnswer | undefined): Response {
  const message = publicMessage(error, status);
  const headers = new Headers(error instanceof HttpError ? error.headers : undefined);
  if (json) return json(status, message, error, headers);
  headers.set("content-type", "text/plain; charset=utf-8");
  return new Response(`${STATUS_TEXT[status] ?? `HTTP ${status}`}: ${message}`, { status, headers });
}

/** The 404 of a URL no route answers. */
export function notFoundError(url: URL, method: string): HttpError {
  return new HttpError(404, `no route matches ${method} ${url.pathname}`);
}

/** The 405 of a route without a handler for `method`, with its `Allow` header. */
export function methodNotAllowedError(url: URL, method: string, allow: string[]): HttpError {
  return new HttpError(405, `${method} is not allowed on ${url.pathname}; use ${allow.join(", ")}`, {
    headers: { allow: allow.join(", ") },
  });
}

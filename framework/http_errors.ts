/** Error responses in the shapes the rest of Préau expects: `{"error":{"code","message"}}` under `/api/`. */

/** Whether a path is part of the JSON API (`/api` and below), which never answers HTML. */
export function isApiPath(pathname: string): boolean {
  return pathname === "/api" || pathname.startsWith("/api/");
}

/** A JSON error body `{"error":{"code","message"}}`. */
export function jsonError(status: number, code: string, message: string, headers?: HeadersInit): Response {
  const response = Response.json({ error: { code, message } }, { status, headers });
  response.headers.set("cache-control", "no-store");
  return response;
}

/** 405 with the `Allow` header; JSON under `/api/`, plain text elsewhere. */
export function methodNotAllowed(url: URL, method: string, allow: string[]): Response {
  const headers = { allow: allow.join(", ") };
  const message = `${method} is not allowed on ${url.pathname}; use ${allow.join(", ")}`;
  if (isApiPath(url.pathname)) return jsonError(405, "method_not_allowed", message, headers);
  return new Response(message, {
    status: 405,
    headers: { ...headers, "content-type": "text/plain; charset=utf-8" },
  });
}

/** 404 without a `_404` page; JSON under `/api/`. */
export function plainNotFound(url: URL, method: string): Response {
  const message = `no route matches ${method} ${url.pathname}`;
  if (isApiPath(url.pathname)) return jsonError(404, "not_found", message);
  return new Response(`Not Found: ${message}`, {
    status: 404,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

/** 500 that reveals nothing about the error (it is logged instead). */
export function plainServerError(url: URL): Response {
  const message = "an unexpected error occurred; try again later";
  if (isApiPath(url.pathname)) return jsonError(500, "internal_error", message);
  return new Response(`Internal Server Error: ${message}`, {
    status: 500,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

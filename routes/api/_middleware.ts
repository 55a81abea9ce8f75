/**
 * Every `/api/` request: refuse cross-origin unsafe methods, verify the session (except for
 * login), renew the cookie when the session slid forward, and turn thrown errors into the wire
 * shape `{"error":{"code","message"}}`.
 */
import { AppError } from "@/domain/errors.ts";
import { errorResponse } from "@/server/http.ts";
import { isSameOriginOrAllowed, isUnsafeMethod } from "@/server/origin.ts";
import { authenticate, notSignedIn } from "@/server/session.ts";
import { define } from "@/server/define.ts";

/** Paths reachable without a session. */
const PUBLIC_PATHS = new Set([
  "/api/auth/login",
  "/api/setup",
  "/api/auth/password-reset",
  "/api/auth/password-reset/complete",
  // Checks the session itself: a new account has none, an existing one must be signed in.
  "/api/invitations/accept",
]);

export const handler = define.middleware(async (ctx): Promise<Response> => {
  const { services } = ctx.state;
  try {
    if (isUnsafeMethod(ctx.req.method) && !isSameOriginOrAllowed(ctx.req, services.originPolicy)) {
      throw new AppError("forbidden", "This request came from another site; use Préau from its own address.");
    }
    if (!PUBLIC_PATHS.has(ctx.url.pathname)) {
      const session = await authenticate(ctx.hono, services);
      if (session === undefined) throw notSignedIn();
      ctx.state.user = session.user;
      ctx.state.sessionId = session.sessionId;
    }
    const res = await ctx.next();
    return res;
  } catch (err) {
    return errorResponse(err, `${ctx.req.method} ${ctx.url.pathname}`);
  }
});

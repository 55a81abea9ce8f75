import type { RouteContext } from "../../../framework/mod.ts";
import { loginBody, parseInput } from "../../../domain/schemas.ts";
import { json, readJson } from "../../../server/http.ts";
import { setSessionCookie } from "../../../server/session_cookie.ts";
import type { AppState } from "../../../server/state.ts";

export const handler = {
  /** `POST /api/auth/login` `{"email","password"}` → `200 {"user"}` and the session cookie. */
  async POST(ctx: RouteContext<AppState>): Promise<Response> {
    const body = parseInput(loginBody, await readJson(ctx.req));
    const { services } = ctx.state;
    const env = ctx.hono.env as { remoteAddr?: { hostname?: string } } | undefined;
    const address = env?.remoteAddr?.hostname ?? "unknown";
    const session = await services.auth.login(
      body.email,
      body.password,
      address,
      ctx.req.headers.get("user-agent") ?? undefined,
    );
    setSessionCookie(ctx.hono, session.token, {
      expiresAt: session.expiresAt,
      publicUrl: services.originPolicy.publicUrl,
    });
    return json({ user: session.user });
  },
};

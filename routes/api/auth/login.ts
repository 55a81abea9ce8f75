import type { RouteContext } from "../../../framework/mod.ts";
import { json, readJson } from "../../../server/http.ts";
import { signIn } from "../../../server/session.ts";
import type { AppState } from "../../../server/state.ts";

export const handler = {
  /** `POST /api/auth/login` `{"email","password"}` → `200 {"user"}` and the session cookie. */
  async POST(ctx: RouteContext<AppState>): Promise<Response> {
    const session = await signIn(ctx.hono, ctx.state.services, await readJson(ctx.req));
    return json({ user: session.user });
  },
};

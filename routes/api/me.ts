import type { RouteContext } from "../../framework/mod.ts";
import { json } from "../../server/http.ts";
import type { SignedInState } from "../../server/state.ts";

export const handler = {
  /** `GET /api/me` → `{"user","memberships"}`. */
  async GET(ctx: RouteContext<SignedInState>): Promise<Response> {
    return json(await ctx.state.services.auth.me(ctx.state.user.id));
  },
};

import { json } from "@/server/http.ts";
import { defineSignedIn } from "@/server/define.ts";

export const handler = defineSignedIn.handlers({
  /** `GET /api/me` → `{"user","memberships"}`. */
  async GET(ctx): Promise<Response> {
    return json(await ctx.state.services.auth.me(ctx.state.user.id));
  },
});

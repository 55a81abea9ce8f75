import { readJson } from "@/server/http.ts";
import { define } from "@/server/define.ts";

export const handler = define.handlers({
  /**
   * `POST /api/auth/password-reset/complete {"token","password"}` → `204`: the password is changed and
   * every session of the account ended; `410 gone` for a used, replaced or expired link.
   */
  async POST(ctx): Promise<Response> {
    await ctx.state.services.passwordReset.complete(await readJson(ctx.req));
    return new Response(null, { status: 204 });
  },
});

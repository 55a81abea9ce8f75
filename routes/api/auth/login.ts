import { json, readJson } from "@/server/http.ts";
import { signIn } from "@/server/session.ts";
import { define } from "@/server/define.ts";

export const handler = define.handlers({
  /** `POST /api/auth/login` `{"email","password"}` → `200 {"user"}` and the session cookie. */
  async POST(ctx): Promise<Response> {
    const session = await signIn(ctx.hono, ctx.state.services, await readJson(ctx.req));
    return json({ user: session.user });
  },
});

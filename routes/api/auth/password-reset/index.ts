import { json, readJson } from "@/server/http.ts";
import { clientAddress } from "@/server/session.ts";
import { define } from "@/server/define.ts";

export const handler = define.handlers({
  /**
   * `POST /api/auth/password-reset {"email"}` → `202`, the same whether or not the address has an
   * account (which then gets a link valid one hour); `429` when asked too often.
   */
  async POST(ctx): Promise<Response> {
    const { services } = ctx.state;
    await services.passwordReset.request(
      await readJson(ctx.req),
      clientAddress(ctx.hono, services.trustedProxies),
    );
    return json({
      message:
        "If an account uses this address, a link to choose a new password is on its way; it works for one hour.",
    }, 202);
  },
});

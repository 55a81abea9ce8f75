import { completeSetup } from "@/domain/setup.ts";
import { json, readJson } from "@/server/http.ts";
import { define } from "@/server/define.ts";
import { clientAddress } from "@/server/session.ts";

export const handler = define.handlers({
  /**
   * `POST /api/setup {"token","establishmentName","adminName","adminEmail","password","locale"?}` →
   * `201 {"establishment","admin"}`; `410 gone` once Préau is set up (see `domain/setup.ts`).
   */
  async POST(ctx): Promise<Response> {
    const { services } = ctx.state;
    const { establishment, admin } = await completeSetup(
      services.db,
      await readJson(ctx.req),
      clientAddress(ctx.hono, services.trustedProxies),
    );
    return json({ establishment, admin }, 201);
  },
});

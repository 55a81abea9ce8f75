import { completeSetup } from "../../domain/setup.ts";
import { json, readJson } from "../../server/http.ts";
import { define } from "../../server/define.ts";

export const handler = define.handlers({
  /**
   * `POST /api/setup {"token","establishmentName","adminName","adminEmail","password","locale"?}` →
   * `201 {"establishment","admin"}`; `410 gone` once Préau is set up (see `domain/setup.ts`).
   */
  async POST(ctx): Promise<Response> {
    const { establishment, admin } = await completeSetup(ctx.state.services.db, await readJson(ctx.req));
    return json({ establishment, admin }, 201);
  },
});

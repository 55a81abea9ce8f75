import { preferenceOf, updatePreference } from "@/domain/mail/settings.ts";
import { json, readJson } from "@/server/http.ts";
import { defineSignedIn } from "@/server/define.ts";
import { badRequest } from "@/domain/errors.ts";

export const handler = defineSignedIn.handlers({
  /** `GET /api/mail/preferences` → `{"digest","dailyHour","timeZone"}`. */
  async GET(ctx): Promise<Response> {
    return json(await preferenceOf(ctx.state.services.db, ctx.state.user.id));
  },
  /** `PUT /api/mail/preferences` `{"digest"?,"dailyHour"?,"timeZone"?}` → the stored preference. */
  async PUT(ctx): Promise<Response> {
    const body = await readJson(ctx.req);
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw badRequest("body: expected a JSON object");
    }
    return json(await updatePreference(ctx.state.services.db, ctx.state.user.id, body));
  },
});

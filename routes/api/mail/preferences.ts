import type { RouteContext } from "../../../framework/mod.ts";
import { preferenceOf, updatePreference } from "../../../domain/mail/settings.ts";
import { json, readJson } from "../../../server/http.ts";
import type { SignedInState } from "../../../server/state.ts";
import { badRequest } from "../../../domain/errors.ts";

export const handler = {
  /** `GET /api/mail/preferences` → `{"digest","dailyHour","timeZone"}`. */
  async GET(ctx: RouteContext<SignedInState>): Promise<Response> {
    return json(await preferenceOf(ctx.state.services.db, ctx.state.user.id));
  },
  /** `PUT /api/mail/preferences` `{"digest"?,"dailyHour"?,"timeZone"?}` → the stored preference. */
  async PUT(ctx: RouteContext<SignedInState>): Promise<Response> {
    const body = await readJson(ctx.req);
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw badRequest("body: expected a JSON object");
    }
    return json(await updatePreference(ctx.state.services.db, ctx.state.user.id, body));
  },
};

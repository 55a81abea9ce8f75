import { hideMessageTextOf, updateHideMessageText } from "@/domain/mail/settings.ts";
import { badRequest } from "@/domain/errors.ts";
import { json, readJson } from "@/server/http.ts";
import { defineSignedIn } from "@/server/define.ts";

export const handler = defineSignedIn.handlers({
  /** `GET /api/mail/settings?establishmentId=` (members) → `{"hideMessageText"}`. */
  async GET(ctx): Promise<Response> {
    const establishmentId = ctx.url.searchParams.get("establishmentId") ?? "";
    return json({
      hideMessageText: await hideMessageTextOf(ctx.state.services.db, ctx.state.user.id, establishmentId),
    });
  },
  /** `PUT /api/mail/settings` `{"establishmentId","hideMessageText"}` (admins) → `204`. */
  async PUT(ctx): Promise<Response> {
    const body = await readJson(ctx.req) as Record<string, unknown> | null;
    if (typeof body?.hideMessageText !== "boolean") {
      throw badRequest("hideMessageText: expected true or false");
    }
    await updateHideMessageText(
      ctx.state.services.db,
      ctx.state.user.id,
      String(body.establishmentId ?? ""),
      body.hideMessageText,
    );
    return new Response(null, { status: 204 });
  },
});

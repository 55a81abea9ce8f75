import { parseInput, recipientsQuery } from "../../domain/schemas.ts";
import { json, queryObject } from "../../server/http.ts";
import { defineSignedIn } from "../../server/define.ts";

export const handler = defineSignedIn.handlers({
  /** `GET /api/recipients?establishmentId=E&q=TEXT` → at most 20 people the caller may write to. */
  async GET(ctx): Promise<Response> {
    const query = parseInput(recipientsQuery, queryObject(ctx.url), "query");
    const { messaging } = ctx.state.services;
    return json({
      recipients: await messaging.searchRecipients(ctx.state.user.id, query.establishmentId, query.q),
    });
  },
});

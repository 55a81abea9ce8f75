import { enforceLimit, LIMITS } from "../../domain/limits.ts";
import { parseInput, recipientsQuery } from "../../domain/schemas.ts";
import { json, queryObject } from "../../server/http.ts";
import { defineSignedIn } from "../../server/define.ts";

export const handler = defineSignedIn.handlers({
  /** `GET /api/recipients?establishmentId=E&q=TEXT` → at most 20 people the caller may write to. */
  async GET(ctx): Promise<Response> {
    const query = parseInput(recipientsQuery, queryObject(ctx.url), "query");
    const { messaging, limits } = ctx.state.services;
    await enforceLimit(limits, LIMITS.recipientSearches, ctx.state.user.id, "Too many searches");
    return json({
      recipients: await messaging.searchRecipients(ctx.state.user.id, query.establishmentId, query.q),
    });
  },
});

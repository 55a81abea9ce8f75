import { enforceLimit, LIMITS } from "../../../domain/limits.ts";
import { conversationsQuery, createConversationBody, parseInput } from "../../../domain/schemas.ts";
import { json, queryObject, readJson } from "../../../server/http.ts";
import { defineSignedIn } from "../../../server/define.ts";

export const handler = defineSignedIn.handlers({
  /** `GET /api/conversations?establishmentId=E` → the caller's conversations there, most recent first. */
  async GET(ctx): Promise<Response> {
    const query = parseInput(conversationsQuery, queryObject(ctx.url), "query");
    const { messaging } = ctx.state.services;
    return json({
      conversations: await messaging.listConversations(ctx.state.user.id, query.establishmentId),
    });
  },

  /** `POST /api/conversations` → `201` when created, `200` with the existing two-person conversation. */
  async POST(ctx): Promise<Response> {
    const body = parseInput(createConversationBody, await readJson(ctx.req));
    const { messaging, limits } = ctx.state.services;
    await enforceLimit(limits, LIMITS.conversationCreations, ctx.state.user.id, "Too many new conversations");
    // When created, the domain publishes it: its members' sockets, on every instance, get a
    // `conversation` frame and then its messages.
    const result = await messaging.createConversation(ctx.state.user.id, body);
    return json({ conversation: result.conversation }, result.created ? 201 : 200);
  },
});

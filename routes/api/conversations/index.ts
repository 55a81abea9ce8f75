import { enforceLimit, LIMITS } from "@/domain/limits.ts";
import {
  conversationPageQuery,
  conversationsQuery,
  createConversationBody,
  parseInput,
} from "@/domain/schemas.ts";
import { json, queryObject, readJson } from "@/server/http.ts";
import { defineSignedIn } from "@/server/define.ts";

export const handler = defineSignedIn.handlers({
  /**
   * `GET /api/conversations?establishmentId=E` → the caller's conversations there, most recent first;
   * `?establishmentIds=A,B&limit=N&cursor=C` → one page over several, with `next` unless it is the last.
   */
  async GET(ctx): Promise<Response> {
    const { messaging } = ctx.state.services;
    if (ctx.url.searchParams.has("establishmentIds")) {
      const page = parseInput(conversationPageQuery, queryObject(ctx.url), "query");
      const { conversations, next } = await messaging.listConversationPage(
        ctx.state.user.id,
        page.establishmentIds,
        { limit: page.limit, cursor: page.cursor },
      );
      return json({ conversations, next: next ?? null });
    }
    const query = parseInput(conversationsQuery, queryObject(ctx.url), "query");
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

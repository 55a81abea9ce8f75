import { conversationPath, messagesQuery, parseInput } from "@/domain/schemas.ts";
import { json, queryObject } from "@/server/http.ts";
import { defineSignedIn } from "@/server/define.ts";

export const handler = defineSignedIn.handlers({
  /** `GET /api/conversations/:id/messages?after=S|before=S&limit=N` → messages, ascending by `seq`. */
  async GET(ctx): Promise<Response> {
    const { id } = parseInput(conversationPath, ctx.params, "path");
    const query = parseInput(messagesQuery, queryObject(ctx.url), "query");
    const { messaging } = ctx.state.services;
    const messages = await messaging.listMessages(ctx.state.user.id, id, query);
    return json({ messages });
  },
});

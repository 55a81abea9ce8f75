import { conversationPath, messagesQuery, parseInput, sendBody } from "@/domain/schemas.ts";
import { json, queryObject, readJson } from "@/server/http.ts";
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

  /**
   * `POST /api/conversations/:id/messages` `{"clientId","body"}` → `201 {"message"}` when stored, `200` with
   * the original message when this sender already used the `clientId` here: the socket's `send`, for a
   * client without one (a script, an integration). Same rules, same per-user limit, same fan-out.
   */
  async POST(ctx): Promise<Response> {
    const { id } = parseInput(conversationPath, ctx.params, "path");
    const input = parseInput(sendBody, await readJson(ctx.req));
    const { messaging } = ctx.state.services;
    // The domain applies the send limit (shared with the socket) and publishes the stored message: every member's sockets get it, on every instance.
    const { message, created } = await messaging.sendMessage(ctx.state.user.id, {
      conversationId: id,
      ...input,
    });
    return json({ message }, created ? 201 : 200);
  },
});

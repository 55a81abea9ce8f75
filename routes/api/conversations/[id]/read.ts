import { parseInput, readBody } from "../../../../domain/schemas.ts";
import { readJson } from "../../../../server/http.ts";
import { defineSignedIn } from "../../../../server/define.ts";

export const handler = defineSignedIn.handlers({
  /** `POST /api/conversations/:id/read` `{"seq"}` → `204`; `readSeq` only moves forward. */
  async POST(ctx): Promise<Response> {
    const body = parseInput(readBody, await readJson(ctx.req));
    const { messaging, realtime } = ctx.state.services;
    const conversationId = ctx.params.id ?? "";
    const seq = await messaging.markRead(ctx.state.user.id, conversationId, body.seq);
    // The same `read` frame as a read over the socket, to every member's sockets.
    await realtime.readMarked(conversationId, ctx.state.user.id, seq);
    return new Response(null, { status: 204 });
  },
});

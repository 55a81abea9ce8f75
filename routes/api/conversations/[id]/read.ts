import { enforceLimit, LIMITS } from "../../../../domain/limits.ts";
import { conversationPath, parseInput, readBody } from "../../../../domain/schemas.ts";
import { readJson } from "../../../../server/http.ts";
import { defineSignedIn } from "../../../../server/define.ts";

export const handler = defineSignedIn.handlers({
  /** `POST /api/conversations/:id/read` `{"seq"}` → `204`; `readSeq` only moves forward. */
  async POST(ctx): Promise<Response> {
    const { id } = parseInput(conversationPath, ctx.params, "path");
    const body = parseInput(readBody, await readJson(ctx.req));
    const { messaging, limits } = ctx.state.services;
    await enforceLimit(limits, LIMITS.readMarkers, ctx.state.user.id, "Too many read markers");
    // The domain publishes the move: every member's sockets get the same `read` frame as after a
    // read over the socket.
    await messaging.markRead(ctx.state.user.id, id, body.seq);
    return new Response(null, { status: 204 });
  },
});

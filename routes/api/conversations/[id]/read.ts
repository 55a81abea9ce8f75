import type { RouteContext } from "../../../../framework/mod.ts";
import { enforceLimit, LIMITS } from "../../../../domain/limits.ts";
import { parseInput, readBody } from "../../../../domain/schemas.ts";
import { readJson } from "../../../../server/http.ts";
import type { SignedInState } from "../../../../server/state.ts";

export const handler = {
  /** `POST /api/conversations/:id/read` `{"seq"}` → `204`; `readSeq` only moves forward. */
  async POST(ctx: RouteContext<SignedInState>): Promise<Response> {
    const body = parseInput(readBody, await readJson(ctx.req));
    const { messaging, realtime, limits } = ctx.state.services;
    await enforceLimit(limits, LIMITS.readMarkers, ctx.state.user.id, "Too many read markers");
    const conversationId = ctx.params.id ?? "";
    const seq = await messaging.markRead(ctx.state.user.id, conversationId, body.seq);
    // The same `read` frame as a read over the socket, to every member's sockets.
    await realtime.readMarked(conversationId, ctx.state.user.id, seq);
    return new Response(null, { status: 204 });
  },
};

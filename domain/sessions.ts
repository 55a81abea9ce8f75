/**
 * Ending every session of a person at once (password changed, account deactivated). The rows are
 * revoked first — every REST request and the sockets' periodic re-check fail from that moment — then
 * each session is announced on the event port, so its live sockets close with 4401 on every instance.
 */
import type { Database } from "../db/types.ts";
import { revokeUserSessions } from "../db/sessions.ts";
import type { DomainEvents } from "./events.ts";

/** Revokes all of `userId`'s sessions and publishes `session_ended` for each; returns how many. */
export async function endAllSessions(db: Database, events: DomainEvents, userId: string): Promise<number> {
  const ended = await revokeUserSessions(db, userId);
  for (const sessionId of ended) events.publish({ kind: "session_ended", sessionId });
  return ended.length;
}

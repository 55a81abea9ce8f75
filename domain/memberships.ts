/**
 * Ending someone's membership of an establishment. The row goes first (every access check joins on
 * memberships, so REST answers `not_found` from that moment), then the event, so that live sockets
 * — which were authorised once, at connect time — close with 4401 on every instance at once.
 */
import type { Database } from "../db/types.ts";
import { removeMembership } from "../db/users.ts";
import type { DomainEvents } from "./events.ts";

/**
 * Removes `userId` from `establishmentId` and, when there was such a membership, tells `events`.
 * Returns whether a membership was removed. Permission to do this is the caller's job.
 */
export async function removeMember(
  db: Database,
  events: DomainEvents,
  input: { userId: string; establishmentId: string },
): Promise<boolean> {
  const removed = await removeMembership(db, input.userId, input.establishmentId);
  if (removed) {
    events.publish({
      kind: "membership_changed",
      userId: input.userId.toLowerCase(),
      establishmentId: input.establishmentId.toLowerCase(),
    });
  }
  return removed;
}

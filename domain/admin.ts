/**
 * What an admin of an establishment may do to its people, checked here on the server for every call:
 * the caller must be an admin of that establishment (`not_found` when they are not a member of it, as
 * everywhere, `forbidden` for a teacher or parent), and the target a member of it. Every change is
 * recorded in the audit log in the same transaction (`db/audit.ts`).
 *
 * Deactivation is of the account (a person belonging to two establishments is deactivated in both):
 * login is refused with a message saying so, every session ends at once (sockets close with 4401 on
 * every instance), recipient search stops offering them, conversations show them as deactivated, and
 * their messages stay. Reactivation lets them sign in again with their password.
 */
import type { Database } from "../db/types.ts";
import type { Role, User } from "../db/models.ts";
import { getRole, getUser, setMembership, setUserActive } from "../db/users.ts";
import { removeMember } from "./memberships.ts";
import { appendAudit } from "../db/audit.ts";
import { forbidden, notFound } from "./errors.ts";
import type { DomainEvents } from "./events.ts";
import { endAllSessions } from "./sessions.ts";

/** Who is acting, as the audit log records them. */
export interface Actor {
  userId: string;
  /** The client address the request came from. */
  clientAddress: string;
}

/** How the audit log names a person. */
export function personLabel(user: Pick<User, "name" | "email">): string {
  return `${user.name} <${user.email}>`;
}

/**
 * Returns the acting admin; throws `not_found` when they are not a member of `establishmentId` and
 * `forbidden` when they are, without being an admin.
 */
export async function requireAdmin(db: Database, userId: string, establishmentId: string): Promise<User> {
  const role = await getRole(db, userId, establishmentId);
  if (role === null) throw notFound("No such establishment among yours; check the establishmentId.");
  if (role !== "admin") throw forbidden("Only the establishment's admins can do this; ask one of them.");
  const user = await getUser(db, userId);
  if (user === null) throw notFound("No such establishment among yours; check the establishmentId.");
  return user;
}

/** The person as the admin endpoints answer. */
export interface PersonStatus {
  id: string;
  name: string;
  email: string;
  deactivated: boolean;
}

/**
 * Deactivates (`active` false) or reactivates a member of `establishmentId` on behalf of `actor`, an admin
 * there. Doing it twice changes and records nothing. An admin cannot deactivate themselves.
 */
export async function setPersonActive(
  db: Database,
  events: DomainEvents,
  actor: Actor,
  input: { establishmentId: string; userId: string; active: boolean },
): Promise<PersonStatus> {
  const admin = await requireAdmin(db, actor.userId, input.establishmentId);
  const target = (await getRole(db, input.userId, input.establishmentId)) === null
    ? null
    : await getUser(db, input.userId);
  if (target === null) {
    throw notFound("No such person in this establishment; pick someone from the people list.");
  }
  if (!input.active && target.id === admin.id) {
    throw forbidden("You cannot deactivate your own account; ask another admin of the establishment.");
  }
  await applyActive(db, events, target, input.active, {
    actorId: admin.id,
    actorLabel: personLabel(admin),
    clientAddress: actor.clientAddress,
    establishmentIds: [input.establishmentId],
  });
  return { id: target.id, name: target.name, email: target.email, deactivated: !input.active };
}

/**
 * Sets the account's state and records it for each of `audit.establishmentIds` in one transaction, then,
 * for a deactivation, ends every session. Permission is the caller's (an admin check, or an operator).
 * Returns whether anything changed.
 */
export async function applyActive(
  db: Database,
  events: DomainEvents,
  target: User,
  active: boolean,
  audit: {
    actorId: string | null;
    actorLabel: string;
    clientAddress: string | null;
    establishmentIds: string[];
  },
): Promise<boolean> {
  const changed = await db.transaction(async (tx) => {
    const updated = await setUserActive(tx, target.id, active);
    if (updated === null) return false;
    for (const establishmentId of audit.establishmentIds) {
      await appendAudit(tx, {
        establishmentId,
        actorId: audit.actorId,
        actorLabel: audit.actorLabel,
        action: active ? "person.reactivate" : "person.deactivate",
        targetType: "person",
        targetId: target.id,
        targetLabel: personLabel(target),
        clientAddress: audit.clientAddress,
      });
    }
    return true;
  });
  if (changed && !active) await endAllSessions(db, events, target.id);
  return changed;
}

/** A member of the establishment other than the acting admin, for changes one must not make to oneself. */
async function otherMember(db: Database, actor: Actor, establishmentId: string, userId: string) {
  const admin = await requireAdmin(db, actor.userId, establishmentId);
  const target = (await getRole(db, userId, establishmentId)) === null ? null : await getUser(db, userId);
  if (target === null) {
    throw notFound("No such person in this establishment; pick someone from the people list.");
  }
  if (target.id === admin.id) {
    throw forbidden("You cannot change your own membership; ask another admin of the establishment.");
  }
  return { admin, target };
}

/**
 * Gives a member another role in the establishment; their live sockets re-check their access at once
 * (`membership_changed`). An admin cannot change their own role (no lock-out).
 */
export async function changeRole(
  db: Database,
  events: DomainEvents,
  actor: Actor,
  input: { establishmentId: string; userId: string; role: Role },
): Promise<void> {
  const { admin, target } = await otherMember(db, actor, input.establishmentId, input.userId);
  const before = await getRole(db, target.id, input.establishmentId);
  if (before === input.role) return;
  await db.transaction(async (tx) => {
    await setMembership(tx, { userId: target.id, establishmentId: input.establishmentId, role: input.role });
    await appendAudit(tx, {
      establishmentId: input.establishmentId,
      actorId: admin.id,
      actorLabel: personLabel(admin),
      action: "membership.role",
      targetType: "membership",
      targetId: target.id,
      targetLabel: personLabel(target),
      clientAddress: actor.clientAddress,
      details: { from: before, to: input.role },
    });
  });
  events.publish({ kind: "membership_changed", userId: target.id, establishmentId: input.establishmentId });
}

/** Removes a member from the establishment (`domain/memberships.ts`), recorded in the audit log. */
export async function removeFromEstablishment(
  db: Database,
  events: DomainEvents,
  actor: Actor,
  input: { establishmentId: string; userId: string },
): Promise<void> {
  const { admin, target } = await otherMember(db, actor, input.establishmentId, input.userId);
  const removed = await removeMember(db, events, {
    userId: target.id,
    establishmentId: input.establishmentId,
  });
  if (!removed) return;
  await appendAudit(db, {
    establishmentId: input.establishmentId,
    actorId: admin.id,
    actorLabel: personLabel(admin),
    action: "membership.remove",
    targetType: "membership",
    targetId: target.id,
    targetLabel: personLabel(target),
    clientAddress: actor.clientAddress,
  });
}

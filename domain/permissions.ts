/**
 * Who may write to whom inside one establishment — the matrix of the wire contract, in one place.
 * Recipient search, conversation creation and every send apply these functions, so a change to
 * the rules is a change here and nowhere else.
 *
 * | from \ to | admin | teacher | parent | student |
 * |---|---|---|---|---|
 * | admin   | yes | yes | yes | yes |
 * | teacher | yes | yes | yes | yes |
 * | parent  | yes | yes | no  | no  |
 * | student | yes | yes | no  | no  |
 *
 * Pure: roles in, booleans out. Establishment membership is checked by the callers (a person
 * with no role in the establishment is never passed here).
 */

import { type Role, ROLES } from "../db/models.ts";

const MATRIX: Readonly<Record<Role, ReadonlySet<Role>>> = {
  admin: new Set(ROLES),
  teacher: new Set(ROLES),
  parent: new Set<Role>(["admin", "teacher"]),
  student: new Set<Role>(["admin", "teacher"]),
};

/** Staff run the establishment; what they start, families may answer in. */
export function isStaff(role: Role): boolean {
  return role === "admin" || role === "teacher";
}

/** True when someone holding `from` may write to someone holding `to` in the same establishment. */
export function canWrite(from: Role, to: Role): boolean {
  return MATRIX[from].has(to);
}

/** The roles `from` may write to, in {@linkcode ROLES} order (the filter of recipient search). */
export function writableRoles(from: Role): Role[] {
  return ROLES.filter((to) => canWrite(from, to));
}

/**
 * True when a creator holding `creatorRole` may start a conversation with people holding
 * `otherRoles`: there must be at least one other person, and the creator must be allowed to write
 * to every one of them — a parent may not pull another parent into a group of their own making.
 */
export function mayCreateConversation(creatorRole: Role, otherRoles: readonly Role[]): boolean {
  return otherRoles.length > 0 && otherRoles.every((to) => canWrite(creatorRole, to));
}

/** What a send decision needs to know about the conversation, as seen by the sender. */
export interface SendContext {
  /** The sender's current role in the conversation's establishment. */
  role: Role;
  /** The creator's current role there, or `null` when the creator is no longer a member. */
  createdByRole: Role | null;
  /** Current roles of the other participants who are still members of the establishment. */
  otherRoles: readonly Role[];
}

/**
 * True when the sender may post in the conversation.
 *
 * Either the sender may write to every other participant (the plain matrix), or the conversation
 * was created by staff. The second branch is a deliberate choice: a teacher who opens a group with
 * two parents expects both to answer, although neither parent could have started a conversation
 * with the other. The staff creator chose the audience, so replying inside it is not "writing to
 * a parent" on one's own initiative. The choice rests on the creator's *current* role: if the
 * creator left the establishment or is no longer staff, the group falls back to the plain matrix.
 */
export function maySend(context: SendContext): boolean {
  if (context.createdByRole !== null && isStaff(context.createdByRole)) return true;
  return context.otherRoles.every((to) => canWrite(context.role, to));
}

/**
 * Who may write to whom inside one establishment, in one place. Recipient search, conversation creation
 * and every send apply these functions, so a change to the rules is a change here and nowhere else.
 *
 * The rules follow the school, not only the roles (issue 12):
 * - admins ↔ everyone of the establishment;
 * - a teacher ↔ staff (admins and teachers), the students of their classes and those students' guardians;
 * - a parent → the teachers of their children's classes and the admins, never another parent by default;
 * - a student → their teachers and the admins, never another student by default.
 * Each establishment may loosen them (parents ↔ parents of one class, students ↔ students of one class,
 * parents → every teacher) and tighten them with its mode (only staff start conversations; families may
 * not send at all). "Writing to" is starting a conversation with, or sending into a conversation whose
 * other members are, those people.
 *
 * Pure: roles, relation facts (db/school_graph.ts gathers them) and settings in; decisions out.
 * Establishment membership is checked by the callers (a person with no role there is never passed).
 */

import { type Role, ROLES } from "../db/models.ts";
import type { RelationFacts } from "../db/school_graph.ts";
import {
  DEFAULT_MESSAGING_SETTINGS,
  type MessagingMode,
  type MessagingSettings,
} from "../db/establishment_settings.ts";

export type { MessagingMode, MessagingSettings, RelationFacts };
export { DEFAULT_MESSAGING_SETTINGS };

/** Staff run the establishment; what they start, families may answer in. */
export function isStaff(role: Role): boolean {
  return role === "admin" || role === "teacher";
}

/** Parents and students: the people the mode and the availability hours are about. */
export function isFamily(role: Role): boolean {
  return !isStaff(role);
}

/**
 * True when someone holding `from` may write to someone holding `to` for SOME relation and settings:
 * the role-level bound (a student never writes to a parent). Used to narrow queries and by staff emails,
 * whose senders are staff; decisions about people use {@linkcode mayWrite}.
 */
export function canWrite(from: Role, to: Role): boolean {
  if (from === "admin" || to === "admin" || from === "teacher") return true;
  return to === "teacher" || to === from;
}

/** The roles `from` may ever write to, in {@linkcode ROLES} order. */
export function writableRoles(from: Role): Role[] {
  return ROLES.filter((to) => canWrite(from, to));
}

/** True when `from` may write to the person described by `to` under `settings` (the mode aside). */
export function mayWrite(from: Role, to: RelationFacts, settings: MessagingSettings): boolean {
  if (from === "admin" || to.role === "admin") return true;
  switch (from) {
    case "teacher":
      return to.role === "teacher" || to.teaches;
    case "parent":
      if (to.role === "teacher") return to.taughtBy || settings.parentsToAllTeachers;
      return to.role === "parent" && settings.parentsInClass && to.sameClass;
    case "student":
      if (to.role === "teacher") return to.taughtBy;
      return to.role === "student" && settings.studentsInClass && to.sameClass;
  }
}

/**
 * Why something is refused:
 * - `families_silenced`: the establishment stopped families from sending;
 * - `staff_start`: only staff start conversations there;
 * - `not_allowed`: the rules do not let the person write to everyone concerned.
 */
export type Refusal = "families_silenced" | "staff_start" | "not_allowed";

/**
 * Why `from` may not start a conversation with `others` (at least one, the creator excluded), or null
 * when they may: families are held back by the mode, then everyone by {@linkcode mayWrite} for every
 * other participant — a parent may not pull another parent into a group of their own making.
 */
export function startRefusal(
  from: Role,
  others: readonly RelationFacts[],
  settings: MessagingSettings,
): Refusal | null {
  if (isFamily(from) && settings.mode === "families_silenced") return "families_silenced";
  if (isFamily(from) && settings.mode === "staff_start") return "staff_start";
  return others.length > 0 && others.every((to) => mayWrite(from, to, settings)) ? null : "not_allowed";
}

/** What a send decision needs to know about the conversation, as seen by the sender. */
export interface SendContext {
  /** The sender's current role in the conversation's establishment. */
  role: Role;
  /** The creator's current role there, or `null` when the creator is no longer a member. */
  createdByRole: Role | null;
  /** The other participants who are still members of the establishment. */
  others: readonly RelationFacts[];
}

/**
 * Why the sender may not post in the conversation now, or null when they may. The rules of the moment
 * apply (a conversation stays readable when they stop allowing it):
 * - families may not send at all while the establishment silences them;
 * - in a conversation created by staff, every member may reply: a teacher who opens a group with two
 *   parents expects both to answer, although neither could have started it; the staff creator chose
 *   the audience. The choice rests on the creator's *current* role: if they left or are no longer
 *   staff, the plain rules apply again;
 * - staff may answer in a conversation a member of the establishment started with them (a parent who
 *   may write to every teacher must get an answer);
 * - otherwise the sender must be allowed to write to every other participant.
 */
export function sendRefusal(context: SendContext, settings: MessagingSettings): Refusal | null {
  const byRoles = sendRefusalByRoles(context, settings);
  if (byRoles !== undefined) return byRoles;
  return context.others.every((to) => mayWrite(context.role, to, settings)) ? null : "not_allowed";
}

/**
 * The part of {@linkcode sendRefusal} that the roles and the settings decide alone, or `undefined`
 * when the sender's relations to the other participants decide. Sends read those relations only
 * then: in a conversation staff created, the usual case, they are never needed.
 */
export function sendRefusalByRoles(
  context: Omit<SendContext, "others">,
  settings: MessagingSettings,
): Refusal | null | undefined {
  if (isFamily(context.role) && settings.mode === "families_silenced") return "families_silenced";
  if (context.createdByRole !== null && isStaff(context.createdByRole)) return null;
  if (isStaff(context.role) && context.createdByRole !== null) return null;
  return undefined;
}

/**
 * What recipient search may narrow to before the exact check: people of `unlinkedRoles` may be allowed
 * without any class link, people of `linkedRoles` only with one (everyone else never). Derived from
 * {@linkcode mayWrite}, which only ever allows more when facts are true.
 */
export function searchScope(
  from: Role,
  settings: MessagingSettings,
): { unlinkedRoles: Role[]; linkedRoles: Role[] } {
  const linked = (role: Role) => ({ role, teaches: true, taughtBy: true, sameClass: true });
  const unlinked = (role: Role) => ({ role, teaches: false, taughtBy: false, sameClass: false });
  return {
    unlinkedRoles: ROLES.filter((r) => mayWrite(from, unlinked(r), settings)),
    linkedRoles: ROLES.filter((r) => mayWrite(from, linked(r), settings)),
  };
}

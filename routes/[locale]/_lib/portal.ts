/**
 * Which portal and establishment a signed-in person sees. Staff (admins, teachers) use the admin
 * portal, families (parents, students) the parents portal — per establishment, since one person
 * may be a teacher in one school and a parent in another.
 */
import type { Membership, Role } from "@/db/models.ts";
import type { Locale } from "@/i18n/mod.ts";
import type { Portal } from "@/client/types.ts";

/** Cookie remembering the establishment last chosen in the switcher. */
export const ESTABLISHMENT_COOKIE = "preau_establishment";

export function portalForRole(role: Role): Portal {
  return role === "admin" || role === "teacher" ? "admin" : "parents";
}

/** The messagerie of the portal for `membership`, optionally a conversation in it. */
export function messageriePath(locale: Locale, membership: Membership, conversationId?: string): string {
  const base = `/${locale}/${portalForRole(membership.role)}/messagerie`;
  return conversationId ? `${base}/${encodeURIComponent(conversationId)}` : base;
}

/** The membership to show: the requested establishment if it is one of theirs, else the first. */
export function chooseMembership(
  memberships: readonly Membership[],
  ...preferred: (string | null | undefined)[]
): Membership | undefined {
  for (const id of preferred) {
    const found = id ? memberships.find((m) => m.establishmentId === id) : undefined;
    if (found) return found;
  }
  return memberships[0];
}

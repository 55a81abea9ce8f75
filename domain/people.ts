/**
 * What an establishment's admins see of its people (`/[locale]/admin/people` and each person's page),
 * checked with `requireAdmin` like every admin action: pages of members with search and filters, and one
 * person with their memberships, last activity and open invitation. Changes go through `domain/admin.ts`.
 */
import type { Database } from "../db/types.ts";
import type { Affiliation, Membership } from "../db/models.ts";
import { listAffiliations } from "../db/pupils.ts";
import { getPerson, listPeople, type PeopleQuery, type PersonRow } from "../db/people.ts";
import { listMemberships } from "../db/users.ts";
import { findOpenInvitation, type Invitation } from "../db/invitations.ts";
import { requireAdmin } from "./admin.ts";
import { notFound } from "./errors.ts";

/** Rows per page of the people list. */
export const PEOPLE_PAGE = 50;

/** One page of the establishment's members for the admin `adminId`. */
export async function peoplePage(
  db: Database,
  adminId: string,
  query: Omit<PeopleQuery, "limit">,
): Promise<{ rows: (PersonRow & { affiliation: Affiliation | null })[]; total: number; pages: number }> {
  await requireAdmin(db, adminId, query.establishmentId);
  const { rows, total } = await listPeople(db, { ...query, limit: PEOPLE_PAGE });
  const affiliations = await listAffiliations(db, query.establishmentId, rows.map((r) => r.id));
  return {
    rows: rows.map((r) => ({ ...r, affiliation: affiliations.get(r.id) ?? null })),
    total,
    pages: Math.max(1, Math.ceil(total / PEOPLE_PAGE)),
  };
}

/** One member as their page shows them. */
export interface PersonDetails {
  person: PersonRow;
  /** Their classes and children in the establishment, or null. */
  affiliation: Affiliation | null;
  memberships: Membership[];
  invitation: Invitation | null;
}

/** The member `userId` of the establishment for the admin `adminId`; `not_found` for anyone else. */
export async function personDetails(
  db: Database,
  adminId: string,
  establishmentId: string,
  userId: string,
): Promise<PersonDetails> {
  await requireAdmin(db, adminId, establishmentId);
  const person = await getPerson(db, establishmentId, userId);
  if (person === null) {
    throw notFound("No such person in this establishment; pick someone from the people list.");
  }
  return {
    person,
    affiliation: (await listAffiliations(db, establishmentId, [person.id])).get(person.id) ?? null,
    memberships: await listMemberships(db, person.id),
    invitation: await findOpenInvitation(db, establishmentId, person.email),
  };
}

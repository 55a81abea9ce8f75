/**
 * The admin's people list: members of one establishment, searched with the recipient search's matching
 * (a word of the folded `search_text` starting with the folded query, so accents and case do not
 * matter), filtered by role and status, in pages ordered by folded name.
 */
import type { Queryable } from "./types.ts";
import { isRole, isUuid, type Role } from "./models.ts";
import { foldQuery } from "./search_text.ts";
import { escapeLike } from "./recipients.ts";

/** One row of the list. */
export interface PersonRow {
  id: string;
  name: string;
  email: string;
  role: Role;
  deactivated: boolean;
  /** When they last signed in (a session was opened), or null. */
  lastActivity: Date | null;
}

/** Filters of {@linkcode listPeople}. */
export interface PeopleQuery {
  establishmentId: string;
  /** Free text; empty lists everyone. */
  query?: string;
  role?: Role;
  status?: "active" | "deactivated";
  /** Page number from 0. */
  page?: number;
  /** Rows per page (1–200, default 50). */
  limit?: number;
}

/** One page of members, and how many match in all. */
export async function listPeople(
  q: Queryable,
  query: PeopleQuery,
): Promise<{ rows: PersonRow[]; total: number }> {
  if (!isUuid(query.establishmentId)) return { rows: [], total: 0 };
  const limit = Math.min(Math.max(1, Math.trunc(query.limit ?? 50)), 200);
  const offset = Math.max(0, Math.trunc(query.page ?? 0)) * limit;
  const role = query.role && isRole(query.role) ? query.role : null;
  const status = query.status ?? null;
  const params = [query.establishmentId, escapeLike(foldQuery(query.query ?? "")), role, status];
  const where = `m.establishment_id = $1
       AND (' ' || u.search_text) LIKE '% ' || $2::text || '%' ESCAPE '\\'
       AND ($3::text IS NULL OR m.role = $3)
       AND ($4::text IS NULL OR ($4 = 'deactivated') = (u.deactivated_at IS NOT NULL))`;
  const rows = await q.query<PersonRow>(
    `SELECT u.id, u.name, u.email, m.role, u.deactivated_at IS NOT NULL AS deactivated,
       (SELECT max(s.created_at) FROM sessions s WHERE s.user_id = u.id) AS "lastActivity"
     FROM memberships m JOIN users u ON u.id = m.user_id
     WHERE ${where}
     ORDER BY u.search_text, u.id
     LIMIT $5 OFFSET $6`,
    [...params, limit, offset],
  );
  const counted = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM memberships m JOIN users u ON u.id = m.user_id WHERE ${where}`,
    params,
  );
  return { rows, total: counted[0]?.n ?? 0 };
}

/** The member `userId` of the establishment as the list shows them, or null. */
export async function getPerson(
  q: Queryable,
  establishmentId: string,
  userId: string,
): Promise<PersonRow | null> {
  if (!isUuid(establishmentId) || !isUuid(userId)) return null;
  const rows = await q.query<PersonRow>(
    `SELECT u.id, u.name, u.email, m.role, u.deactivated_at IS NOT NULL AS deactivated,
       (SELECT max(s.created_at) FROM sessions s WHERE s.user_id = u.id) AS "lastActivity"
     FROM memberships m JOIN users u ON u.id = m.user_id
     WHERE m.establishment_id = $1 AND u.id = $2`,
    [establishmentId, userId],
  );
  return rows[0] ?? null;
}

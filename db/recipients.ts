/**
 * Recipient search: members of one establishment for whom each word of the query starts a word of
 * their name or email (in any order: "Martin Marc" finds "Marc Martin"), case- and
 * accent-insensitively. Both sides are folded by db/search_text.ts, so the SQL is a
 * plain LIKE on `users.search_text` (no `unaccent`, identical on PGlite and PostgreSQL).
 */
import type { Queryable } from "./types.ts";
import { type Affiliation, isRole, isUuid, type Role } from "./models.ts";
import { affiliationSql } from "./pupils.ts";
import { queryWords } from "./search_text.ts";

/** One search hit. */
export interface Recipient {
  id: string;
  name: string;
  email: string;
  role: Role;
  /** Their classes and children there (`db/pupils.ts`); absent when they have none. */
  affiliation?: Affiliation;
}

/** Search options; `roles` are the roles the caller may write to (domain/permissions.ts). */
export interface RecipientQuery {
  establishmentId: string;
  /** Free text; folded, whitespace collapsed, LIKE wildcards taken literally. Empty lists everyone. */
  query: string;
  /** Only members holding one of these roles; empty finds nobody. */
  roles: readonly Role[];
  /** The caller, never listed. */
  excludeUserId: string;
  /** Maximum hits (default 20). */
  limit?: number;
}

/** Escapes `%`, `_` and the escape character itself for `LIKE … ESCAPE '\'`. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Up to `limit` members of the establishment with one of `roles`, other than the caller, for whom
 * every folded query word starts a word of `search_text` (one query, the words as an array); ordered by folded name (so "Élodie" sorts
 * with the e's under any collation). Members of other establishments and deactivated people are never
 * returned.
 */
export async function searchRecipients(q: Queryable, options: RecipientQuery): Promise<Recipient[]> {
  const roles = [...new Set(options.roles)].filter(isRole);
  const limit = Math.trunc(options.limit ?? 20);
  if (roles.length === 0 || limit <= 0 || !isUuid(options.establishmentId)) return [];
  const exclude = isUuid(options.excludeUserId) ? options.excludeUserId : null;
  const rolePlaceholders = roles.map((_, i) => `$${i + 5}`).join(", ");
  const rows = await q.query<Recipient & { affiliation: Affiliation | null }>(
    `SELECT u.id, u.name, u.email, m.role, ${affiliationSql("u.id", "m.establishment_id")} AS affiliation
     FROM memberships m JOIN users u ON u.id = m.user_id
     WHERE m.establishment_id = $1
       AND m.role IN (${rolePlaceholders})
       AND ($2::uuid IS NULL OR u.id <> $2::uuid)
       AND u.deactivated_at IS NULL
       AND NOT EXISTS (
         SELECT 1 FROM unnest($3::text[]) AS q(word)
          WHERE (' ' || u.search_text) NOT LIKE '% ' || q.word || '%' ESCAPE '\\')
     ORDER BY u.search_text, u.name, u.id
     LIMIT $4`,
    [
      options.establishmentId,
      exclude,
      queryWords(options.query).map(escapeLike),
      Math.min(limit, 1000),
      ...roles,
    ],
  );
  return rows.map(({ affiliation, ...recipient }) => affiliation ? { ...recipient, affiliation } : recipient);
}

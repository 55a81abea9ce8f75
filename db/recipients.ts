/**
 * Recipient search: members of one establishment for whom each word of the query starts a word of
 * their name or email (in any order: "Martin Marc" finds "Marc Martin"), case- and
 * accent-insensitively. Both sides are folded by db/search_text.ts, so the SQL is a
 * plain LIKE on `users.search_text` (no `unaccent`, identical on PGlite and PostgreSQL).
 */
import type { Queryable } from "./types.ts";
import { type Affiliation, isRole, isUuid, type Role } from "./models.ts";
import { queryWords } from "./search_text.ts";
import { currentSchoolYear, listRelatedMembers, type RelatedMember } from "./school_graph.ts";

/** One search hit. */
export interface Recipient {
  id: string;
  name: string;
  email: string;
  role: Role;
  /** Their classes and children there (`db/pupils.ts`); absent when they have none. */
  affiliation?: Affiliation;
  /** The link through which the caller may write to them ("Léa — CM2 A"); null without one. */
  group: string | null;
}

/** Search options; `roles` narrow to the roles the caller could ever write to (domain/permissions.ts). */
export interface RecipientQuery {
  establishmentId: string;
  /** Free text; folded, whitespace collapsed, LIKE wildcards taken literally. Empty lists everyone. */
  query: string;
  /** Only members holding one of these roles; empty finds nobody. */
  roles: readonly Role[];
  /** The caller, never listed; their relations to the hits are returned (db/school_graph.ts). */
  excludeUserId: string;
  /** Maximum hits (default 20), after skipping `offset` (default 0). */
  limit?: number;
  offset?: number;
  /** The school year whose classes relate people (default: the current one). */
  schoolYear?: string;
  /** See db/school_graph.ts `RelatedMembersQuery.scope`. */
  scope?: { unlinkedRoles: readonly Role[]; linkedRoles: readonly Role[] };
}

/** Escapes `%`, `_` and the escape character itself for `LIKE … ESCAPE '\'`. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Up to `limit` members of the establishment with one of `roles`, other than the caller, for whom
 * every folded query word starts a word of `search_text` (one query, the words as an array), with their
 * relation facts to the caller; ordered by folded name (so "Élodie" sorts with the e's under any
 * collation). Members of other establishments and deactivated people are never returned.
 */
export async function searchRecipients(
  q: Queryable,
  options: RecipientQuery,
): Promise<(Recipient & RelatedMember)[]> {
  const roles = [...new Set(options.roles)].filter(isRole);
  const limit = Math.trunc(options.limit ?? 20);
  if (roles.length === 0 || limit <= 0 || !isUuid(options.establishmentId)) return [];
  return await listRelatedMembers(q, {
    establishmentId: options.establishmentId,
    viewerId: isUuid(options.excludeUserId) ? options.excludeUserId : crypto.randomUUID(),
    schoolYear: options.schoolYear ?? currentSchoolYear(),
    words: queryWords(options.query).map(escapeLike),
    roles,
    limit: Math.min(limit, 1000),
    offset: options.offset,
    scope: options.scope,
    withAffiliation: true,
  });
}

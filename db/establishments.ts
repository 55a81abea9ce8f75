/** Establishments (schools): created by seeds, factories and future admin tooling. */
import type { Queryable } from "./types.ts";
import type { Establishment } from "./models.ts";

/**
 * Inserts an establishment. `slug` must be unique, lower-case words joined by hyphens
 * ("ecole-jules-ferry"); a duplicate slug fails with SQLSTATE 23505.
 */
export async function createEstablishment(
  q: Queryable,
  input: { name: string; slug: string },
): Promise<Establishment> {
  const rows = await q.query<Establishment>(
    `INSERT INTO establishments (name, slug) VALUES ($1, $2) RETURNING id, name, slug`,
    [input.name, input.slug],
  );
  return rows[0]!;
}

/** The establishment with exactly this slug, or null. */
export async function findEstablishmentBySlug(q: Queryable, slug: string): Promise<Establishment | null> {
  const rows = await q.query<Establishment>(
    `SELECT id, name, slug FROM establishments WHERE slug = $1`,
    [slug],
  );
  return rows[0] ?? null;
}

/** Whether any establishment exists (none means Préau is not set up yet). */
export async function hasEstablishment(q: Queryable): Promise<boolean> {
  const rows = await q.query(`SELECT 1 FROM establishments LIMIT 1`);
  return rows.length > 0;
}

/**
 * Takes the establishments table's lock for the rest of the transaction, so that two first-run
 * setups cannot both see "no establishment yet" and both create one. Readers are not blocked.
 */
export async function lockEstablishmentsForSetup(tx: Queryable): Promise<void> {
  await tx.query(`LOCK TABLE establishments IN SHARE ROW EXCLUSIVE MODE`);
}

/** Every establishment with its number of members, by name (for `deno task admin list-establishments`). */
export async function listEstablishmentsWithCounts(
  q: Queryable,
): Promise<(Establishment & { members: number; admins: number })[]> {
  return await q.query(
    `SELECT e.id, e.name, e.slug, count(m.user_id)::int AS members,
       (count(m.user_id) FILTER (WHERE m.role = 'admin'))::int AS admins
     FROM establishments e LEFT JOIN memberships m ON m.establishment_id = e.id
     GROUP BY e.id ORDER BY e.name, e.id`,
  );
}

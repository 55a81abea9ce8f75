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

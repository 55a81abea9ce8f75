/**
 * Pupils of an establishment (`pupils`: records from the school's class list, most without an account;
 * `user_id` links a student account), their guardians (`guardianships`: a guardian's account, or the
 * invitation of a guardian who has none yet), and the one computation of a person's affiliation (the
 * classes they teach or are in, the children they are a guardian of) that every label reads.
 */
import type { Queryable } from "./types.ts";
import { type Affiliation, isUuid } from "./models.ts";

/** A pupil as their admin page shows them. */
export interface Pupil {
  id: string;
  establishmentId: string;
  name: string;
  givenName: string | null;
  externalRef: string | null;
  /** Their own (student) account, if linked. */
  userId: string | null;
  userName: string | null;
  /** Their classes, every school year, newest first. */
  classes: { id: string; name: string; schoolYear: string }[];
}

/** A pupil as a class page lists them. */
export interface ClassPupil {
  id: string;
  name: string;
  externalRef: string | null;
  /** Names of their guardians (pending invitations included). */
  guardians: string[];
}

/** One guardian of a pupil: an account, or an invitation not accepted yet (`pending`). */
export interface Guardian {
  /** The guardianship's id (what unlinking names). */
  id: string;
  userId: string | null;
  invitationId: string | null;
  name: string;
  email: string;
  /** True while the link names an invitation (the guardian has not accepted it yet). */
  pending: boolean;
}

const PUPIL_COLUMNS = `p.id, p.establishment_id AS "establishmentId", p.name, p.given_name AS "givenName",
  p.external_ref AS "externalRef", p.user_id AS "userId", pu.name AS "userName",
  (SELECT coalesce(json_agg(json_build_object('id', c.id, 'name', c.name, 'schoolYear', c.school_year)
                            ORDER BY c.school_year DESC, c.name), '[]'::json)
     FROM class_pupils cp JOIN classes c ON c.id = cp.class_id WHERE cp.pupil_id = p.id) AS classes`;

/** Creates a pupil; a second one with the same `externalRef` there fails with 23505. */
export async function createPupil(
  q: Queryable,
  input: { establishmentId: string; name: string; givenName: string | null; externalRef: string | null },
): Promise<Pupil> {
  const rows = await q.query<{ id: string }>(
    `INSERT INTO pupils (establishment_id, name, given_name, external_ref) VALUES ($1, $2, $3, $4) RETURNING id`,
    [input.establishmentId, input.name, input.givenName, input.externalRef],
  );
  return (await getPupil(q, input.establishmentId, rows[0]!.id))!;
}

/** The pupil `pupilId` of the establishment, or null. */
export async function getPupil(
  q: Queryable,
  establishmentId: string,
  pupilId: string,
): Promise<Pupil | null> {
  if (!isUuid(establishmentId) || !isUuid(pupilId)) return null;
  const rows = await q.query<Pupil>(
    `SELECT ${PUPIL_COLUMNS} FROM pupils p LEFT JOIN users pu ON pu.id = p.user_id
     WHERE p.establishment_id = $1 AND p.id = $2`,
    [establishmentId, pupilId],
  );
  return rows[0] ?? null;
}

/** Deletes a pupil of the establishment with their class and guardian links; whether they existed. */
export async function deletePupil(q: Queryable, establishmentId: string, pupilId: string): Promise<boolean> {
  if (!isUuid(establishmentId) || !isUuid(pupilId)) return false;
  const rows = await q.query(`DELETE FROM pupils WHERE establishment_id = $1 AND id = $2 RETURNING id`, [
    establishmentId,
    pupilId,
  ]);
  return rows.length > 0;
}

/**
 * Links the pupil to their own student account (or unlinks with null); 23505 when that account is
 * already another pupil's there. Returns whether the pupil exists.
 */
export async function setPupilAccount(
  q: Queryable,
  establishmentId: string,
  pupilId: string,
  userId: string | null,
): Promise<boolean> {
  if (!isUuid(establishmentId) || !isUuid(pupilId)) return false;
  const rows = await q.query(
    `UPDATE pupils SET user_id = $3 WHERE establishment_id = $1 AND id = $2 RETURNING id`,
    [establishmentId, pupilId, userId],
  );
  return rows.length > 0;
}

/** The pupils of a class, by name. */
export async function listClassPupils(q: Queryable, classId: string): Promise<ClassPupil[]> {
  if (!isUuid(classId)) return [];
  const rows = await q.query<ClassPupil>(
    `SELECT p.id, p.name, p.external_ref AS "externalRef",
       (SELECT coalesce(json_agg(coalesce(gu.name, gi.name) ORDER BY g.created_at, g.id), '[]'::json)
          FROM guardianships g LEFT JOIN users gu ON gu.id = g.guardian_id
          LEFT JOIN invitations gi ON gi.id = g.invitation_id
         WHERE g.pupil_id = p.id) AS guardians
     FROM class_pupils cp JOIN pupils p ON p.id = cp.pupil_id
     WHERE cp.class_id = $1`,
    [classId],
  );
  const collator = new Intl.Collator("fr", { sensitivity: "base", numeric: true });
  return rows.sort((a, b) => collator.compare(a.name, b.name));
}

/** The establishment's pupils whose name contains `query` (case-insensitive), for the class page's picker. */
export async function findPupils(
  q: Queryable,
  establishmentId: string,
  query: string,
  limit = 20,
): Promise<{ id: string; name: string; externalRef: string | null }[]> {
  if (!isUuid(establishmentId)) return [];
  const like = `%${query.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return await q.query(
    `SELECT p.id, p.name, p.external_ref AS "externalRef" FROM pupils p
     WHERE p.establishment_id = $1 AND (lower(p.name) LIKE $2 ESCAPE '\\' OR lower(coalesce(p.external_ref, '')) LIKE $2 ESCAPE '\\')
     ORDER BY lower(p.name), p.id LIMIT $3`,
    [establishmentId, like, Math.min(Math.max(1, limit), 200)],
  );
}

/** The guardians of a pupil, linked accounts and pending invitations, oldest link first. */
export async function listGuardians(q: Queryable, pupilId: string): Promise<Guardian[]> {
  if (!isUuid(pupilId)) return [];
  return await q.query<Guardian>(
    `SELECT g.id, g.guardian_id AS "userId", g.invitation_id AS "invitationId",
       coalesce(gu.name, gi.name) AS name, coalesce(gu.email, gi.email) AS email,
       g.guardian_id IS NULL AS pending
     FROM guardianships g LEFT JOIN users gu ON gu.id = g.guardian_id
     LEFT JOIN invitations gi ON gi.id = g.invitation_id
     WHERE g.pupil_id = $1 ORDER BY g.created_at, g.id`,
    [pupilId],
  );
}

/** Makes `guardianId` a guardian of the pupil; whether the link is new. */
export async function linkGuardian(q: Queryable, pupilId: string, guardianId: string): Promise<boolean> {
  const rows = await q.query(
    `INSERT INTO guardianships (pupil_id, guardian_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING id`,
    [pupilId, guardianId],
  );
  return rows.length > 0;
}

/**
 * Links many guardians in one statement — each to an account (`guardianId`) or to the invitation of a
 * guardian without one (`invitationId`) — skipping links that exist; returns how many were new.
 */
export async function linkGuardians(
  q: Queryable,
  links: readonly { pupilId: string; guardianId?: string; invitationId?: string }[],
): Promise<number> {
  if (links.length === 0) return 0;
  const rows = await q.query<{ n: number }>(
    `WITH added AS (
       INSERT INTO guardianships (pupil_id, guardian_id, invitation_id)
       SELECT r."pupilId", r."guardianId", r."invitationId"
       FROM jsonb_to_recordset($1::jsonb) AS r("pupilId" uuid, "guardianId" uuid, "invitationId" uuid)
       ON CONFLICT DO NOTHING RETURNING 1)
     SELECT count(*)::int AS n FROM added`,
    [JSON.stringify(links)],
  );
  return rows[0]?.n ?? 0;
}

/** Removes one guardianship of the pupil; returns the guardian's account id (or null) if it existed. */
export async function unlinkGuardian(
  q: Queryable,
  pupilId: string,
  guardianshipId: string,
): Promise<{ userId: string | null } | null> {
  if (!isUuid(pupilId) || !isUuid(guardianshipId)) return null;
  const rows = await q.query<{ userId: string | null }>(
    `DELETE FROM guardianships WHERE pupil_id = $1 AND id = $2 RETURNING guardian_id AS "userId"`,
    [pupilId, guardianshipId],
  );
  return rows[0] ?? null;
}

/**
 * Turns the guardianships naming `invitationId` into links to the account that accepted it (a link
 * that account already had is kept once). Returns the pupils' ids.
 */
export async function claimGuardianships(
  q: Queryable,
  invitationId: string,
  userId: string,
): Promise<string[]> {
  await q.query(
    `DELETE FROM guardianships g WHERE g.invitation_id = $1
       AND EXISTS (SELECT 1 FROM guardianships o WHERE o.pupil_id = g.pupil_id AND o.guardian_id = $2)`,
    [invitationId, userId],
  );
  const rows = await q.query<{ pupilId: string }>(
    `UPDATE guardianships SET guardian_id = $2, invitation_id = NULL WHERE invitation_id = $1
     RETURNING pupil_id AS "pupilId"`,
    [invitationId, userId],
  );
  return rows.map((r) => r.pupilId);
}

/** The establishment's pupils a guardian account is linked to, by name. */
export async function listChildren(
  q: Queryable,
  establishmentId: string,
  guardianId: string,
): Promise<{ id: string; name: string }[]> {
  if (!isUuid(establishmentId) || !isUuid(guardianId)) return [];
  return await q.query(
    `SELECT p.id, p.name FROM guardianships g JOIN pupils p ON p.id = g.pupil_id
     WHERE g.guardian_id = $2 AND p.establishment_id = $1 ORDER BY lower(p.name), p.id`,
    [establishmentId, guardianId],
  );
}

/** What a class-list import compares a file with: every pupil of the establishment and their links. */
export interface ImportPupil {
  id: string;
  name: string;
  givenName: string | null;
  externalRef: string | null;
  classIds: string[];
  /** Lower-cased emails of their guardians, accounts and pending invitations alike. */
  guardianEmails: string[];
}

/** Every pupil of the establishment with their classes and guardians' emails (one statement). */
export async function listPupilsForImport(q: Queryable, establishmentId: string): Promise<ImportPupil[]> {
  if (!isUuid(establishmentId)) return [];
  return await q.query<ImportPupil>(
    `SELECT p.id, p.name, p.given_name AS "givenName", p.external_ref AS "externalRef",
       coalesce((SELECT json_agg(cp.class_id) FROM class_pupils cp WHERE cp.pupil_id = p.id), '[]'::json)
         AS "classIds",
       coalesce((SELECT json_agg(lower(coalesce(gu.email, gi.email)))
          FROM guardianships g LEFT JOIN users gu ON gu.id = g.guardian_id
          LEFT JOIN invitations gi ON gi.id = g.invitation_id WHERE g.pupil_id = p.id), '[]'::json)
         AS "guardianEmails"
     FROM pupils p WHERE p.establishment_id = $1`,
    [establishmentId],
  );
}

/** Creates many pupils in one statement; returns their ids (chosen here) in the order of `rows`. */
export async function insertPupils(
  q: Queryable,
  establishmentId: string,
  rows: readonly { name: string; givenName: string | null; externalRef: string | null }[],
): Promise<string[]> {
  if (rows.length === 0) return [];
  const withIds = rows.map((row) => ({ ...row, id: crypto.randomUUID() }));
  await q.query(
    `INSERT INTO pupils (id, establishment_id, name, given_name, external_ref)
     SELECT r.id, $1, r.name, r."givenName", r."externalRef"
     FROM jsonb_to_recordset($2::jsonb) AS r(id uuid, name text, "givenName" text, "externalRef" text)`,
    [establishmentId, JSON.stringify(withIds)],
  );
  return withIds.map((row) => row.id);
}

/** Renames many pupils of the establishment in one statement. */
export async function renamePupils(
  q: Queryable,
  establishmentId: string,
  rows: readonly { id: string; name: string; givenName: string | null }[],
): Promise<void> {
  if (rows.length === 0) return;
  await q.query(
    `UPDATE pupils p SET name = r.name, given_name = r."givenName"
     FROM jsonb_to_recordset($2::jsonb) AS r(id uuid, name text, "givenName" text)
     WHERE p.id = r.id AND p.establishment_id = $1`,
    [establishmentId, JSON.stringify(rows)],
  );
}

/**
 * A SQL expression: the affiliation (`Affiliation` as JSON, or NULL when there is none) of the person
 * `userExpr` in the establishment `establishmentExpr`, in that establishment's newest school year. The
 * one definition of what a label says; {@linkcode listAffiliations} and the conversation summaries
 * (`db/conversations.ts`) embed it. Its aliases start with `af_` so they never hide the caller's.
 */
export function affiliationSql(userExpr: string, establishmentExpr: string): string {
  return `(SELECT CASE WHEN af.classes IS NULL AND af.children IS NULL THEN NULL
       ELSE json_strip_nulls(json_build_object('classes', af.classes, 'children', af.children)) END
     FROM (SELECT max(af_y.school_year) AS y FROM classes af_y WHERE af_y.establishment_id = ${establishmentExpr}) af_yr,
     LATERAL (SELECT
       (SELECT json_agg(json_build_object('name', af_x.name, 'subject', af_x.subject) ORDER BY af_x.name)
          FROM (SELECT af_c.name, af_ct.subject FROM class_teachers af_ct JOIN classes af_c ON af_c.id = af_ct.class_id
                 WHERE af_ct.teacher_id = ${userExpr} AND af_c.establishment_id = ${establishmentExpr}
                   AND af_c.school_year = af_yr.y
                UNION ALL
                SELECT af_c.name, NULL FROM pupils af_p JOIN class_pupils af_cp ON af_cp.pupil_id = af_p.id
                  JOIN classes af_c ON af_c.id = af_cp.class_id
                 WHERE af_p.user_id = ${userExpr} AND af_p.establishment_id = ${establishmentExpr}
                   AND af_c.school_year = af_yr.y) af_x) AS classes,
       (SELECT json_agg(json_build_object('name', coalesce(af_p.given_name, af_p.name), 'classes',
            coalesce((SELECT json_agg(af_c.name ORDER BY af_c.name) FROM class_pupils af_cp
                        JOIN classes af_c ON af_c.id = af_cp.class_id
                       WHERE af_cp.pupil_id = af_p.id AND af_c.school_year = af_yr.y), '[]'::json))
            ORDER BY af_p.name, af_p.id)
          FROM guardianships af_g JOIN pupils af_p ON af_p.id = af_g.pupil_id
         WHERE af_g.guardian_id = ${userExpr} AND af_p.establishment_id = ${establishmentExpr}) AS children) af)`;
}

/** The affiliations of `userIds` in the establishment; people without any are absent from the map. */
export async function listAffiliations(
  q: Queryable,
  establishmentId: string,
  userIds: readonly string[],
): Promise<Map<string, Affiliation>> {
  const ids = [...new Set(userIds)].filter(isUuid);
  if (ids.length === 0 || !isUuid(establishmentId)) return new Map();
  const rows = await q.query<{ id: string; affiliation: Affiliation | null }>(
    `SELECT au.id, ${affiliationSql("au.id", "$1::uuid")} AS affiliation
     FROM unnest($2::uuid[]) AS au(id)`,
    [establishmentId, ids],
  );
  return new Map(rows.flatMap((r) => r.affiliation ? [[r.id, r.affiliation] as const] : []));
}

/** The members of the establishment with these emails (any case), keyed by lower-cased email. */
export async function findMembersByEmail(
  q: Queryable,
  establishmentId: string,
  emails: readonly string[],
): Promise<Map<string, { id: string; name: string; email: string }>> {
  if (!isUuid(establishmentId) || emails.length === 0) return new Map();
  const rows = await q.query<{ id: string; name: string; email: string }>(
    `SELECT u.id, u.name, u.email FROM users u JOIN memberships m ON m.user_id = u.id AND m.establishment_id = $1
     WHERE lower(u.email) = ANY($2::text[])`,
    [establishmentId, emails.map((e) => e.toLowerCase())],
  );
  return new Map(rows.map((r) => [r.email.toLowerCase(), r]));
}

/** Serialises class-list imports of one establishment until the end of the transaction `tx`. */
export async function lockClassImports(tx: Queryable, establishmentId: string): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('preau:class-import:' || $1::text))`, [
    establishmentId,
  ]);
}

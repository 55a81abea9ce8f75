/**
 * Classes of an establishment per school year (`classes`), their pupils (`class_pupils`) and their
 * teachers (`class_teachers`, optionally with a subject). Every function takes the establishment so a
 * class of another establishment is never read or changed (callers answer `not_found`).
 */
import type { Queryable } from "./types.ts";
import { isUuid } from "./models.ts";

/** A class as the admin pages list it. */
export interface SchoolClass {
  id: string;
  establishmentId: string;
  name: string;
  /** "2026-2027". */
  schoolYear: string;
  pupilCount: number;
  teacherCount: number;
}

/** A teacher of a class. */
export interface ClassTeacher {
  id: string;
  name: string;
  email: string;
  subject: string | null;
}

const COLUMNS = `c.id, c.establishment_id AS "establishmentId", c.name, c.school_year AS "schoolYear",
  (SELECT count(*)::int FROM class_pupils cp WHERE cp.class_id = c.id) AS "pupilCount",
  (SELECT count(*)::int FROM class_teachers ct WHERE ct.class_id = c.id) AS "teacherCount"`;

/** True for "YYYY-YYYY" with the second year following the first (what the table accepts). */
export function isSchoolYear(value: string): boolean {
  const m = /^(\d{4})-(\d{4})$/.exec(value);
  return m !== null && Number(m[2]) === Number(m[1]) + 1;
}

/** The school year running at `now` (it starts on August 1st): "2026-2027" from August 2026 to July 2027. */
export function schoolYearAt(now: Date): string {
  const first = now.getUTCMonth() >= 7 ? now.getUTCFullYear() : now.getUTCFullYear() - 1;
  return `${first}-${first + 1}`;
}

/** The establishment's classes of `schoolYear`, by name (case-insensitive, numbers in order). */
export async function listClasses(
  q: Queryable,
  establishmentId: string,
  schoolYear: string,
): Promise<SchoolClass[]> {
  if (!isUuid(establishmentId)) return [];
  const rows = await q.query<SchoolClass>(
    `SELECT ${COLUMNS} FROM classes c WHERE c.establishment_id = $1 AND c.school_year = $2`,
    [establishmentId, schoolYear],
  );
  const collator = new Intl.Collator("fr", { numeric: true, sensitivity: "base" });
  return rows.sort((a, b) => collator.compare(a.name, b.name));
}

/** The school years the establishment has classes in, newest first. */
export async function listSchoolYears(q: Queryable, establishmentId: string): Promise<string[]> {
  if (!isUuid(establishmentId)) return [];
  const rows = await q.query<{ schoolYear: string }>(
    `SELECT DISTINCT school_year AS "schoolYear" FROM classes WHERE establishment_id = $1
     ORDER BY school_year DESC`,
    [establishmentId],
  );
  return rows.map((r) => r.schoolYear);
}

/** The class `classId` of the establishment, or null. */
export async function getClass(
  q: Queryable,
  establishmentId: string,
  classId: string,
): Promise<SchoolClass | null> {
  if (!isUuid(establishmentId) || !isUuid(classId)) return null;
  const rows = await q.query<SchoolClass>(
    `SELECT ${COLUMNS} FROM classes c WHERE c.establishment_id = $1 AND c.id = $2`,
    [establishmentId, classId],
  );
  return rows[0] ?? null;
}

/** Creates a class; a second one of the same name (any case) and year fails with 23505. */
export async function createClass(
  q: Queryable,
  input: { establishmentId: string; name: string; schoolYear: string },
): Promise<SchoolClass> {
  const rows = await q.query<{ id: string }>(
    `INSERT INTO classes (establishment_id, name, school_year) VALUES ($1, $2, $3) RETURNING id`,
    [input.establishmentId, input.name, input.schoolYear],
  );
  return (await getClass(q, input.establishmentId, rows[0]!.id))!;
}

/** Renames a class of the establishment (23505 when the name is taken that year); whether it exists. */
export async function renameClass(
  q: Queryable,
  establishmentId: string,
  classId: string,
  name: string,
): Promise<boolean> {
  if (!isUuid(establishmentId) || !isUuid(classId)) return false;
  const rows = await q.query(
    `UPDATE classes SET name = $3 WHERE establishment_id = $1 AND id = $2 RETURNING id`,
    [establishmentId, classId, name],
  );
  return rows.length > 0;
}

/** Deletes a class of the establishment with its pupil and teacher links (the pupils stay). */
export async function deleteClass(q: Queryable, establishmentId: string, classId: string): Promise<boolean> {
  if (!isUuid(establishmentId) || !isUuid(classId)) return false;
  const rows = await q.query(
    `DELETE FROM classes WHERE establishment_id = $1 AND id = $2 RETURNING id`,
    [establishmentId, classId],
  );
  return rows.length > 0;
}

/** The teachers of a class, by name. */
export async function listClassTeachers(q: Queryable, classId: string): Promise<ClassTeacher[]> {
  if (!isUuid(classId)) return [];
  return await q.query<ClassTeacher>(
    `SELECT u.id, u.name, u.email, ct.subject FROM class_teachers ct JOIN users u ON u.id = ct.teacher_id
     WHERE ct.class_id = $1 ORDER BY u.search_text, u.id`,
    [classId],
  );
}

/** Assigns a teacher to a class, or changes their subject there; returns whether anything changed. */
export async function assignTeacher(
  q: Queryable,
  input: { classId: string; teacherId: string; subject: string | null },
): Promise<boolean> {
  const rows = await q.query(
    `INSERT INTO class_teachers (class_id, teacher_id, subject) VALUES ($1, $2, $3)
     ON CONFLICT (class_id, teacher_id) DO UPDATE SET subject = EXCLUDED.subject
       WHERE class_teachers.subject IS DISTINCT FROM EXCLUDED.subject
     RETURNING class_id`,
    [input.classId, input.teacherId, input.subject],
  );
  return rows.length > 0;
}

/** Unassigns a teacher from a class; whether they were assigned. */
export async function unassignTeacher(q: Queryable, classId: string, teacherId: string): Promise<boolean> {
  if (!isUuid(classId) || !isUuid(teacherId)) return false;
  const rows = await q.query(
    `DELETE FROM class_teachers WHERE class_id = $1 AND teacher_id = $2 RETURNING class_id`,
    [classId, teacherId],
  );
  return rows.length > 0;
}

/** Puts a pupil in a class; whether they were not in it yet. */
export async function addPupilToClass(q: Queryable, classId: string, pupilId: string): Promise<boolean> {
  const rows = await q.query(
    `INSERT INTO class_pupils (class_id, pupil_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING class_id`,
    [classId, pupilId],
  );
  return rows.length > 0;
}

/** Takes a pupil out of a class; whether they were in it. */
export async function removePupilFromClass(
  q: Queryable,
  classId: string,
  pupilId: string,
): Promise<boolean> {
  if (!isUuid(classId) || !isUuid(pupilId)) return false;
  const rows = await q.query(
    `DELETE FROM class_pupils WHERE class_id = $1 AND pupil_id = $2 RETURNING class_id`,
    [classId, pupilId],
  );
  return rows.length > 0;
}

/** Puts many pupils in classes in one statement, skipping links that exist; returns how many were new. */
export async function addPupilsToClasses(
  q: Queryable,
  links: readonly { classId: string; pupilId: string }[],
): Promise<number> {
  if (links.length === 0) return 0;
  const rows = await q.query<{ n: number }>(
    `WITH added AS (
       INSERT INTO class_pupils (class_id, pupil_id)
       SELECT r."classId", r."pupilId" FROM jsonb_to_recordset($1::jsonb) AS r("classId" uuid, "pupilId" uuid)
       ON CONFLICT DO NOTHING RETURNING 1)
     SELECT count(*)::int AS n FROM added`,
    [JSON.stringify(links)],
  );
  return rows[0]?.n ?? 0;
}

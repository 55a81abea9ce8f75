/**
 * The structure of a school, managed by its admins (`/[locale]/admin/classes/**`): classes per school
 * year, their pupils and teachers (with a subject), and each pupil's guardians. Every operation checks
 * the caller with `requireAdmin` (`not_found` outside their establishments, `forbidden` for non-admins),
 * answers `not_found` for a class, pupil or person of another establishment, and records the change in
 * the audit log in the same transaction.
 *
 * No event is published: who may write to whom is decided from these tables at each search, creation
 * and send (`domain/permissions.ts`), and live sockets hold nothing derived from them, so there is
 * nothing to re-check or close (`membership_changed` would disconnect people for no reason).
 */
import type { Database, Queryable } from "../db/types.ts";
import type { Role, User } from "../db/models.ts";
import {
  addPupilToClass,
  assignTeacher,
  type ClassTeacher,
  createClass,
  deleteClass,
  getClass,
  isSchoolYear,
  listClasses,
  listClassTeachers,
  listSchoolYears,
  removePupilFromClass,
  renameClass,
  type SchoolClass,
  schoolYearAt,
  unassignTeacher,
} from "../db/classes.ts";
import {
  type ClassPupil,
  createPupil,
  deletePupil,
  findPupils,
  getPupil,
  type Guardian,
  linkGuardian,
  listClassPupils,
  listGuardians,
  type Pupil,
  setPupilAccount,
  unlinkGuardian,
} from "../db/pupils.ts";
import { getPerson, listPeople, type PersonRow } from "../db/people.ts";
import { appendAudit, type AuditInput } from "../db/audit.ts";
import { sqlState } from "../db/errors.ts";
import { type Actor, personLabel, requireAdmin } from "./admin.ts";
import { badRequest, notFound } from "./errors.ts";
import { codePointLength, isStorable, normalizeText } from "./text.ts";

/** Longest class name and subject, in code points (the table's limits). */
export const MAX_CLASS_NAME = 100;
/** Longest pupil name (the table allows 200 for the full name). */
export const MAX_PUPIL_NAME = 100;
/** Longest pupil number of the administration software. */
export const MAX_EXTERNAL_REF = 64;

/**
 * `value` trimmed and NFC-normalised; `badRequest` naming `field` when it is empty (unless `optional`,
 * then null), too long or not storable.
 */
export function cleanField(field: string, value: unknown, max: number, optional: true): string | null;
export function cleanField(field: string, value: unknown, max: number, optional?: false): string;
export function cleanField(field: string, value: unknown, max: number, optional = false): string | null {
  const text = typeof value === "string" ? normalizeText(value).trim() : "";
  if (text === "") {
    if (optional) return null;
    throw badRequest(`${field}: required; fill it in`);
  }
  if (!isStorable(text)) throw badRequest(`${field}: contains characters that cannot be stored; retype it`);
  if (codePointLength(text) > max) throw badRequest(`${field}: at most ${max} characters`);
  return text;
}

function schoolYearField(value: unknown): string {
  const year = typeof value === "string" ? value.trim() : "";
  if (!isSchoolYear(year)) {
    throw badRequest('schoolYear: expected "YYYY-YYYY" with consecutive years, e.g. "2026-2027"');
  }
  return year;
}

/** Records `entry` for `admin` of `establishmentId` in `tx`. */
async function audit(
  tx: Queryable,
  admin: User,
  actor: Actor,
  establishmentId: string,
  entry: Pick<AuditInput, "action" | "targetType" | "targetId" | "targetLabel" | "details">,
): Promise<void> {
  await appendAudit(tx, {
    establishmentId,
    actorId: admin.id,
    actorLabel: personLabel(admin),
    clientAddress: actor.clientAddress,
    ...entry,
  });
}

const noClass = () => notFound("No such class in this establishment; pick one from the classes page.");
const noPupil = () => notFound("No such pupil in this establishment; pick one from a class page.");
const nameTaken = (name: string, year: string) =>
  badRequest(`name: a class "${name}" already exists for ${year}; choose another name`);

/** The acting admin and the class `classId` of their establishment, or `not_found`. */
async function adminAndClass(
  db: Database,
  actor: Actor,
  input: { establishmentId: string; classId: string },
) {
  const admin = await requireAdmin(db, actor.userId, input.establishmentId);
  const schoolClass = await getClass(db, input.establishmentId, input.classId);
  if (schoolClass === null) throw noClass();
  return { admin, schoolClass };
}

/** The acting admin and the pupil `pupilId` of their establishment, or `not_found`. */
async function adminAndPupil(
  db: Database,
  actor: Actor,
  input: { establishmentId: string; pupilId: string },
) {
  const admin = await requireAdmin(db, actor.userId, input.establishmentId);
  const pupil = await getPupil(db, input.establishmentId, input.pupilId);
  if (pupil === null) throw noPupil();
  return { admin, pupil };
}

/** What the classes page shows: the years, the chosen one, and its classes. */
export interface ClassesOverview {
  schoolYears: string[];
  schoolYear: string;
  classes: SchoolClass[];
}

/**
 * The classes of `schoolYear` (default: the newest year with classes, else the running one) for the
 * admin `adminId`. The running and the next year are always offered.
 */
export async function classesOverview(
  db: Database,
  adminId: string,
  establishmentId: string,
  schoolYear?: string,
  now = new Date(),
): Promise<ClassesOverview> {
  await requireAdmin(db, adminId, establishmentId);
  const stored = await listSchoolYears(db, establishmentId);
  const running = schoolYearAt(now);
  const next = schoolYearAt(new Date(now.getTime() + 366 * 86_400_000));
  const years = [...new Set([...stored, running, next])].sort().reverse();
  const year = schoolYear && isSchoolYear(schoolYear) ? schoolYear : stored[0] ?? running;
  if (!years.includes(year)) years.push(year);
  return { schoolYears: years, schoolYear: year, classes: await listClasses(db, establishmentId, year) };
}

/** Creates a class (`{name, schoolYear}`); a taken name that year is a `400` naming `name`. */
export async function createSchoolClass(
  db: Database,
  actor: Actor,
  input: { establishmentId: string; name: unknown; schoolYear: unknown },
): Promise<SchoolClass> {
  const admin = await requireAdmin(db, actor.userId, input.establishmentId);
  const name = cleanField("name", input.name, MAX_CLASS_NAME);
  const schoolYear = schoolYearField(input.schoolYear);
  try {
    return await db.transaction(async (tx) => {
      const created = await createClass(tx, { establishmentId: input.establishmentId, name, schoolYear });
      await audit(tx, admin, actor, input.establishmentId, {
        action: "class.create",
        targetType: "class",
        targetId: created.id,
        targetLabel: `${name} (${schoolYear})`,
      });
      return created;
    });
  } catch (error) {
    if (sqlState(error) === "23505") throw nameTaken(name, schoolYear);
    throw error;
  }
}

/** Renames a class of the establishment. */
export async function renameSchoolClass(
  db: Database,
  actor: Actor,
  input: { establishmentId: string; classId: string; name: unknown },
): Promise<void> {
  const { admin, schoolClass: found } = await adminAndClass(db, actor, input);
  const name = cleanField("name", input.name, MAX_CLASS_NAME);
  if (name === found.name) return;
  try {
    await db.transaction(async (tx) => {
      if (!(await renameClass(tx, input.establishmentId, found.id, name))) throw noClass();
      await audit(tx, admin, actor, input.establishmentId, {
        action: "class.rename",
        targetType: "class",
        targetId: found.id,
        targetLabel: `${name} (${found.schoolYear})`,
        details: { from: found.name, to: name },
      });
    });
  } catch (error) {
    if (sqlState(error) === "23505") throw nameTaken(name, found.schoolYear);
    throw error;
  }
}

/** Deletes a class with its pupil and teacher links (the pupils and their guardians stay). */
export async function deleteSchoolClass(
  db: Database,
  actor: Actor,
  input: { establishmentId: string; classId: string },
): Promise<void> {
  const { admin, schoolClass: found } = await adminAndClass(db, actor, input);
  await db.transaction(async (tx) => {
    if (!(await deleteClass(tx, input.establishmentId, found.id))) throw noClass();
    await audit(tx, admin, actor, input.establishmentId, {
      action: "class.delete",
      targetType: "class",
      targetId: found.id,
      targetLabel: `${found.name} (${found.schoolYear})`,
    });
  });
}

/** What a class page shows. */
export interface ClassDetails {
  schoolClass: SchoolClass;
  pupils: ClassPupil[];
  teachers: ClassTeacher[];
  /** The establishment's teachers (and admins) who may be assigned, by name. */
  staff: PersonRow[];
  /** Pupils of the establishment matching the page's search, to add (empty without a search). */
  candidates: { id: string; name: string; externalRef: string | null }[];
}

/** The class `classId` for the admin `adminId`; `not_found` for a class of another establishment. */
export async function classDetails(
  db: Database,
  adminId: string,
  establishmentId: string,
  classId: string,
  pupilQuery = "",
): Promise<ClassDetails> {
  await requireAdmin(db, adminId, establishmentId);
  const schoolClass = await getClass(db, establishmentId, classId);
  if (schoolClass === null) throw noClass();
  const query = pupilQuery.trim().slice(0, 100);
  const [pupils, teachers, teachersList, admins] = await Promise.all([
    listClassPupils(db, schoolClass.id),
    listClassTeachers(db, schoolClass.id),
    listPeople(db, { establishmentId, role: "teacher", status: "active", limit: 200 }),
    listPeople(db, { establishmentId, role: "admin", status: "active", limit: 200 }),
  ]);
  const inClass = new Set(pupils.map((p) => p.id));
  const candidates = query.length >= 2 && isStorable(query)
    ? (await findPupils(db, establishmentId, query)).filter((p) => !inClass.has(p.id))
    : [];
  return { schoolClass, pupils, teachers, staff: [...teachersList.rows, ...admins.rows], candidates };
}

/**
 * Puts a pupil in the class: an existing pupil of the establishment (`pupilId`), or a new one
 * (`name`, optional `givenName` — the first name shown in labels — and `externalRef`, their number in
 * the administration software). Returns the pupil's id.
 */
export async function addPupil(
  db: Database,
  actor: Actor,
  input: {
    establishmentId: string;
    classId: string;
    pupilId?: string;
    name?: unknown;
    givenName?: unknown;
    externalRef?: unknown;
  },
): Promise<string> {
  const { admin, schoolClass } = await adminAndClass(db, actor, input);
  const existing = input.pupilId ? await getPupil(db, input.establishmentId, input.pupilId) : null;
  if (input.pupilId && existing === null) throw noPupil();
  const fresh = existing === null
    ? {
      givenName: cleanField("givenName", input.givenName, MAX_PUPIL_NAME, true),
      name: cleanField("name", input.name, MAX_PUPIL_NAME),
      externalRef: cleanField("externalRef", input.externalRef, MAX_EXTERNAL_REF, true),
    }
    : null;
  try {
    return await db.transaction(async (tx) => {
      const pupil = existing ?? await createPupil(tx, {
        establishmentId: input.establishmentId,
        name: fresh!.givenName ? `${fresh!.givenName} ${fresh!.name}` : fresh!.name,
        givenName: fresh!.givenName,
        externalRef: fresh!.externalRef,
      });
      if (await addPupilToClass(tx, schoolClass.id, pupil.id)) {
        await audit(tx, admin, actor, input.establishmentId, {
          action: "class.add_pupil",
          targetType: "pupil",
          targetId: pupil.id,
          targetLabel: pupil.name,
          details: {
            class: schoolClass.name,
            schoolYear: schoolClass.schoolYear,
            created: existing === null,
          },
        });
      }
      return pupil.id;
    });
  } catch (error) {
    if (sqlState(error) === "23505") {
      throw badRequest(
        "externalRef: another pupil of the establishment has this number; add that pupil instead",
      );
    }
    throw error;
  }
}

/** Takes a pupil out of the class (the pupil stays in the establishment). */
export async function removePupil(
  db: Database,
  actor: Actor,
  input: { establishmentId: string; classId: string; pupilId: string },
): Promise<void> {
  const { admin, schoolClass } = await adminAndClass(db, actor, input);
  const pupil = await getPupil(db, input.establishmentId, input.pupilId);
  if (pupil === null) throw noPupil();
  await db.transaction(async (tx) => {
    if (!(await removePupilFromClass(tx, schoolClass.id, pupil.id))) return;
    await audit(tx, admin, actor, input.establishmentId, {
      action: "class.remove_pupil",
      targetType: "pupil",
      targetId: pupil.id,
      targetLabel: pupil.name,
      details: { class: schoolClass.name, schoolYear: schoolClass.schoolYear },
    });
  });
}

/** A member of the establishment with one of `roles`, or `not_found` naming what to pick. */
async function memberWith(db: Database, establishmentId: string, userId: string, roles: readonly Role[]) {
  const person = await getPerson(db, establishmentId, userId);
  if (person === null || !roles.includes(person.role)) {
    throw notFound(
      `No such ${
        roles.join(" or ")
      } in this establishment; pick someone from the list, or invite them first.`,
    );
  }
  return person;
}

/** Assigns a teacher (or admin) of the establishment to the class, with an optional subject. */
export async function assignClassTeacher(
  db: Database,
  actor: Actor,
  input: { establishmentId: string; classId: string; teacherId: string; subject?: unknown },
): Promise<void> {
  const { admin, schoolClass } = await adminAndClass(db, actor, input);
  const teacher = await memberWith(db, input.establishmentId, input.teacherId, ["teacher", "admin"]);
  const subject = cleanField("subject", input.subject, MAX_CLASS_NAME, true);
  await db.transaction(async (tx) => {
    if (!(await assignTeacher(tx, { classId: schoolClass.id, teacherId: teacher.id, subject }))) return;
    await audit(tx, admin, actor, input.establishmentId, {
      action: "class.assign_teacher",
      targetType: "person",
      targetId: teacher.id,
      targetLabel: personLabel(teacher),
      details: { class: schoolClass.name, schoolYear: schoolClass.schoolYear, subject },
    });
  });
}

/** Unassigns a teacher from the class. */
export async function unassignClassTeacher(
  db: Database,
  actor: Actor,
  input: { establishmentId: string; classId: string; teacherId: string },
): Promise<void> {
  const { admin, schoolClass } = await adminAndClass(db, actor, input);
  await db.transaction(async (tx) => {
    if (!(await unassignTeacher(tx, schoolClass.id, input.teacherId))) return;
    await audit(tx, admin, actor, input.establishmentId, {
      action: "class.unassign_teacher",
      targetType: "person",
      targetId: input.teacherId,
      targetLabel: schoolClass.name,
      details: { class: schoolClass.name, schoolYear: schoolClass.schoolYear },
    });
  });
}

/** What a pupil page shows. */
export interface PupilDetails {
  pupil: Pupil;
  guardians: Guardian[];
  /** Parents of the establishment matching the page's search, to link (empty without a search). */
  parentCandidates: PersonRow[];
  /** Students of the establishment matching the page's search, to link as the pupil's own account. */
  studentCandidates: PersonRow[];
}

/** The pupil `pupilId` for the admin `adminId`; `not_found` for a pupil of another establishment. */
export async function pupilDetails(
  db: Database,
  adminId: string,
  establishmentId: string,
  pupilId: string,
  query = "",
): Promise<PupilDetails> {
  await requireAdmin(db, adminId, establishmentId);
  const pupil = await getPupil(db, establishmentId, pupilId);
  if (pupil === null) throw noPupil();
  const guardians = await listGuardians(db, pupil.id);
  const q = query.trim().slice(0, 100);
  if (q.length < 2 || !isStorable(q)) {
    return { pupil, guardians, parentCandidates: [], studentCandidates: [] };
  }
  const linked = new Set(guardians.map((g) => g.userId));
  const [parents, students] = await Promise.all([
    listPeople(db, { establishmentId, query: q, role: "parent", limit: 20 }),
    listPeople(db, { establishmentId, query: q, role: "student", limit: 20 }),
  ]);
  return {
    pupil,
    guardians,
    parentCandidates: parents.rows.filter((p) => !linked.has(p.id)),
    studentCandidates: students.rows.filter((p) => p.id !== pupil.userId),
  };
}

/** Makes a parent of the establishment a guardian of the pupil. */
export async function linkPupilGuardian(
  db: Database,
  actor: Actor,
  input: { establishmentId: string; pupilId: string; guardianId: string },
): Promise<void> {
  const { admin, pupil } = await adminAndPupil(db, actor, input);
  const parent = await memberWith(db, input.establishmentId, input.guardianId, ["parent"]);
  await db.transaction(async (tx) => {
    if (!(await linkGuardian(tx, pupil.id, parent.id))) return;
    await audit(tx, admin, actor, input.establishmentId, {
      action: "guardian.link",
      targetType: "person",
      targetId: parent.id,
      targetLabel: personLabel(parent),
      details: { pupil: pupil.name },
    });
  });
}

/** Removes one guardian (an account or a pending invitation) of the pupil. */
export async function unlinkPupilGuardian(
  db: Database,
  actor: Actor,
  input: { establishmentId: string; pupilId: string; guardianshipId: string },
): Promise<void> {
  const { admin, pupil } = await adminAndPupil(db, actor, input);
  const guardian = (await listGuardians(db, pupil.id)).find((g) => g.id === input.guardianshipId);
  if (guardian === undefined) throw notFound("No such guardian of this pupil; reload the pupil's page.");
  await db.transaction(async (tx) => {
    if ((await unlinkGuardian(tx, pupil.id, guardian.id)) === null) return;
    await audit(tx, admin, actor, input.establishmentId, {
      action: "guardian.unlink",
      targetType: "person",
      targetId: guardian.userId ?? guardian.invitationId,
      targetLabel: personLabel(guardian),
      details: { pupil: pupil.name },
    });
  });
}

/** Links the pupil to their own student account of the establishment (`studentId` null unlinks). */
export async function setPupilStudent(
  db: Database,
  actor: Actor,
  input: { establishmentId: string; pupilId: string; studentId: string | null },
): Promise<void> {
  const { admin, pupil } = await adminAndPupil(db, actor, input);
  const student = input.studentId === null
    ? null
    : await memberWith(db, input.establishmentId, input.studentId, ["student"]);
  if ((student?.id ?? null) === pupil.userId) return;
  try {
    await db.transaction(async (tx) => {
      await setPupilAccount(tx, input.establishmentId, pupil.id, student?.id ?? null);
      await audit(tx, admin, actor, input.establishmentId, {
        action: "pupil.account",
        targetType: "pupil",
        targetId: pupil.id,
        targetLabel: pupil.name,
        details: { account: student ? personLabel(student) : null },
      });
    });
  } catch (error) {
    if (sqlState(error) === "23505") {
      throw badRequest("studentId: this account is already linked to another pupil; unlink it there first");
    }
    throw error;
  }
}

/** Deletes the pupil from the establishment, with their class and guardian links. */
export async function removeSchoolPupil(
  db: Database,
  actor: Actor,
  input: { establishmentId: string; pupilId: string },
): Promise<void> {
  const { admin, pupil } = await adminAndPupil(db, actor, input);
  await db.transaction(async (tx) => {
    if (!(await deletePupil(tx, input.establishmentId, pupil.id))) throw noPupil();
    await audit(tx, admin, actor, input.establishmentId, {
      action: "pupil.delete",
      targetType: "pupil",
      targetId: pupil.id,
      targetLabel: pupil.name,
    });
  });
}

/**
 * Test data factories. Tests share one database per process, so every factory makes unique rows (random
 * slugs and emails) and no test may assume an empty table.
 */
import type { Database } from "./types.ts";
import type { Establishment, Role, User } from "./models.ts";
import { createEstablishment } from "./establishments.ts";
import { createUser, setMembership } from "./users.ts";
import { searchTextFor } from "./search_text.ts";
import { createConversation } from "./conversations.ts";
import { addPupilToClass, assignTeacher, createClass, type SchoolClass } from "./classes.ts";
import { createPupil, linkGuardian, setPupilAccount } from "./pupils.ts";
import { currentSchoolYear } from "./school_graph.ts";

/**
 * A placeholder password hash for users who never log in. It is not a valid PHC string, so no password
 * verifies against it; tests that log in pass a real hash.
 */
export const UNUSABLE_PASSWORD_HASH = "!unusable-test-hash";

/** A short random token for unique names. */
export function uniqueToken(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 12);
}

/** Creates an establishment with a unique slug; `overrides` replace the generated name or slug. */
export async function makeEstablishment(
  db: Database,
  overrides: { name?: string; slug?: string } = {},
): Promise<Establishment> {
  const token = uniqueToken();
  return await createEstablishment(db, {
    name: overrides.name ?? `École ${token}`,
    slug: overrides.slug ?? `ecole-${token}`,
  });
}

/** Options of {@linkcode makeUser}; only the establishment and role are required. */
export interface MakeUserOptions {
  establishmentId: string;
  role: Role;
  /** Default: "Test <token>". */
  name?: string;
  /** Default: a unique `user-<token>@example.test`. */
  email?: string;
  /** Default: {@linkcode UNUSABLE_PASSWORD_HASH}. */
  passwordHash?: string;
  /** Default: "fr". */
  locale?: "fr" | "en";
}

/** Creates a person who is a member of `establishmentId` with `role`. */
export async function makeUser(db: Database, options: MakeUserOptions): Promise<User> {
  const token = uniqueToken();
  const user = await createUser(db, {
    email: options.email ?? `user-${token}@example.test`,
    name: options.name ?? `Test ${token}`,
    passwordHash: options.passwordHash ?? UNUSABLE_PASSWORD_HASH,
    locale: options.locale ?? "fr",
  });
  await setMembership(db, { userId: user.id, establishmentId: options.establishmentId, role: options.role });
  return user;
}

/** A conversation made by {@linkcode makeConversation}. */
export interface MadeConversation {
  id: string;
  establishmentId: string;
  /** Every participant id, creator first. */
  members: string[];
  /** False when the two members already had a direct conversation (its id is returned). */
  created: boolean;
}

/**
 * Creates a conversation between `members` (at least two ids; the creator defaults to the first and is
 * added if missing). No permission check: tests of the rules go through domain/.
 */
export async function makeConversation(
  db: Database,
  options: { establishmentId: string; members: string[]; createdBy?: string; title?: string | null },
): Promise<MadeConversation> {
  const createdBy = options.createdBy ?? options.members[0];
  if (createdBy === undefined) throw new Error("makeConversation needs at least one member");
  const members = [...new Set([createdBy, ...options.members])];
  const { id, created } = await createConversation(db, {
    establishmentId: options.establishmentId,
    createdBy,
    participantIds: members,
    title: options.title ?? null,
  });
  return { id, establishmentId: options.establishmentId, members, created };
}

/**
 * `count` parents of `establishmentId`, each in a two-person conversation with `senderId` holding one
 * message from them that the parent has not read, sent `ageMs` ago — in a handful of statements, for
 * benchmarks of the digest pass. Returns the parents' ids.
 */
export async function makeUnreadParents(
  db: Database,
  options: { establishmentId: string; senderId: string; count: number; ageMs: number },
): Promise<string[]> {
  const token = uniqueToken();
  return await db.transaction(async (tx) => {
    const users = await tx.query<{ id: string }>(
      `INSERT INTO users (email, name, search_text, password_hash)
       SELECT 'bulk-' || $1 || '-' || g || '@example.test', 'Parent ' || g, 'parent ' || g, $2
       FROM generate_series(1, $3) g RETURNING id`,
      [token, UNUSABLE_PASSWORD_HASH, options.count],
    );
    const ids = JSON.stringify(users.map((u) => u.id));
    await tx.query(
      `INSERT INTO memberships (user_id, establishment_id, role)
       SELECT value::uuid, $2, 'parent' FROM jsonb_array_elements_text($1::jsonb)`,
      [ids, options.establishmentId],
    );
    await tx.query(
      `WITH c AS (
         INSERT INTO conversations (establishment_id, created_by, direct_key, last_seq)
         SELECT $2::uuid, $3::uuid, $2::text || ':' || $3::text || ':' || value, 1
         FROM jsonb_array_elements_text($1::jsonb)
         RETURNING id, direct_key
       ), p AS (
         INSERT INTO participants (conversation_id, user_id, read_seq)
         SELECT c.id, split_part(c.direct_key, ':', 3)::uuid, 0 FROM c
         UNION ALL SELECT c.id, $3::uuid, 1 FROM c
       )
       INSERT INTO messages (conversation_id, seq, sender_id, client_id, body, created_at)
       SELECT c.id, 1, $3::uuid, 'bulk-' || c.id, 'Bonjour, message de test ' || c.id, now() - $4 * interval '1 millisecond'
       FROM c`,
      [ids, options.establishmentId, options.senderId, options.ageMs],
    );
    return users.map((u) => u.id);
  });
}

/** Forgets every digest sent and queued mail (benchmarks repeat a pass over the same unread state). */
export async function clearDigests(db: Database): Promise<void> {
  await db.query("DELETE FROM digest_marks");
  await db.query("DELETE FROM digest_state");
  await db.query("DELETE FROM mail_queue");
}

const FIRST_NAMES = ["Élodie", "Marc", "Inès", "Hugo", "Chloé", "Karim", "Léa", "Noé", "Zoé", "Sami"];
const LAST_NAMES = ["Martin", "Dubois", "Lefèvre", "Moreau", "Garcia", "Nguyen", "Roux", "Benali"];

/**
 * `count` members of the establishment with `role` in two statements (benches and paging tests): names
 * like "Élodie Martin 17", unique emails, unusable passwords.
 */
export async function makeMembers(
  db: Database,
  options: { establishmentId: string; count: number; role?: Role },
): Promise<void> {
  const token = uniqueToken();
  const rows = Array.from({ length: options.count }, (_, i) => {
    const name = `${FIRST_NAMES[i % FIRST_NAMES.length]} ${LAST_NAMES[i % LAST_NAMES.length]} ${i}`;
    const email = `member-${token}-${i}@example.test`;
    return { name, email, search_text: searchTextFor(name, email) };
  });
  await db.query(
    `WITH u AS (
       INSERT INTO users (email, name, search_text, password_hash)
       SELECT r.email, r.name, r.search_text, $2 FROM jsonb_to_recordset($1::jsonb) AS r(email text, name text, search_text text)
       RETURNING id)
     INSERT INTO memberships (user_id, establishment_id, role) SELECT id, $3, $4 FROM u`,
    [JSON.stringify(rows), UNUSABLE_PASSWORD_HASH, options.establishmentId, options.role ?? "parent"],
  );
}

/**
 * `count` group conversations of `userId` with `otherId` in `establishmentId`, each holding one
 * message from `otherId`, in a handful of statements (benchmarks and paging tests). `updatedAt`
 * gives every one the same activity time (ties); by default each is a second older than the last.
 * Returns their ids, most recent first.
 */
export async function makeManyConversations(
  db: Database,
  options: { establishmentId: string; userId: string; otherId: string; count: number; updatedAt?: Date },
): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `WITH made AS (
       INSERT INTO conversations (establishment_id, created_by, title, last_seq, updated_at)
       SELECT $1, $3, 'Groupe ' || n, 1, coalesce($5::timestamptz, now() - n * interval '1 second')
       FROM generate_series(1, $4::int) AS n
       RETURNING id, updated_at
     ), members AS (
       INSERT INTO participants (conversation_id, user_id, read_seq)
       SELECT id, $2, 0 FROM made UNION ALL SELECT id, $3, 1 FROM made
     ), messages AS (
       INSERT INTO messages (conversation_id, seq, sender_id, client_id, body, created_at)
       SELECT id, 1, $3, gen_random_uuid()::text, 'Bonjour', updated_at FROM made
     )
     SELECT id FROM made ORDER BY updated_at DESC, id`,
    [options.establishmentId, options.userId, options.otherId, options.count, options.updatedAt ?? null],
  );
  return rows.map((r) => r.id);
}

// --- School structure (classes, pupils, guardians): s12-structure ---

/** Creates a class of the establishment (default: a unique name, the current school year). */
export async function makeClass(
  db: Database,
  options: { establishmentId: string; name?: string; schoolYear?: string },
): Promise<SchoolClass> {
  return await createClass(db, {
    establishmentId: options.establishmentId,
    name: options.name ?? `Classe ${uniqueToken()}`,
    schoolYear: options.schoolYear ?? currentSchoolYear(),
  });
}

/** Creates a pupil in `classIds` with `guardianIds` as guardians; returns their id. */
export async function makePupil(
  db: Database,
  options: {
    establishmentId: string;
    givenName?: string;
    name?: string;
    externalRef?: string | null;
    classIds?: string[];
    guardianIds?: string[];
    userId?: string;
  },
): Promise<string> {
  const givenName = options.givenName ?? "Élève";
  const pupil = await createPupil(db, {
    establishmentId: options.establishmentId,
    name: options.name ?? `${givenName} ${uniqueToken()}`,
    givenName,
    externalRef: options.externalRef ?? null,
  });
  for (const classId of options.classIds ?? []) await addPupilToClass(db, classId, pupil.id);
  for (const guardianId of options.guardianIds ?? []) await linkGuardian(db, pupil.id, guardianId);
  if (options.userId) await setPupilAccount(db, options.establishmentId, pupil.id, options.userId);
  return pupil.id;
}

/** Assigns a teacher to a class (optional subject). */
export async function makeClassTeacher(
  db: Database,
  options: { classId: string; teacherId: string; subject?: string },
): Promise<void> {
  await assignTeacher(db, {
    classId: options.classId,
    teacherId: options.teacherId,
    subject: options.subject ?? null,
  });
}

// ---- School structure for the messaging rules (s12-rules): classes, pupils, guardians, teachers. ----

/** Creates a class of the current school year (db/school_graph.ts `currentSchoolYear`) unless told. */
export async function createSchoolClass(
  db: Database,
  options: { establishmentId: string; name?: string; schoolYear?: string },
): Promise<{ id: string; name: string }> {
  const { id, name } = await makeClass(db, options);
  return { id, name };
}

/** Creates a pupil in the class; `userId` links the pupil's own student account. */
export async function createPupilInClass(
  db: Database,
  options: { establishmentId: string; classId: string; name?: string; userId?: string },
): Promise<{ id: string; name: string }> {
  const name = options.name ?? `Élève ${uniqueToken()}`;
  const id = await makePupil(db, {
    establishmentId: options.establishmentId,
    name,
    classIds: [options.classId],
    userId: options.userId,
  });
  return { id, name };
}

/** Puts an existing pupil in one more class. */
export async function addPupilToSchoolClass(db: Database, options: { classId: string; pupilId: string }) {
  await addPupilToClass(db, options.classId, options.pupilId);
}

/** Makes `guardianId` a guardian of the pupil. */
export async function linkGuardianToPupil(db: Database, options: { pupilId: string; guardianId: string }) {
  await linkGuardian(db, options.pupilId, options.guardianId);
}

/** Assigns a teacher to a class. */
export async function assignTeacherToSchoolClass(
  db: Database,
  options: { classId: string; teacherId: string; subject?: string },
) {
  await makeClassTeacher(db, options);
}

/**
 * The shortest school that lets a parent and a teacher write to each other: a new class taught by
 * `teacherId` with a new pupil whose guardian is `parentId`.
 */
export async function linkParentToTeacher(
  db: Database,
  options: { establishmentId: string; parentId: string; teacherId: string },
): Promise<{ classId: string; pupilId: string }> {
  const schoolClass = await createSchoolClass(db, { establishmentId: options.establishmentId });
  const pupil = await createPupilInClass(db, {
    establishmentId: options.establishmentId,
    classId: schoolClass.id,
  });
  await linkGuardianToPupil(db, { pupilId: pupil.id, guardianId: options.parentId });
  await assignTeacherToSchoolClass(db, { classId: schoolClass.id, teacherId: options.teacherId });
  return { classId: schoolClass.id, pupilId: pupil.id };
}

/**
 * One class of the current school year holding everyone given: `teacherIds` teach it, `studentIds` are
 * its pupils (with their accounts), each of `parentIds` is the guardian of a new pupil in it. What tests
 * written before the class rules need so that their teachers, parents and students may write to each other.
 */
export async function makeSchoolClassWith(
  db: Database,
  options: { establishmentId: string; teacherIds?: string[]; studentIds?: string[]; parentIds?: string[] },
): Promise<{ id: string; name: string }> {
  const schoolClass = await createSchoolClass(db, { establishmentId: options.establishmentId });
  for (const teacherId of options.teacherIds ?? []) {
    await assignTeacherToSchoolClass(db, { classId: schoolClass.id, teacherId });
  }
  for (const userId of options.studentIds ?? []) {
    await createPupilInClass(db, {
      establishmentId: options.establishmentId,
      classId: schoolClass.id,
      userId,
    });
  }
  for (const guardianId of options.parentIds ?? []) {
    const pupil = await createPupilInClass(db, {
      establishmentId: options.establishmentId,
      classId: schoolClass.id,
    });
    await linkGuardianToPupil(db, { pupilId: pupil.id, guardianId });
  }
  return schoolClass;
}

/**
 * Spreads the establishment's current teachers, students and parents over `classes` new classes of the
 * current school year, in a handful of statements (benchmarks): teachers and students round-robin, each
 * parent the guardian of a new pupil of a class. Returns the class ids.
 */
export async function makeSchoolGraph(
  db: Database,
  options: { establishmentId: string; classes: number },
): Promise<string[]> {
  const classes = await db.query<{ id: string }>(
    `INSERT INTO classes (establishment_id, name, school_year)
     SELECT $1, 'Classe ' || n, $2 FROM generate_series(1, $3) AS n RETURNING id`,
    [options.establishmentId, currentSchoolYear(), options.classes],
  );
  const ids = classes.map((c) => c.id);
  const members = `SELECT m.user_id, (row_number() OVER (ORDER BY m.user_id) - 1) % $3 AS k
    FROM memberships m WHERE m.establishment_id = $1 AND m.role = $4`;
  const classOf = `(($2::uuid[])[k + 1])`;
  await db.query(
    `INSERT INTO class_teachers (class_id, teacher_id) SELECT ${classOf}, user_id FROM (${members}) t`,
    [options.establishmentId, ids, ids.length, "teacher"],
  );
  for (const role of ["student", "parent"] as const) {
    await db.query(
      `WITH src AS (${members}),
       p AS (INSERT INTO pupils (establishment_id, name, user_id, external_ref)
             SELECT $1, 'Élève ' || src.user_id, ${
        role === "student" ? "src.user_id" : "NULL"
      }, src.user_id::text
             FROM src RETURNING id, external_ref),
       cp AS (INSERT INTO class_pupils (class_id, pupil_id)
              SELECT ${classOf}, p.id FROM p JOIN src ON src.user_id::text = p.external_ref)
       ${
        role === "parent"
          ? "INSERT INTO guardianships (pupil_id, guardian_id) SELECT p.id, src.user_id FROM p JOIN src ON src.user_id::text = p.external_ref"
          : "SELECT 1"
      }`,
      [options.establishmentId, ids, ids.length, role],
    );
  }
  return ids;
}

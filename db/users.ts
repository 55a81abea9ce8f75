/** People and their memberships (one role per establishment). */
import type { Queryable } from "./types.ts";
import { isUuid, type Membership, type Role, type User } from "./models.ts";
import { searchTextFor } from "./search_text.ts";

const USER_COLUMNS = `id, name, email, locale`;

/**
 * Inserts a person and their search words. An email already used in any letter case fails with
 * SQLSTATE 23505 (unique index on lower(email)). `passwordHash` is an encoded hash, never a password.
 */
export async function createUser(
  q: Queryable,
  input: { email: string; name: string; passwordHash: string; locale?: "fr" | "en" },
): Promise<User> {
  const rows = await q.query<User>(
    `INSERT INTO users (email, name, search_text, password_hash, locale)
     VALUES ($1, $2, $3, $4, $5) RETURNING ${USER_COLUMNS}`,
    [
      input.email,
      input.name,
      searchTextFor(input.name, input.email),
      input.passwordHash,
      input.locale ?? "fr",
    ],
  );
  return rows[0]!;
}

/**
 * The person with this email in any letter case, with their password hash and whether the account is
 * deactivated; null when unknown.
 */
export async function findUserForLogin(
  q: Queryable,
  email: string,
): Promise<(User & { passwordHash: string; deactivated: boolean }) | null> {
  const rows = await q.query<User & { passwordHash: string; deactivated: boolean }>(
    `SELECT ${USER_COLUMNS}, password_hash AS "passwordHash", deactivated_at IS NOT NULL AS deactivated
     FROM users WHERE lower(email) = lower($1)`,
    [email],
  );
  return rows[0] ?? null;
}

/**
 * Replaces the password hash of `userId` only if it is still `previousHash`: an upgrade after a
 * login must never overwrite a password the person changed meanwhile. Returns whether it did.
 */
export async function upgradePasswordHash(
  q: Queryable,
  userId: string,
  previousHash: string,
  newHash: string,
): Promise<boolean> {
  const rows = await q.query<{ id: string }>(
    "UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2 RETURNING id",
    [userId, previousHash, newHash],
  );
  return rows.length === 1;
}

/** Sets the person's password hash (a password they chose); returns them, or null when unknown. */
export async function updatePasswordHash(
  q: Queryable,
  userId: string,
  passwordHash: string,
): Promise<User | null> {
  if (!isUuid(userId)) return null;
  const rows = await q.query<User>(
    `UPDATE users SET password_hash = $2 WHERE id = $1 RETURNING ${USER_COLUMNS}`,
    [userId, passwordHash],
  );
  return rows[0] ?? null;
}

/** The person with this id, or null (also for ids that are not uuids). */
export async function getUser(q: Queryable, id: string): Promise<User | null> {
  if (!isUuid(id)) return null;
  const rows = await q.query<User>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

/**
 * Deactivates (`active` false) or reactivates the person; returns them, or null when unknown or already
 * in that state (so a repeated click changes nothing and records nothing).
 */
export async function setUserActive(q: Queryable, userId: string, active: boolean): Promise<User | null> {
  if (!isUuid(userId)) return null;
  const rows = await q.query<User>(
    `UPDATE users SET deactivated_at = CASE WHEN $2 THEN NULL ELSE now() END
     WHERE id = $1 AND (deactivated_at IS NULL) = NOT $2
     RETURNING ${USER_COLUMNS}`,
    [userId, active],
  );
  return rows[0] ?? null;
}

/** Every establishment the person currently belongs to, with their role, ordered by establishment name. */
export async function listMemberships(q: Queryable, userId: string): Promise<Membership[]> {
  if (!isUuid(userId)) return [];
  return await q.query<Membership>(
    `SELECT e.id AS "establishmentId", e.name AS "establishmentName", m.role
     FROM memberships m JOIN establishments e ON e.id = m.establishment_id
     WHERE m.user_id = $1
     ORDER BY e.name, e.id`,
    [userId],
  );
}

/** The person's current role in the establishment, or null when they are not a member. */
export async function getRole(q: Queryable, userId: string, establishmentId: string): Promise<Role | null> {
  if (!isUuid(userId) || !isUuid(establishmentId)) return null;
  const rows = await q.query<{ role: Role }>(
    `SELECT role FROM memberships WHERE user_id = $1 AND establishment_id = $2`,
    [userId, establishmentId],
  );
  return rows[0]?.role ?? null;
}

/** Makes the person a member with `role`, replacing any previous role in that establishment. */
export async function setMembership(
  q: Queryable,
  input: { userId: string; establishmentId: string; role: Role },
): Promise<void> {
  await q.query(
    `INSERT INTO memberships (user_id, establishment_id, role) VALUES ($1, $2, $3)
     ON CONFLICT (user_id, establishment_id) DO UPDATE SET role = EXCLUDED.role`,
    [input.userId, input.establishmentId, input.role],
  );
}

/**
 * Ends the membership; true when there was one. Access checks join on memberships, so the person
 * loses every conversation of that establishment at once (their participant rows stay for history).
 */
export async function removeMembership(
  q: Queryable,
  userId: string,
  establishmentId: string,
): Promise<boolean> {
  if (!isUuid(userId) || !isUuid(establishmentId)) return false;
  const rows = await q.query(
    `DELETE FROM memberships WHERE user_id = $1 AND establishment_id = $2 RETURNING user_id`,
    [userId, establishmentId],
  );
  return rows.length > 0;
}

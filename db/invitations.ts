/**
 * Invitations (`invitations`): someone invited by email into one establishment with a role. Only the
 * SHA-256 digest of the link's token is stored; accepting marks the row in the statement that checks it
 * is still open, so a link works once even under concurrent clicks.
 */
import type { Queryable } from "./types.ts";
import { isUuid, type Role } from "./models.ts";

/** An invitation as stored. */
export interface Invitation {
  id: string;
  establishmentId: string;
  establishmentName: string;
  email: string;
  name: string;
  role: Role;
  createdAt: Date;
  expiresAt: Date;
  acceptedAt: Date | null;
  revokedAt: Date | null;
}

const COLUMNS =
  `i.id, i.establishment_id AS "establishmentId", e.name AS "establishmentName", i.email, i.name,
  i.role, i.created_at AS "createdAt", i.expires_at AS "expiresAt", i.accepted_at AS "acceptedAt",
  i.revoked_at AS "revokedAt"`;
const FROM = `FROM invitations i JOIN establishments e ON e.id = i.establishment_id`;

/** Inserts an invitation; a second open one for the same address and establishment fails with 23505. */
export async function createInvitation(
  q: Queryable,
  input: {
    establishmentId: string;
    email: string;
    name: string;
    role: Role;
    invitedBy: string | null;
    tokenHash: string;
    expiresAt: Date;
  },
): Promise<Invitation> {
  const rows = await q.query<{ id: string }>(
    `INSERT INTO invitations (establishment_id, email, name, role, invited_by, token_hash, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [
      input.establishmentId,
      input.email,
      input.name,
      input.role,
      input.invitedBy,
      input.tokenHash,
      input.expiresAt,
    ],
  );
  return (await getInvitation(q, rows[0]!.id, input.establishmentId))!;
}

/** The invitation `id` of the establishment, or null. */
export async function getInvitation(
  q: Queryable,
  id: string,
  establishmentId: string,
): Promise<Invitation | null> {
  if (!isUuid(id) || !isUuid(establishmentId)) return null;
  const rows = await q.query<Invitation>(
    `SELECT ${COLUMNS} ${FROM} WHERE i.id = $1 AND i.establishment_id = $2`,
    [id, establishmentId],
  );
  return rows[0] ?? null;
}

/** The open (neither accepted nor revoked, maybe expired) invitation of `email` there, or null. */
export async function findOpenInvitation(
  q: Queryable,
  establishmentId: string,
  email: string,
): Promise<Invitation | null> {
  const rows = await q.query<Invitation>(
    `SELECT ${COLUMNS} ${FROM}
     WHERE i.establishment_id = $1 AND lower(i.email) = lower($2) AND i.accepted_at IS NULL AND i.revoked_at IS NULL`,
    [establishmentId, email],
  );
  return rows[0] ?? null;
}

/** The invitation whose token has this digest, whatever its state, or null. */
export async function findInvitationByToken(q: Queryable, tokenHash: string): Promise<Invitation | null> {
  const rows = await q.query<Invitation>(`SELECT ${COLUMNS} ${FROM} WHERE i.token_hash = $1`, [tokenHash]);
  return rows[0] ?? null;
}

/**
 * Gives an open invitation a new token and expiry (and name and role); the old link stops working.
 * Returns whether it was still open.
 */
export async function renewInvitation(
  q: Queryable,
  id: string,
  input: { tokenHash: string; expiresAt: Date; name: string; role: Role },
): Promise<boolean> {
  if (!isUuid(id)) return false;
  const rows = await q.query(
    `UPDATE invitations SET token_hash = $2, expires_at = $3, name = $4, role = $5
     WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL RETURNING id`,
    [id, input.tokenHash, input.expiresAt, input.name, input.role],
  );
  return rows.length > 0;
}

/** Revokes an open invitation of the establishment; returns whether it was open. */
export async function revokeInvitation(q: Queryable, id: string, establishmentId: string): Promise<boolean> {
  if (!isUuid(id) || !isUuid(establishmentId)) return false;
  const rows = await q.query(
    `UPDATE invitations SET revoked_at = now()
     WHERE id = $1 AND establishment_id = $2 AND accepted_at IS NULL AND revoked_at IS NULL RETURNING id`,
    [id, establishmentId],
  );
  return rows.length > 0;
}

/** Marks the invitation accepted by `userId` if it is open and unexpired; returns whether it did. */
export async function markInvitationAccepted(q: Queryable, id: string, userId: string): Promise<boolean> {
  const rows = await q.query(
    `UPDATE invitations SET accepted_at = now(), accepted_by = $2
     WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now() RETURNING id`,
    [id, userId],
  );
  return rows.length > 0;
}

/** The establishment's open invitations (expired ones included, to resend), newest first. */
export async function listOpenInvitations(q: Queryable, establishmentId: string): Promise<Invitation[]> {
  if (!isUuid(establishmentId)) return [];
  return await q.query<Invitation>(
    `SELECT ${COLUMNS} ${FROM}
     WHERE i.establishment_id = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL
     ORDER BY i.created_at DESC, i.id LIMIT 500`,
    [establishmentId],
  );
}

/**
 * Inserts many invitations in one statement (a class-list import's new guardians); the caller has
 * checked that none of the addresses has an open invitation there. Returns them in the order of `rows`.
 */
export async function createInvitations(
  q: Queryable,
  input: { establishmentId: string; invitedBy: string; role: Role; expiresAt: Date },
  rows: readonly { email: string; name: string; tokenHash: string }[],
): Promise<Invitation[]> {
  if (rows.length === 0) return [];
  const withIds = rows.map((row) => ({ ...row, id: crypto.randomUUID() }));
  await q.query(
    `INSERT INTO invitations (id, establishment_id, email, name, role, invited_by, token_hash, expires_at)
     SELECT r.id, $1, r.email, r.name, $2, $3, r."tokenHash", $4
     FROM jsonb_to_recordset($5::jsonb) AS r(id uuid, email text, name text, "tokenHash" text)`,
    [input.establishmentId, input.role, input.invitedBy, input.expiresAt, JSON.stringify(withIds)],
  );
  const found = await q.query<Invitation>(
    `SELECT ${COLUMNS} ${FROM} WHERE i.id = ANY($1::uuid[])`,
    [withIds.map((r) => r.id)],
  );
  const byId = new Map(found.map((i) => [i.id, i]));
  return withIds.map((r) => byId.get(r.id)!);
}

/** The establishment's open invitations of these addresses (any case), keyed by lower-cased email. */
export async function findOpenInvitations(
  q: Queryable,
  establishmentId: string,
  emails: readonly string[],
): Promise<Map<string, Invitation>> {
  if (!isUuid(establishmentId) || emails.length === 0) return new Map();
  const rows = await q.query<Invitation>(
    `SELECT ${COLUMNS} ${FROM}
     WHERE i.establishment_id = $1 AND lower(i.email) = ANY($2::text[])
       AND i.accepted_at IS NULL AND i.revoked_at IS NULL`,
    [establishmentId, emails.map((e) => e.toLowerCase())],
  );
  return new Map(rows.map((i) => [i.email.toLowerCase(), i]));
}

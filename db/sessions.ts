/**
 * Server-side session rows. A session token (JWT) is only honoured while its row is active, so logout,
 * "log out everywhere" and expiry take effect at once. Expiry is compared with the database clock.
 */
import type { Queryable } from "./types.ts";
import { isUuid, type SessionRow, type User } from "./models.ts";
import { lookupParams, lookupSource, rowsByOrd } from "./lookups.ts";

const SESSION_COLUMNS = `id, user_id AS "userId", created_at AS "createdAt", expires_at AS "expiresAt",
  revoked_at AS "revokedAt"`;

/** Opens a session for the person until `expiresAt`; its id becomes the token's `jti`. */
export async function createSession(
  q: Queryable,
  input: { userId: string; expiresAt: Date; userAgent?: string | null; ip?: string | null },
): Promise<SessionRow> {
  const rows = await q.query<SessionRow>(
    `INSERT INTO sessions (user_id, expires_at, user_agent, ip) VALUES ($1, $2, $3, $4)
     RETURNING ${SESSION_COLUMNS}`,
    [input.userId, input.expiresAt, input.userAgent ?? null, input.ip ?? null],
  );
  return rows[0]!;
}

/** The session if it exists, is not revoked and has not expired (by the database's `now()`); else null. */
export async function getActiveSession(q: Queryable, id: string): Promise<SessionRow | null> {
  if (!isUuid(id)) return null;
  const rows = await q.query<SessionRow>(
    `SELECT ${SESSION_COLUMNS} FROM sessions WHERE id = $1 AND revoked_at IS NULL AND expires_at > now()`,
    [id],
  );
  return rows[0] ?? null;
}

/** An active session and its person, as {@linkcode getActiveSessionUsers} finds them. */
export interface SessionUser {
  session: SessionRow;
  user: User;
}

/**
 * The active session `id` of `userId` and that person, in one round trip (every authenticated
 * request and socket asks), or null when the session is unknown, revoked, expired or not theirs.
 */
export async function getActiveSessionUser(
  q: Queryable,
  id: string,
  userId: string,
): Promise<SessionUser | null> {
  const [found] = await getActiveSessionUsers(q, [{ id, userId }]);
  return found ?? null;
}

/**
 * {@linkcode getActiveSessionUser} for many sessions in one statement (concurrent requests share
 * it: `domain/auth.ts`): one entry per lookup, in order.
 */
export async function getActiveSessionUsers(
  q: Queryable,
  lookups: readonly { id: string; userId: string }[],
): Promise<(SessionUser | null)[]> {
  const wanted = lookups.flatMap(({ id, userId }, ord) =>
    isUuid(id) && isUuid(userId) ? [{ ord, id, userId }] : []
  );
  const rows = await rowsByOrd(
    lookups.length,
    wanted,
    (wanted) =>
      q.query<SessionRow & { ord: number; name: string; email: string; locale: User["locale"] }>(
        `SELECT i.ord, s.id, s.user_id AS "userId", s.created_at AS "createdAt", s.expires_at AS "expiresAt",
         s.revoked_at AS "revokedAt", u.name, u.email, u.locale
       FROM ${lookupSource(wanted, `ord integer, id uuid, "userId" uuid`)}
       JOIN sessions s ON s.id = i.id AND s.user_id = i."userId"
       JOIN users u ON u.id = s.user_id
       WHERE s.revoked_at IS NULL AND s.expires_at > now()`,
        lookupParams(wanted),
      ),
  );
  return rows.map((row) => {
    if (row === undefined) return null;
    const { ord: _, name, email, locale, ...session } = row;
    return { session, user: { id: session.userId, name, email, locale } };
  });
}

/**
 * Moves an active session's expiry to `expiresAt` (token renewal); true when it did. A revoked or
 * expired session is never revived.
 */
export async function extendSession(q: Queryable, id: string, expiresAt: Date): Promise<boolean> {
  if (!isUuid(id)) return false;
  const rows = await q.query(
    `UPDATE sessions SET expires_at = $2 WHERE id = $1 AND revoked_at IS NULL AND expires_at > now()
     RETURNING id`,
    [id, expiresAt],
  );
  return rows.length > 0;
}

/** Revokes one session (logout); true when it had not been revoked before. */
export async function revokeSession(q: Queryable, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const rows = await q.query(
    `UPDATE sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id`,
    [id],
  );
  return rows.length > 0;
}

/**
 * Revokes every unrevoked session of the person ("log out everywhere"); returns their ids, so the
 * domain can announce each one (`domain/sessions.ts`).
 */
export async function revokeUserSessions(q: Queryable, userId: string): Promise<string[]> {
  if (!isUuid(userId)) return [];
  const rows = await q.query<{ id: string }>(
    `UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL RETURNING id`,
    [userId],
  );
  return rows.map((row) => row.id);
}

/**
 * Keeps the person's `keep` newest active sessions and revokes the others (the oldest first to go),
 * so one account cannot pile up sessions without bound; returns the ids revoked, whose sockets
 * must be closed.
 */
export async function revokeSessionsBeyond(q: Queryable, userId: string, keep: number): Promise<string[]> {
  if (!isUuid(userId)) return [];
  const rows = await q.query<{ id: string }>(
    `UPDATE sessions SET revoked_at = now()
     WHERE id IN (
       SELECT id FROM sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now()
       ORDER BY created_at DESC, id DESC OFFSET $2
     )
     RETURNING id`,
    [userId, Math.max(0, Math.floor(keep))],
  );
  return rows.map((row) => row.id);
}

/**
 * Deletes the sessions that ended (expired or revoked) more than `graceSeconds` ago; returns how
 * many. An ended session is refused whether its row exists or not, so this only bounds the table;
 * the grace keeps recent ends visible to whoever investigates a sign-out.
 */
export async function purgeEndedSessions(q: Queryable, graceSeconds = 86_400): Promise<number> {
  const rows = await q.query(
    `DELETE FROM sessions
     WHERE expires_at < now() - make_interval(secs => $1) OR revoked_at < now() - make_interval(secs => $1)
     RETURNING 1`,
    [graceSeconds],
  );
  return rows.length;
}

/**
 * Which of `ids` no longer name an active session (revoked, expired, or deleted): one query for any
 * number of sessions, so an instance can re-check all its sockets' sessions every second. The ids
 * travel as one JSON array, which both adapters pass the same way.
 */
export async function listEndedSessions(q: Queryable, ids: readonly string[]): Promise<string[]> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return [];
  const rows = await q.query<{ id: string }>(
    `SELECT s.id FROM json_array_elements_text($1::json) AS s(id)
     WHERE NOT EXISTS (SELECT 1 FROM sessions WHERE id = s.id::uuid AND revoked_at IS NULL AND expires_at > now())`,
    [JSON.stringify(valid)],
  );
  return rows.map((row) => row.id);
}

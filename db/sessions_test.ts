import { assert, assertEquals } from "../tests/support/assert.ts";
import { dbTest } from "../tests/support/databases.ts";
import { makeEstablishment, makeUser } from "./factories.ts";
import {
  createSession,
  extendSession,
  getActiveSession,
  getActiveSessionUser,
  getActiveSessionUsers,
  listEndedSessions,
  purgeEndedSessions,
  revokeSession,
  revokeSessionsBeyond,
  revokeUserSessions,
} from "./sessions.ts";
import type { Database } from "./types.ts";

const HOUR = 3_600_000;
const inHours = (hours: number) => new Date(Date.now() + hours * HOUR);

async function person(db: Database) {
  const school = await makeEstablishment(db);
  return await makeUser(db, { establishmentId: school.id, role: "parent" });
}

dbTest("sessions - a new session is active until revoked, and revoking twice reports false", async (db) => {
  const user = await person(db);
  const session = await createSession(db, {
    userId: user.id,
    expiresAt: inHours(1),
    userAgent: "test",
    ip: "::1",
  });
  assertEquals(session.userId, user.id);
  assertEquals(session.revokedAt, null);
  assert(session.createdAt instanceof Date && session.expiresAt instanceof Date);
  assertEquals(await getActiveSession(db, session.id), session);
  assertEquals(await revokeSession(db, session.id), true);
  assertEquals(await getActiveSession(db, session.id), null);
  assertEquals(await revokeSession(db, session.id), false);
});

dbTest(
  "sessions - the active session and its person come together, only for that person and until revoked",
  async (db) => {
    const user = await person(db);
    const other = await person(db);
    const session = await createSession(db, { userId: user.id, expiresAt: inHours(1) });
    assertEquals(await getActiveSessionUser(db, session.id, user.id), {
      session,
      user: { id: user.id, name: user.name, email: user.email, locale: user.locale },
    });
    assertEquals(await getActiveSessionUser(db, session.id, other.id), null);
    assertEquals(await getActiveSessionUser(db, "not-a-uuid", user.id), null);
    await revokeSession(db, session.id);
    assertEquals(await getActiveSessionUser(db, session.id, user.id), null);
  },
);

dbTest(
  "sessions - many lookups in one statement answer each in order, null for the unknown, revoked or not theirs",
  async (db) => {
    const [a, b] = [await person(db), await person(db)];
    const [sa, sb, revoked] = [
      await createSession(db, { userId: a.id, expiresAt: inHours(1) }),
      await createSession(db, { userId: b.id, expiresAt: inHours(1) }),
      await createSession(db, { userId: b.id, expiresAt: inHours(1) }),
    ];
    await revokeSession(db, revoked.id);
    const found = await getActiveSessionUsers(db, [
      { id: sb.id, userId: b.id },
      { id: "not-a-uuid", userId: a.id },
      { id: sa.id, userId: b.id },
      { id: revoked.id, userId: b.id },
      { id: sa.id, userId: a.id },
      { id: sb.id, userId: b.id },
    ]);
    assertEquals(found.map((f) => f && [f.session.id, f.user.id]), [
      [sb.id, b.id],
      null,
      null,
      null,
      [sa.id, a.id],
      [sb.id, b.id],
    ]);
    assertEquals(await getActiveSessionUsers(db, []), []);
  },
);

dbTest("sessions - an expired session is not active and cannot be extended", async (db) => {
  const user = await person(db);
  const session = await createSession(db, { userId: user.id, expiresAt: new Date(Date.now() - 1000) });
  assertEquals(await getActiveSession(db, session.id), null);
  assertEquals(await extendSession(db, session.id, inHours(5)), false);
  assertEquals(await getActiveSession(db, session.id), null);
});

dbTest("sessions - extending moves the expiry of an active session only", async (db) => {
  const user = await person(db);
  const session = await createSession(db, { userId: user.id, expiresAt: inHours(1) });
  const later = inHours(48);
  assertEquals(await extendSession(db, session.id, later), true);
  assertEquals((await getActiveSession(db, session.id))?.expiresAt.getTime(), later.getTime());
  await revokeSession(db, session.id);
  assertEquals(await extendSession(db, session.id, inHours(96)), false);
});

dbTest("sessions - revoking a user's sessions leaves other users' sessions alone", async (db) => {
  const [alice, bob] = [await person(db), await person(db)];
  const a1 = await createSession(db, { userId: alice.id, expiresAt: inHours(1) });
  const a2 = await createSession(db, { userId: alice.id, expiresAt: inHours(1) });
  const b1 = await createSession(db, { userId: bob.id, expiresAt: inHours(1) });
  assertEquals((await revokeUserSessions(db, alice.id)).length, 2);
  assertEquals(await getActiveSession(db, a1.id), null);
  assertEquals(await getActiveSession(db, a2.id), null);
  assertEquals((await getActiveSession(db, b1.id))?.id, b1.id);
  assertEquals(await getActiveSession(db, "garbage"), null);
});

dbTest(
  "sessions - revoking beyond a count keeps the newest active sessions of that person only",
  async (db) => {
    const [alice, bob] = [await person(db), await person(db)];
    const made = [];
    for (let i = 0; i < 4; i++) {
      const session = await createSession(db, { userId: alice.id, expiresAt: inHours(1) });
      // Distinct creation times: PGlite's clock can give two quick inserts the same one.
      await db.query(`UPDATE sessions SET created_at = now() - make_interval(mins => $2) WHERE id = $1`, [
        session.id,
        10 - i,
      ]);
      made.push(session);
    }
    const bobs = await createSession(db, { userId: bob.id, expiresAt: inHours(1) });
    assertEquals((await revokeSessionsBeyond(db, alice.id, 2)).sort(), [made[0]!.id, made[1]!.id].sort());
    assertEquals(await getActiveSession(db, made[0]!.id), null);
    assertEquals((await getActiveSession(db, made[3]!.id))?.id, made[3]!.id);
    assertEquals((await getActiveSession(db, bobs.id))?.id, bobs.id);
    assertEquals(await revokeSessionsBeyond(db, alice.id, 2), [], "nothing more to revoke");
  },
);

dbTest("sessions - the purge deletes sessions ended before the grace period, and only those", async (db) => {
  const user = await person(db);
  const longExpired = await createSession(db, {
    userId: user.id,
    expiresAt: new Date(Date.now() - 2 * 86_400_000),
  });
  const justExpired = await createSession(db, { userId: user.id, expiresAt: new Date(Date.now() - 1000) });
  const active = await createSession(db, { userId: user.id, expiresAt: inHours(1) });
  const revoked = await createSession(db, { userId: user.id, expiresAt: inHours(1) });
  await revokeSession(db, revoked.id);
  assert((await purgeEndedSessions(db)) >= 1);
  const left = async (id: string) =>
    (await db.query(`SELECT 1 FROM sessions WHERE id = $1`, [id])).length === 1;
  assertEquals(
    [await left(longExpired.id), await left(justExpired.id), await left(active.id), await left(revoked.id)],
    [false, true, true, true],
  );
  assert((await purgeEndedSessions(db, 0)) >= 2);
  assertEquals([await left(justExpired.id), await left(revoked.id), await left(active.id)], [
    false,
    false,
    true,
  ]);
});

dbTest("sessions - listEndedSessions names the revoked, expired and deleted ones among many", async (db) => {
  const school = await makeEstablishment(db);
  const user = await makeUser(db, { establishmentId: school.id, role: "parent" });
  const active = await createSession(db, { userId: user.id, expiresAt: inHours(1) });
  const revoked = await createSession(db, { userId: user.id, expiresAt: inHours(1) });
  const expired = await createSession(db, { userId: user.id, expiresAt: inHours(1) });
  const deleted = await createSession(db, { userId: user.id, expiresAt: inHours(1) });
  await revokeSession(db, revoked.id);
  await db.query(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id = $1`, [expired.id]);
  await db.query(`DELETE FROM sessions WHERE id = $1`, [deleted.id]);
  const ended = await listEndedSessions(db, [active.id, revoked.id, expired.id, deleted.id, "not-a-uuid"]);
  assertEquals(new Set(ended), new Set([revoked.id, expired.id, deleted.id]));
  assertEquals(await listEndedSessions(db, []), []);
});

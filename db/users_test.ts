import { assertEquals } from "../tests/support/assert.ts";
import { dbTest } from "../tests/support/databases.ts";
import { makeEstablishment, makeUser, uniqueToken } from "./factories.ts";
import {
  createUser,
  findUserForLogin,
  getRole,
  getUser,
  listMemberships,
  removeMembership,
  setMembership,
  setUserActive,
} from "./users.ts";
import { findEstablishmentBySlug } from "./establishments.ts";

dbTest(
  "users - login lookup ignores the email's letter case and returns the hash and the deactivation",
  async (db) => {
    const email = `Mixed.${uniqueToken()}@Example.test`;
    const user = await createUser(db, { email, name: "Mixed Case", passwordHash: "$hash$", locale: "en" });
    assertEquals(user, { id: user.id, name: "Mixed Case", email, locale: "en" });
    assertEquals(await findUserForLogin(db, email.toUpperCase()), {
      ...user,
      passwordHash: "$hash$",
      deactivated: false,
    });
    assertEquals(await findUserForLogin(db, `nobody-${uniqueToken()}@example.test`), null);
  },
);

dbTest("users - getUser finds by id and answers null for unknown or malformed ids", async (db) => {
  const school = await makeEstablishment(db);
  const user = await makeUser(db, { establishmentId: school.id, role: "student" });
  assertEquals(await getUser(db, user.id), user);
  assertEquals(await getUser(db, crypto.randomUUID()), null);
  assertEquals(await getUser(db, "not-a-uuid"), null);
});

dbTest("users - memberships are listed by establishment name, one role each", async (db) => {
  const token = uniqueToken();
  const zeta = await makeEstablishment(db, { name: `Zeta ${token}` });
  const alpha = await makeEstablishment(db, { name: `Alpha ${token}` });
  const user = await makeUser(db, { establishmentId: zeta.id, role: "teacher" });
  await setMembership(db, { userId: user.id, establishmentId: alpha.id, role: "parent" });
  assertEquals(await listMemberships(db, user.id), [
    { establishmentId: alpha.id, establishmentName: alpha.name, role: "parent" },
    { establishmentId: zeta.id, establishmentName: zeta.name, role: "teacher" },
  ]);
  assertEquals(await getRole(db, user.id, zeta.id), "teacher");
});

dbTest("users - setMembership replaces the role; removeMembership ends it once", async (db) => {
  const school = await makeEstablishment(db);
  const user = await makeUser(db, { establishmentId: school.id, role: "student" });
  await setMembership(db, { userId: user.id, establishmentId: school.id, role: "admin" });
  assertEquals(await getRole(db, user.id, school.id), "admin");
  assertEquals(await removeMembership(db, user.id, school.id), true);
  assertEquals(await getRole(db, user.id, school.id), null);
  assertEquals(await removeMembership(db, user.id, school.id), false);
  assertEquals(await listMemberships(db, user.id), []);
});

dbTest("establishments - found by exact slug only", async (db) => {
  const school = await makeEstablishment(db);
  assertEquals(await findEstablishmentBySlug(db, school.slug), school);
  assertEquals(await findEstablishmentBySlug(db, `${school.slug}-missing`), null);
});

dbTest(
  "users - setUserActive deactivates and reactivates once each, and the login lookup sees it",
  async (db) => {
    const school = await makeEstablishment(db);
    const user = await makeUser(db, { establishmentId: school.id, role: "parent" });
    assertEquals(await setUserActive(db, user.id, false), user);
    assertEquals(await setUserActive(db, user.id, false), null, "already deactivated: nothing to do");
    assertEquals((await findUserForLogin(db, user.email))?.deactivated, true);
    assertEquals(await setUserActive(db, user.id, true), user);
    assertEquals(await setUserActive(db, user.id, true), null);
    assertEquals((await findUserForLogin(db, user.email))?.deactivated, false);
    assertEquals(await setUserActive(db, "not-a-uuid", false), null);
  },
);

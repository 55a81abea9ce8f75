import { assertEquals } from "../tests/support/assert.ts";
import { dbTest } from "../tests/support/databases.ts";
import { makeEstablishment, makeUser, uniqueToken } from "./factories.ts";
import { searchRecipients } from "./recipients.ts";
import { type Role, ROLES } from "./models.ts";
import type { Database } from "./types.ts";

/** A fresh establishment with a few people whose names and emails exercise the search. */
async function directory(db: Database) {
  const school = await makeEstablishment(db);
  const t = uniqueToken();
  const add = (name: string, email: string, role: Role) =>
    makeUser(db, { establishmentId: school.id, role, name, email: `${email}.${t}@example.test` });
  return {
    schoolId: school.id,
    caller: await add("Dupont Caller", "caller", "admin"),
    helene: await add("Hélène Dupont", "parent.dupont", "parent"),
    marc: await add("Marc Dupontel", "m.martin", "teacher"),
    zoe: await add("Zoé Lefèvre", "a_b", "student"),
    axb: await add("Ambre Axb", "axb", "student"),
    percent: await add("Paul Cent", "p100%", "teacher"),
  };
}

async function names(
  db: Database,
  schoolId: string,
  callerId: string,
  query: string,
  roles: readonly Role[] = ROLES,
) {
  const hits = await searchRecipients(db, {
    establishmentId: schoolId,
    query,
    roles,
    excludeUserId: callerId,
  });
  return hits.map((h) => h.name);
}

dbTest("recipients - accent- and case-insensitive prefix of any name word", async (db) => {
  const d = await directory(db);
  assertEquals(await names(db, d.schoolId, d.caller.id, "helene"), ["Hélène Dupont"]);
  assertEquals(await names(db, d.schoolId, d.caller.id, "HÉLÈ"), ["Hélène Dupont"]);
  assertEquals(await names(db, d.schoolId, d.caller.id, "DUP"), ["Hélène Dupont", "Marc Dupontel"]);
  assertEquals(await names(db, d.schoolId, d.caller.id, "zoe lef"), ["Zoé Lefèvre"]);
  assertEquals(await names(db, d.schoolId, d.caller.id, "lene"), [], "inside a word does not match");
});

dbTest("recipients - email words and the whole email match too", async (db) => {
  const d = await directory(db);
  assertEquals(await names(db, d.schoolId, d.caller.id, "martin"), ["Marc Dupontel"]);
  assertEquals(await names(db, d.schoolId, d.caller.id, "parent.dup"), ["Hélène Dupont"]);
  assertEquals(await names(db, d.schoolId, d.caller.id, d.helene.email.toUpperCase()), ["Hélène Dupont"]);
});

dbTest("recipients - LIKE wildcards in the query are literal characters", async (db) => {
  const d = await directory(db);
  assertEquals(await names(db, d.schoolId, d.caller.id, "a_b"), ["Zoé Lefèvre"]);
  assertEquals(await names(db, d.schoolId, d.caller.id, "p100%"), ["Paul Cent"]);
  assertEquals(await names(db, d.schoolId, d.caller.id, "%"), []);
  assertEquals(await names(db, d.schoolId, d.caller.id, "_"), []);
  assertEquals(await names(db, d.schoolId, d.caller.id, "\\"), []);
});

dbTest("recipients - role filter, caller excluded, ordered by name", async (db) => {
  const d = await directory(db);
  assertEquals(await names(db, d.schoolId, d.caller.id, "", ["teacher"]), ["Marc Dupontel", "Paul Cent"]);
  assertEquals(await names(db, d.schoolId, d.caller.id, "", ["student", "parent"]), [
    "Ambre Axb",
    "Hélène Dupont",
    "Zoé Lefèvre",
  ]);
  assertEquals(await names(db, d.schoolId, d.caller.id, "dupont", []), []);
  assertEquals(await names(db, d.schoolId, d.helene.id, "dupont caller"), ["Dupont Caller"]);
  assertEquals(await names(db, d.schoolId, d.caller.id, "dupont caller"), []);
});

dbTest("recipients - members of other establishments are never returned", async (db) => {
  const d = await directory(db);
  const other = await makeEstablishment(db);
  await makeUser(db, { establishmentId: other.id, role: "parent", name: "Hélène Durand" });
  assertEquals(await names(db, d.schoolId, d.caller.id, "helene"), ["Hélène Dupont"]);
  const hits = await searchRecipients(db, {
    establishmentId: d.schoolId,
    query: "helene",
    roles: ["parent"],
    excludeUserId: d.caller.id,
  });
  assertEquals(hits, [{
    id: d.helene.id,
    name: "Hélène Dupont",
    email: d.helene.email,
    role: "parent",
    teaches: false,
    taughtBy: false,
    sameClass: false,
    group: null,
  }]);
});

dbTest("recipients - at most limit hits, 20 by default", async (db) => {
  const school = await makeEstablishment(db);
  const caller = await makeUser(db, { establishmentId: school.id, role: "teacher" });
  for (let i = 0; i < 23; i++) {
    await makeUser(db, {
      establishmentId: school.id,
      role: "student",
      name: `Élève ${String(i).padStart(2, "0")}`,
    });
  }
  const search = (limit?: number) =>
    searchRecipients(db, {
      establishmentId: school.id,
      query: "eleve",
      roles: ["student"],
      excludeUserId: caller.id,
      limit,
    });
  assertEquals((await search()).length, 20);
  assertEquals((await search(3)).map((h) => h.name), ["Élève 00", "Élève 01", "Élève 02"]);
  assertEquals((await search(100)).length, 23);
  assertEquals(await search(0), []);
});

dbTest(
  "recipients - surname first, several words in any order, and the start of an email's domain",
  async (db) => {
    const d = await directory(db);
    assertEquals(await names(db, d.schoolId, d.caller.id, "Dupontel Marc"), ["Marc Dupontel"]);
    assertEquals(await names(db, d.schoolId, d.caller.id, "dup hél"), ["Hélène Dupont"]);
    assertEquals(
      await names(db, d.schoolId, d.caller.id, "marc  martin"),
      ["Marc Dupontel"],
      "name and email words",
    );
    assertEquals(await names(db, d.schoolId, d.caller.id, "dupont zoé"), [], "every word must match");
    assertEquals(await names(db, d.schoolId, d.caller.id, "example.te"), [
      "Ambre Axb",
      "Hélène Dupont",
      "Marc Dupontel",
      "Paul Cent",
      "Zoé Lefèvre",
    ]);
  },
);

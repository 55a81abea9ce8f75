import { assert, assertEquals } from "../tests/support/assert.ts";
import { dbTest } from "../tests/support/databases.ts";
import { seedDemo } from "./seed.ts";
import { findUserForLogin, listMemberships } from "./users.ts";
import { listConversations } from "./conversations.ts";
import { listMessagesAfter } from "./messages.ts";
import { findEstablishmentBySlug } from "./establishments.ts";
import type { Database } from "./types.ts";
import { listClasses } from "./classes.ts";
import { listAffiliations } from "./pupils.ts";

/** demo-data.md, as (email, name, establishment name, role) rows. */
const EXPECTED = [
  ["direction@jules-ferry.test", "Claire Lefèvre", "École Jules-Ferry", "admin"],
  ["m.martin@jules-ferry.test", "Marc Martin", "École Jules-Ferry", "teacher"],
  ["s.bernard@jules-ferry.test", "Sophie Bernard", "École Jules-Ferry", "teacher"],
  ["parent.dupont@example.test", "Hélène Dupont", "École Jules-Ferry", "parent"],
  ["parent.durand@example.test", "Karim Durand", "École Jules-Ferry", "parent"],
  ["lea.dupont@jules-ferry.test", "Léa Dupont", "École Jules-Ferry", "student"],
  ["direction@victor-hugo.test", "Paul Girard", "Collège Victor-Hugo", "admin"],
  ["p.petit@victor-hugo.test", "Nadia Petit", "Collège Victor-Hugo", "teacher"],
  ["parent.moreau@example.test", "Julien Moreau", "Collège Victor-Hugo", "parent"],
  ["parent.dupont@example.test", "Hélène Dupont", "Collège Victor-Hugo", "parent"],
].sort((a, b) => `${a[0]} ${a[2]}`.localeCompare(`${b[0]} ${b[2]}`));

const DEMO_SCOPE = `e.slug IN ('ecole-jules-ferry', 'college-victor-hugo')`;

/** Everything the seed owns, counted, so two runs can be compared. */
async function counts(db: Database) {
  const [row] = await db.query<Record<string, number>>(
    `SELECT
       (SELECT count(*)::integer FROM establishments e WHERE ${DEMO_SCOPE}) AS establishments,
       (SELECT count(DISTINCT m.user_id)::integer FROM memberships m JOIN establishments e ON e.id = m.establishment_id
         WHERE ${DEMO_SCOPE}) AS users,
       (SELECT count(*)::integer FROM memberships m JOIN establishments e ON e.id = m.establishment_id
         WHERE ${DEMO_SCOPE}) AS memberships,
       (SELECT count(*)::integer FROM conversations c JOIN establishments e ON e.id = c.establishment_id
         WHERE ${DEMO_SCOPE}) AS conversations,
       (SELECT count(*)::integer FROM messages m JOIN conversations c ON c.id = m.conversation_id
         JOIN establishments e ON e.id = c.establishment_id WHERE ${DEMO_SCOPE}) AS messages`,
  );
  return row!;
}

dbTest(
  "seed - creates exactly the demo people and memberships, and a second run changes nothing",
  async (db) => {
    const first = await seedDemo(db, { passwordHash: () => Promise.resolve("$demo-hash$") });
    // Another test in this process may have seeded the shared database already; either way it is seeded now.
    const before = await counts(db);
    assertEquals(
      (await seedDemo(db, { passwordHash: () => Promise.resolve("$other-hash$") })).created,
      false,
    );
    assertEquals(await counts(db), before);
    assertEquals({ ...before, conversations: undefined, messages: undefined }, {
      establishments: 2,
      users: 9,
      memberships: 10,
      conversations: undefined,
      messages: undefined,
    });
    assert(before.conversations! >= 3 && before.messages! >= 8, "a few conversations with messages");

    const rows = await db.query<{ email: string; name: string; establishment: string; role: string }>(
      `SELECT u.email, u.name, e.name AS establishment, m.role
     FROM memberships m JOIN users u ON u.id = m.user_id JOIN establishments e ON e.id = m.establishment_id
     WHERE ${DEMO_SCOPE}`,
    );
    const actual = rows.map((r) => [r.email, r.name, r.establishment, r.role])
      .sort((a, b) => `${a[0]} ${a[2]}`.localeCompare(`${b[0]} ${b[2]}`));
    assertEquals(actual, EXPECTED);
    if (first.created) {
      assertEquals((await findUserForLogin(db, "Parent.Dupont@example.test"))?.passwordHash, "$demo-hash$");
    }
  },
);

dbTest("seed - Hélène Dupont starts with unread messages in both schools, seqs without gaps", async (db) => {
  await seedDemo(db, { passwordHash: () => Promise.resolve("$demo-hash$") });
  const helene = await findUserForLogin(db, "parent.dupont@example.test");
  assert(helene, "Hélène Dupont exists");
  assertEquals((await listMemberships(db, helene.id)).map((m) => m.establishmentName), [
    "Collège Victor-Hugo",
    "École Jules-Ferry",
  ]);
  for (const slug of ["ecole-jules-ferry", "college-victor-hugo"]) {
    const school = await findEstablishmentBySlug(db, slug);
    const list = await listConversations(db, helene.id, school!.id);
    assert(list.length > 0 && list.some((c) => c.unread > 0), `unread messages at ${slug}`);
    for (const conversation of list) {
      const messages = await listMessagesAfter(db, conversation.id, 0, 100);
      assertEquals(messages.map((m) => m.seq), Array.from({ length: conversation.lastSeq }, (_, i) => i + 1));
      assertEquals(conversation.lastMessage?.id, messages.at(-1)?.id);
    }
  }
});

dbTest(
  "seed - shows classes and children: CM2 A and 5e B, their teachers, pupils and guardians",
  async (db) => {
    await seedDemo(db, { passwordHash: () => Promise.resolve("$demo-hash$") });
    const ferry = (await findEstablishmentBySlug(db, "ecole-jules-ferry"))!;
    const hugo = (await findEstablishmentBySlug(db, "college-victor-hugo"))!;
    assertEquals(
      (await listClasses(db, ferry.id, "2026-2027")).map((c) => [c.name, c.pupilCount, c.teacherCount]),
      [
        ["CM2 A", 2, 2],
      ],
    );
    assertEquals(
      (await listClasses(db, hugo.id, "2026-2027")).map((c) => [c.name, c.pupilCount, c.teacherCount]),
      [
        ["5e B", 2, 1],
      ],
    );
    const id = async (email: string) => (await findUserForLogin(db, email))!.id;
    const at = async (establishmentId: string, email: string) =>
      (await listAffiliations(db, establishmentId, [await id(email)])).get(await id(email));
    assertEquals(await at(ferry.id, "parent.dupont@example.test"), {
      children: [{ name: "Léa", classes: ["CM2 A"] }],
    });
    assertEquals(await at(hugo.id, "parent.dupont@example.test"), {
      children: [{ name: "Hugo", classes: ["5e B"] }],
    });
    assertEquals(await at(ferry.id, "parent.durand@example.test"), {
      children: [{ name: "Tom", classes: ["CM2 A"] }],
    });
    assertEquals(await at(ferry.id, "m.martin@jules-ferry.test"), { classes: [{ name: "CM2 A" }] });
    assertEquals(await at(ferry.id, "s.bernard@jules-ferry.test"), {
      classes: [{ name: "CM2 A", subject: "Anglais" }],
    });
    assertEquals(await at(ferry.id, "lea.dupont@jules-ferry.test"), { classes: [{ name: "CM2 A" }] });
    assertEquals(await at(hugo.id, "p.petit@victor-hugo.test"), {
      classes: [{ name: "5e B", subject: "Mathématiques" }],
    });
    assertEquals(await at(ferry.id, "direction@jules-ferry.test"), undefined);
  },
);

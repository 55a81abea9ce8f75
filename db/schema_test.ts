/** The constraints of db/migrations/0001_schema.sql hold on both adapters, whatever the code above does. */
import { assertEquals, assertRejects } from "../tests/support/assert.ts";
import { dbTest } from "../tests/support/databases.ts";
import { sqlState } from "./errors.ts";
import { makeConversation, makeEstablishment, makeUser, uniqueToken } from "./factories.ts";
import { createUser, setMembership } from "./users.ts";
import { createEstablishment } from "./establishments.ts";
import { appendMessage } from "./messages.ts";
import type { Database } from "./types.ts";
import type { Role } from "./models.ts";

async function assertSqlState(work: () => Promise<unknown>, expected: string): Promise<void> {
  const error = await assertRejects(work);
  assertEquals(sqlState(error), expected, `expected SQLSTATE ${expected}, got: ${error}`);
}

/** A conversation between two fresh people, for tests that write messages by hand. */
async function scene(db: Database) {
  const school = await makeEstablishment(db);
  const a = await makeUser(db, { establishmentId: school.id, role: "teacher" });
  const b = await makeUser(db, { establishmentId: school.id, role: "parent" });
  const conversation = await makeConversation(db, { establishmentId: school.id, members: [a.id, b.id] });
  return { school, a, b, conversation };
}

function insertMessage(
  db: Database,
  conversationId: string,
  senderId: string,
  seq: number,
  clientId: string,
  body: string,
) {
  return db.query(
    `INSERT INTO messages (conversation_id, seq, sender_id, client_id, body) VALUES ($1, $2, $3, $4, $5)`,
    [conversationId, seq, senderId, clientId, body],
  );
}

dbTest("schema - an email that differs only in letter case is rejected", async (db) => {
  const token = uniqueToken();
  await createUser(db, { email: `Case.${token}@Example.test`, name: "A", passwordHash: "x" });
  await assertSqlState(
    () => createUser(db, { email: `case.${token}@example.TEST`, name: "B", passwordHash: "x" }),
    "23505",
  );
});

dbTest("schema - an unknown role or locale is rejected", async (db) => {
  const school = await makeEstablishment(db);
  const user = await createUser(db, {
    email: `r-${uniqueToken()}@example.test`,
    name: "R",
    passwordHash: "x",
  });
  await assertSqlState(
    () => setMembership(db, { userId: user.id, establishmentId: school.id, role: "janitor" as Role }),
    "23514",
  );
  await assertSqlState(
    () =>
      createUser(db, {
        email: `l-${uniqueToken()}@example.test`,
        name: "L",
        passwordHash: "x",
        locale: "de" as "fr",
      }),
    "23514",
  );
});

dbTest("schema - a duplicate establishment slug is rejected", async (db) => {
  const school = await makeEstablishment(db);
  await assertSqlState(() => createEstablishment(db, { name: "Other", slug: school.slug }), "23505");
});

dbTest("schema - two messages cannot share a seq in one conversation", async (db) => {
  const { a, b, conversation } = await scene(db);
  await insertMessage(db, conversation.id, a.id, 1, "one", "first");
  await assertSqlState(() => insertMessage(db, conversation.id, b.id, 1, "two", "second"), "23505");
  await assertSqlState(() => insertMessage(db, conversation.id, b.id, 0, "zero", "seq zero"), "23514");
});

dbTest("schema - one sender cannot reuse a clientId", async (db) => {
  const { a, conversation } = await scene(db);
  await insertMessage(db, conversation.id, a.id, 1, "same", "first");
  await assertSqlState(() => insertMessage(db, conversation.id, a.id, 2, "same", "second"), "23505");
});

dbTest("schema - body must be 1 to 4000 characters and clientId 1 to 64", async (db) => {
  const { a, conversation } = await scene(db);
  await assertSqlState(() => insertMessage(db, conversation.id, a.id, 1, "empty", ""), "23514");
  await assertSqlState(() => insertMessage(db, conversation.id, a.id, 1, "long", "é".repeat(4001)), "23514");
  await assertSqlState(() => insertMessage(db, conversation.id, a.id, 1, "x".repeat(65), "hi"), "23514");
  await insertMessage(db, conversation.id, a.id, 1, "x".repeat(64), "é".repeat(4000)); // code points, not bytes
});

dbTest("schema - a rejected append leaves the conversation untouched", async (db) => {
  const { a, conversation } = await scene(db);
  await assertSqlState(
    () =>
      appendMessage(db, {
        conversationId: conversation.id,
        senderId: a.id,
        clientId: "c1",
        body: "x".repeat(4001),
      }),
    "23514",
  );
  const [row] = await db.query<{ last_seq: number }>(`SELECT last_seq FROM conversations WHERE id = $1`, [
    conversation.id,
  ]);
  assertEquals(row?.last_seq, 0);
});

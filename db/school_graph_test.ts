import { assert, assertEquals, assertRejects, assertStringIncludes } from "../tests/support/assert.ts";
import { dbTest } from "../tests/support/databases.ts";
import type { Database } from "./types.ts";
import { makeConversation, makeEstablishment, makeUser } from "./factories.ts";
import { admitSends } from "./school_graph.ts";
import { bucketShape } from "./rate_limits.ts";

/** Two sends at once, then nearly no refill: the third take of a person is refused. */
const LIMIT = {
  name: "send_test",
  ...bucketShape({ name: "send_test", capacity: 2, refillPerSecond: 0.001 }),
};

/** A school with a teacher's conversation with a parent, and a parent outside it. */
async function teacherAndParent(db: Database) {
  const school = await makeEstablishment(db);
  const teacher = await makeUser(db, { establishmentId: school.id, role: "teacher" });
  const parent = await makeUser(db, { establishmentId: school.id, role: "parent" });
  const outsider = await makeUser(db, { establishmentId: school.id, role: "parent" });
  const chat = await makeConversation(db, {
    establishmentId: school.id,
    members: [teacher.id, parent.id],
    createdBy: teacher.id,
  });
  return { school, teacher, parent, outsider, chat };
}

dbTest(
  "school graph - send admissions for many sends in one statement answer each in order: a token taken, a head only where the sender is a participant",
  async (db) => {
    const { school, teacher, parent, outsider, chat } = await teacherAndParent(db);
    const admissions = await admitSends(db, [
      { viewerId: parent.id, conversationId: chat.id },
      { viewerId: outsider.id, conversationId: chat.id },
      { viewerId: teacher.id, conversationId: chat.id.toUpperCase() },
    ], LIMIT);
    const heads = admissions.map(({ head }) => head);
    assertEquals(heads.map((h) => h && [h.conversationId, h.establishmentId, h.role, h.createdByRole]), [
      [chat.id, school.id, "parent", "teacher"],
      undefined,
      [chat.id, school.id, "teacher", "teacher"],
    ]);
    assertEquals(heads[0]?.locale, parent.locale);
    // The outsider's attempt took a token too: a refused send is an attempt.
    assertEquals(admissions.map(({ decision }) => decision.allowed), [true, true, true]);
    assertEquals(await admitSends(db, [], LIMIT), []);
    // One lookup alone goes another way (plain parameters): the same answers, from the same bucket.
    const [second] = await admitSends(db, [{ viewerId: parent.id, conversationId: chat.id }], LIMIT);
    assertEquals(second, { decision: { allowed: true, retryAfterSeconds: 0 }, head: heads[0] });
    const [third] = await admitSends(db, [{ viewerId: parent.id, conversationId: chat.id }], LIMIT);
    assertEquals(third?.decision.allowed, false);
    assert(
      third!.decision.retryAfterSeconds > 100,
      `the refill is slow: ${third!.decision.retryAfterSeconds}`,
    );
    assertEquals(third?.head, heads[0], "a refused send still reads its head in the same statement");
    const [stillOpen] = await admitSends(db, [{ viewerId: teacher.id, conversationId: chat.id }], LIMIT);
    assertEquals(stillOpen?.decision.allowed, true, "another person's bucket is their own");
  },
);

dbTest(
  "school graph - send admissions refuse malformed ids and one sender twice, taking nothing",
  async (db) => {
    const { parent, chat } = await teacherAndParent(db);
    const malformed = await assertRejects(
      () => admitSends(db, [{ viewerId: "not-a-uuid", conversationId: chat.id }], LIMIT),
      RangeError,
    );
    assertStringIncludes(malformed.message, "UUIDs");
    const twice = await assertRejects(
      () =>
        admitSends(db, [
          { viewerId: parent.id, conversationId: chat.id },
          { viewerId: parent.id.toUpperCase(), conversationId: chat.id },
        ], LIMIT),
      RangeError,
    );
    assertStringIncludes(twice.message, "one sender twice");
    const admissions = await admitSends(db, [{ viewerId: parent.id, conversationId: chat.id }], LIMIT);
    assertEquals(admissions[0]?.decision.allowed, true);
    const [again] = await admitSends(db, [{ viewerId: parent.id, conversationId: chat.id }], LIMIT);
    assertEquals(again?.decision.allowed, true, "the refused calls took no token: two are left of two");
  },
);

import { assertEquals } from "../tests/support/assert.ts";
import { dbTest } from "../tests/support/databases.ts";
import { makeConversation, makeEstablishment, makeUser } from "./factories.ts";
import { appendMessage } from "./messages.ts";
import { listMessagesInRanges } from "./message_gaps.ts";
import type { Database } from "./types.ts";

/** A conversation of two with `count` messages (bodies `m1`…). */
async function conversationWith(db: Database, count: number) {
  const school = await makeEstablishment(db);
  const a = await makeUser(db, { establishmentId: school.id, role: "teacher", name: "Marc Martin" });
  const b = await makeUser(db, { establishmentId: school.id, role: "parent" });
  const { id } = await makeConversation(db, { establishmentId: school.id, members: [a.id, b.id] });
  for (let i = 1; i <= count; i++) {
    await appendMessage(db, {
      conversationId: id,
      senderId: i % 2 ? a.id : b.id,
      clientId: `c${i}`,
      body: `m${i}`,
    });
  }
  return { id, senderName: "Marc Martin" };
}

dbTest(
  "listMessagesInRanges - each range's messages exactly, ascending by seq, with sender names",
  async (db) => {
    const one = await conversationWith(db, 12);
    const two = await conversationWith(db, 5);
    const found = await listMessagesInRanges(db, [
      { conversationId: one.id, after: 3, upTo: 7 },
      { conversationId: two.id, after: 0, upTo: 2 },
      { conversationId: one.id.toUpperCase().replace(/./, "x"), after: 0, upTo: 5 }, // malformed: skipped
      { conversationId: two.id, after: 4, upTo: 4 }, // empty range
    ]);
    const of = (id: string) => found.filter((m) => m.conversationId === id);
    assertEquals(of(one.id).map((m) => [m.seq, m.body]), [[4, "m4"], [5, "m5"], [6, "m6"], [7, "m7"]]);
    assertEquals(of(two.id).map((m) => [m.seq, m.body]), [[1, "m1"], [2, "m2"]]);
    assertEquals(of(two.id)[0]!.senderName, two.senderName);
    assertEquals(of(two.id)[0]!.clientId, "c1");
    assertEquals(found.length, 6);
  },
);

dbTest("listMessagesInRanges - a range past the newest message returns what there is", async (db) => {
  const one = await conversationWith(db, 3);
  const found = await listMessagesInRanges(db, [{ conversationId: one.id, after: 1, upTo: 9 }]);
  assertEquals(found.map((m) => m.seq), [2, 3]);
});

import { assert, assertEquals, assertRejects } from "../tests/support/assert.ts";
import { dbTest } from "../tests/support/databases.ts";
import { makeConversation, makeEstablishment, makeUser } from "./factories.ts";
import {
  appendMessage,
  appendMessages,
  listMessagesAfter,
  listMessagesBefore,
  markRead,
} from "./messages.ts";
import { getConversationSummary } from "./conversations.ts";
import type { Database } from "./types.ts";

/** Two members of a fresh establishment and their direct conversation. */
async function pair(db: Database) {
  const school = await makeEstablishment(db);
  const teacher = await makeUser(db, { establishmentId: school.id, role: "teacher", name: "Marc Martin" });
  const parent = await makeUser(db, { establishmentId: school.id, role: "parent" });
  const conversation = await makeConversation(db, {
    establishmentId: school.id,
    members: [teacher.id, parent.id],
  });
  return { school, teacher, parent, conversationId: conversation.id };
}

async function rowCount(db: Database, conversationId: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*)::integer AS n FROM messages WHERE conversation_id = $1`,
    [conversationId],
  );
  return row!.n;
}

async function lastSeq(db: Database, conversationId: string): Promise<number> {
  const [row] = await db.query<{ last_seq: number }>(`SELECT last_seq FROM conversations WHERE id = $1`, [
    conversationId,
  ]);
  return row!.last_seq;
}

/** Sends `count` messages from `senderId`, one after the other; returns their seqs. */
async function sendMany(db: Database, conversationId: string, senderId: string, count: number) {
  const seqs: number[] = [];
  for (let i = 0; i < count; i++) {
    const { message } = await appendMessage(db, {
      conversationId,
      senderId,
      clientId: crypto.randomUUID(),
      body: `m${i}`,
    });
    seqs.push(message.seq);
  }
  return seqs;
}

dbTest("append - stores seq 1 with the sender's name and advances last_seq", async (db) => {
  const { teacher, conversationId } = await pair(db);
  const { message, created } = await appendMessage(db, {
    conversationId,
    senderId: teacher.id,
    clientId: "c-1",
    body: "Bonjour",
  });
  assertEquals(created, true);
  assertEquals({ ...message, id: "", createdAt: null }, {
    id: "",
    conversationId,
    seq: 1,
    senderId: teacher.id,
    senderName: "Marc Martin",
    body: "Bonjour",
    createdAt: null,
    clientId: "c-1",
  });
  assert(message.createdAt instanceof Date);
  assertEquals(await lastSeq(db, conversationId), 1);
});

dbTest("append - the same clientId twice stores one row and returns the same message", async (db) => {
  const { teacher, conversationId } = await pair(db);
  const input = { conversationId, senderId: teacher.id, clientId: "retry-me", body: "once" };
  const first = await appendMessage(db, input);
  const second = await appendMessage(db, { ...input, body: "a different body is ignored" });
  assertEquals(second, { message: first.message, created: false });
  assertEquals(await rowCount(db, conversationId), 1);
  assertEquals(await lastSeq(db, conversationId), 1);
});

dbTest("append - 20 parallel sends with one clientId store exactly one row", async (db) => {
  const { parent, conversationId } = await pair(db);
  const input = { conversationId, senderId: parent.id, clientId: "burst", body: "hello" };
  const results = await Promise.all(Array.from({ length: 20 }, () => appendMessage(db, input)));
  assertEquals(results.filter((r) => r.created).length, 1);
  assertEquals(new Set(results.map((r) => r.message.id)).size, 1);
  assertEquals(results.every((r) => r.message.seq === 1), true);
  assertEquals(await rowCount(db, conversationId), 1);
  assertEquals(await lastSeq(db, conversationId), 1);
});

dbTest("append - 200 parallel sends get seqs 1..200 with no gap", async (db) => {
  const { teacher, parent, conversationId } = await pair(db);
  const results = await Promise.all(Array.from({ length: 200 }, (_, i) =>
    appendMessage(db, {
      conversationId,
      senderId: i % 2 === 0 ? teacher.id : parent.id,
      clientId: `parallel-${i}`,
      body: `message ${i}`,
    })));
  assertEquals(results.every((r) => r.created), true);
  const seqs = results.map((r) => r.message.seq).sort((a, b) => a - b);
  assertEquals(seqs, Array.from({ length: 200 }, (_, i) => i + 1));
  assertEquals(await lastSeq(db, conversationId), 200);
  const stored = await listMessagesAfter(db, conversationId, 0, 1000);
  assertEquals(stored.map((m) => m.seq), seqs);
  // Times grow with seq: the clock is read after the conversation row is locked.
  for (let i = 1; i < stored.length; i++) assert(stored[i]!.createdAt >= stored[i - 1]!.createdAt);
});

dbTest("append - an unknown conversation is refused and stores nothing", async (db) => {
  const { teacher } = await pair(db);
  const conversationId = crypto.randomUUID();
  await assertRejects(() =>
    appendMessage(db, { conversationId, senderId: teacher.id, clientId: "x", body: "lost" })
  );
  assertEquals(await rowCount(db, conversationId), 0);
});

dbTest("append - sending moves the sender's read marker, not the recipient's", async (db) => {
  const { teacher, parent, conversationId } = await pair(db);
  await sendMany(db, conversationId, teacher.id, 3);
  const mine = await getConversationSummary(db, conversationId, teacher.id);
  const theirs = await getConversationSummary(db, conversationId, parent.id);
  assertEquals([mine?.readSeq, mine?.unread], [3, 0]);
  assertEquals([theirs?.readSeq, theirs?.unread], [0, 3]);
});

dbTest("markRead - only moves forward and never past the last message", async (db) => {
  const { teacher, parent, conversationId } = await pair(db);
  await sendMany(db, conversationId, teacher.id, 3);
  assertEquals(await markRead(db, conversationId, parent.id, 2), 2);
  assertEquals(await markRead(db, conversationId, parent.id, 1), 2);
  assertEquals(await markRead(db, conversationId, parent.id, -5), 2);
  assertEquals(await markRead(db, conversationId, parent.id, 99), 3);
  assertEquals(await markRead(db, conversationId, parent.id, 2 ** 40), 3);
  assertEquals((await getConversationSummary(db, conversationId, parent.id))?.unread, 0);
});

dbTest("markRead - refuses someone who is not a participant", async (db) => {
  const { school, conversationId } = await pair(db);
  const outsider = await makeUser(db, { establishmentId: school.id, role: "teacher" });
  await assertRejects(() => markRead(db, conversationId, outsider.id, 1));
});

dbTest("list - an empty conversation has no pages", async (db) => {
  const { conversationId } = await pair(db);
  assertEquals(await listMessagesAfter(db, conversationId, 0, 50), []);
  assertEquals(await listMessagesBefore(db, conversationId, null, 50), []);
  assertEquals(await listMessagesBefore(db, conversationId, 1, 50), []);
});

dbTest("list - after and before pages are ascending and respect their bounds", async (db) => {
  const { teacher, conversationId } = await pair(db);
  await sendMany(db, conversationId, teacher.id, 5);
  const seqs = async (page: Promise<{ seq: number }[]>) => (await page).map((m) => m.seq);
  assertEquals(await seqs(listMessagesAfter(db, conversationId, 0, 2)), [1, 2]);
  assertEquals(await seqs(listMessagesAfter(db, conversationId, 3, 50)), [4, 5]);
  assertEquals(await seqs(listMessagesAfter(db, conversationId, 5, 50)), []);
  assertEquals(await seqs(listMessagesAfter(db, conversationId, 0, 5)), [1, 2, 3, 4, 5]);
  assertEquals(await seqs(listMessagesAfter(db, conversationId, 0, 0)), []);
  assertEquals(await seqs(listMessagesBefore(db, conversationId, null, 2)), [4, 5]);
  assertEquals(await seqs(listMessagesBefore(db, conversationId, null, 50)), [1, 2, 3, 4, 5]);
  assertEquals(await seqs(listMessagesBefore(db, conversationId, 4, 2)), [2, 3]);
  assertEquals(await seqs(listMessagesBefore(db, conversationId, 4, 3)), [1, 2, 3]);
  assertEquals(await seqs(listMessagesBefore(db, conversationId, 4, 4)), [1, 2, 3]);
  assertEquals(await seqs(listMessagesBefore(db, conversationId, 1, 50)), []);
  assertEquals(await seqs(listMessagesBefore(db, conversationId, 99, 1)), [5]);
  assertEquals(await seqs(listMessagesAfter(db, "not-a-uuid", 0, 5)), []);
});

/** Inputs for `appendMessages`: `count` fresh clientIds from `senderId`. */
function inputs(conversationId: string, senderId: string, prefix: string, count: number) {
  return Array.from({ length: count }, (_, i) => ({
    conversationId,
    senderId,
    clientId: `${prefix}-${i}`,
    body: `${prefix} ${i}`,
  }));
}

dbTest(
  "appendMessages - a batch gets gapless seqs in input order, read markers and updated_at",
  async (db) => {
    const { teacher, parent, conversationId } = await pair(db);
    await appendMessage(db, { conversationId, senderId: parent.id, clientId: "before", body: "avant" });
    const batch = inputs(conversationId, teacher.id, "t", 6);
    batch.splice(2, 0, ...inputs(conversationId, parent.id, "p", 2));
    const outcomes = await appendMessages(db, batch);
    const results = outcomes.map((o) => o.ok ? o.result : assert(false, String(o.error)) as never);
    assertEquals(results.map((r) => [r.message.clientId, r.message.seq, r.created]), [
      ["t-0", 2, true],
      ["t-1", 3, true],
      ["p-0", 4, true],
      ["p-1", 5, true],
      ["t-2", 6, true],
      ["t-3", 7, true],
      ["t-4", 8, true],
      ["t-5", 9, true],
    ]);
    assertEquals(await lastSeq(db, conversationId), 9);
    const mine = await getConversationSummary(db, conversationId, teacher.id);
    const theirs = await getConversationSummary(db, conversationId, parent.id);
    assertEquals([mine?.readSeq, theirs?.readSeq], [9, 5]);
    const stored = await listMessagesAfter(db, conversationId, 0, 100);
    const newest = Math.max(...stored.map((m) => m.createdAt.getTime()));
    assertEquals(mine?.updatedAt.getTime(), newest, "updated_at is the newest message's time");
  },
);

dbTest(
  "appendMessages - a clientId repeated within a batch and across batches stores one row",
  async (db) => {
    const { teacher, parent, conversationId } = await pair(db);
    const once = { conversationId, senderId: teacher.id, clientId: "same", body: "une fois" };
    const [a, b, c, d] = await appendMessages(db, [
      once,
      { conversationId, senderId: parent.id, clientId: "same", body: "another sender's own clientId" },
      { ...once, body: "the repeat's body is ignored" },
      { conversationId, senderId: teacher.id, clientId: "next", body: "suivant" },
    ]);
    assert(a?.ok && b?.ok && c?.ok && d?.ok);
    assertEquals([a.result.created, b.result.created, c.result.created, d.result.created], [
      true,
      true,
      false,
      true,
    ]);
    assertEquals(c.result.message, a.result.message);
    assertEquals([a.result.message.seq, b.result.message.seq, d.result.message.seq], [1, 2, 3]);
    const [again, fresh] = await appendMessages(db, [once, { ...once, clientId: "later" }]);
    assert(again?.ok && fresh?.ok);
    assertEquals([again.result.message, again.result.created], [a.result.message, false]);
    assertEquals(fresh.result.message.seq, 4, "a repeat takes no seq: no gap");
    assertEquals(await rowCount(db, conversationId), 4);
    assertEquals(await lastSeq(db, conversationId), 4);
  },
);

dbTest(
  "appendMessages - one bad message in a batch fails alone, the others are stored in order",
  async (db) => {
    const { teacher, conversationId } = await pair(db);
    const batch = inputs(conversationId, teacher.id, "ok", 4);
    // A body the table refuses (its CHECK), and a conversation that does not exist.
    batch.splice(1, 0, {
      conversationId,
      senderId: teacher.id,
      clientId: "too-long",
      body: "x".repeat(4001),
    });
    batch.splice(3, 0, {
      conversationId: crypto.randomUUID(),
      senderId: teacher.id,
      clientId: "nowhere",
      body: "?",
    });
    const outcomes = await appendMessages(db, batch);
    assertEquals(outcomes.map((o) => o.ok), [true, false, true, false, true, true]);
    assertEquals(
      outcomes.flatMap((o) => o.ok ? [[o.result.message.clientId, o.result.message.seq]] : []),
      [["ok-0", 1], ["ok-1", 2], ["ok-2", 3], ["ok-3", 4]],
    );
    assertEquals(await lastSeq(db, conversationId), 4);
    assertEquals(await rowCount(db, conversationId), 4);
  },
);

dbTest("appendMessages - concurrent batches into one conversation interleave without gaps", async (db) => {
  const { teacher, parent, conversationId } = await pair(db);
  const batches = await Promise.all(
    Array.from(
      { length: 8 },
      (_, b) => appendMessages(db, inputs(conversationId, b % 2 ? teacher.id : parent.id, `b${b}`, 25)),
    ),
  );
  const seqs = batches.flat().map((o) => o.ok ? o.result.message.seq : 0).sort((x, y) => x - y);
  assertEquals(seqs, Array.from({ length: 200 }, (_, i) => i + 1));
  for (const batch of batches) {
    const own = batch.map((o) => o.ok ? o.result.message.seq : 0);
    assertEquals(own, [...own].sort((x, y) => x - y), "each batch's seqs follow its input order");
  }
  assertEquals(await lastSeq(db, conversationId), 200);
});

dbTest(
  "appendMessages - bodies and clientIds of any text come back exactly, alone and in a batch",
  async (db) => {
    const { teacher, conversationId } = await pair(db);
    const awkward = [
      "NULL",
      "quotes \" and ' and \\ backslash",
      "{braces},commas, and (parens)",
      "line one\nline two\ttab",
      "émoji 👩‍🏫 and 中文",
      "  spaces around  ",
      "\\N",
    ];
    const alone = await appendMessage(db, {
      conversationId,
      senderId: teacher.id,
      clientId: 'id "alone", {x}',
      body: awkward[0]!,
    });
    assertEquals(alone.message.body, "NULL");
    const outcomes = await appendMessages(
      db,
      awkward.map((body, n) => ({ conversationId, senderId: teacher.id, clientId: `c,${n} "NULL"`, body })),
    );
    assertEquals(outcomes.map((o) => o.ok && o.result.message.body), awkward);
    assertEquals(
      outcomes.map((o) => o.ok && o.result.message.clientId),
      awkward.map((_, n) => `c,${n} "NULL"`),
    );
    const stored = await listMessagesAfter(db, conversationId, 0, 20);
    assertEquals(stored.map((m) => m.body), ["NULL", ...awkward]);
    assertEquals(stored.map((m) => m.seq), [1, 2, 3, 4, 5, 6, 7, 8]);
  },
);

import { assert, assertEquals, assertRejects } from "../tests/support/assert.ts";
import { dbTest } from "../tests/support/databases.ts";
import { makeConversation, makeEstablishment, makeUser } from "./factories.ts";
import {
  createConversation,
  findDirectConversation,
  getAccess,
  getConversationSummary,
  listConversations,
  listConversationStates,
  listParticipantIds,
} from "./conversations.ts";
import { appendMessage } from "./messages.ts";
import { removeMembership, setMembership } from "./users.ts";
import type { Database } from "./types.ts";

/** A fresh establishment with one person of each role. */
async function school(db: Database) {
  const establishment = await makeEstablishment(db);
  const id = establishment.id;
  return {
    id,
    admin: await makeUser(db, { establishmentId: id, role: "admin", name: "Claire Admin" }),
    teacher: await makeUser(db, { establishmentId: id, role: "teacher", name: "Marc Teacher" }),
    parent: await makeUser(db, { establishmentId: id, role: "parent", name: "Hélène Parent" }),
    student: await makeUser(db, { establishmentId: id, role: "student", name: "Léa Student" }),
  };
}

function send(db: Database, conversationId: string, senderId: string, body = "hello") {
  return appendMessage(db, { conversationId, senderId, clientId: crypto.randomUUID(), body });
}

dbTest("list - most recent activity first, with last message and the viewer's unread count", async (db) => {
  const s = await school(db);
  const withParent = await makeConversation(db, {
    establishmentId: s.id,
    members: [s.teacher.id, s.parent.id],
  });
  const withAdmin = await makeConversation(db, {
    establishmentId: s.id,
    members: [s.teacher.id, s.admin.id],
  });
  const silent = await makeConversation(db, { establishmentId: s.id, members: [s.teacher.id, s.student.id] });
  await send(db, withAdmin.id, s.admin.id, "from admin");
  await send(db, withParent.id, s.parent.id, "from parent 1");
  await send(db, withParent.id, s.parent.id, "from parent 2");
  await send(db, withParent.id, s.teacher.id, "own reply");
  await send(db, withParent.id, s.parent.id, "from parent 3");

  const list = await listConversations(db, s.teacher.id, s.id);
  assertEquals(list.map((c) => c.id), [withParent.id, withAdmin.id, silent.id]);
  const [parentChat, adminChat, silentChat] = list;
  assertEquals(parentChat?.lastMessage?.body, "from parent 3");
  assertEquals(parentChat?.lastMessage?.seq, 4);
  assertEquals(parentChat?.lastMessage?.senderName, "Hélène Parent");
  assertEquals([parentChat?.lastSeq, parentChat?.readSeq, parentChat?.unread], [4, 3, 1]);
  assertEquals([adminChat?.lastSeq, adminChat?.readSeq, adminChat?.unread], [1, 0, 1]);
  assertEquals([silentChat?.lastMessage, silentChat?.lastSeq, silentChat?.unread], [null, 0, 0]);
  // Each participant with how far they have read (read receipts).
  assertEquals(parentChat?.participants.map(({ id, name, role, readSeq }) => ({ id, name, role, readSeq })), [
    { id: s.parent.id, name: "Hélène Parent", role: "parent", readSeq: 4 },
    { id: s.teacher.id, name: "Marc Teacher", role: "teacher", readSeq: 3 },
  ]);
  assert(list.every((c) => c.establishmentId === s.id && c.title === null && c.updatedAt instanceof Date));
  assertEquals(await getConversationSummary(db, withParent.id, s.teacher.id), parentChat);
});

dbTest("list - only the establishment asked for, and only the viewer's conversations", async (db) => {
  const a = await school(db);
  const b = await makeEstablishment(db);
  await setMembership(db, { userId: a.teacher.id, establishmentId: b.id, role: "teacher" });
  const bParent = await makeUser(db, { establishmentId: b.id, role: "parent" });
  const inA = await makeConversation(db, { establishmentId: a.id, members: [a.teacher.id, a.parent.id] });
  const inB = await makeConversation(db, { establishmentId: b.id, members: [a.teacher.id, bParent.id] });
  await makeConversation(db, { establishmentId: a.id, members: [a.admin.id, a.parent.id] });
  assertEquals((await listConversations(db, a.teacher.id, a.id)).map((c) => c.id), [inA.id]);
  assertEquals((await listConversations(db, a.teacher.id, b.id)).map((c) => c.id), [inB.id]);
  assertEquals(
    (await listConversationStates(db, a.teacher.id)).map((c) => c.id).sort(),
    [inA.id, inB.id].sort(),
  );
  assertEquals(await listConversations(db, bParent.id, a.id), []);
});

dbTest("access - participants get their role and the others' roles; outsiders get null", async (db) => {
  const s = await school(db);
  const group = await makeConversation(db, {
    establishmentId: s.id,
    members: [s.teacher.id, s.parent.id, s.student.id],
    title: "Sortie au musée",
  });
  const access = await getAccess(db, group.id, s.parent.id);
  assertEquals({ ...access, otherRoles: access?.otherRoles.sort() }, {
    establishmentId: s.id,
    role: "parent",
    createdByRole: "teacher",
    otherRoles: ["student", "teacher"],
  });
  assertEquals(await getAccess(db, group.id, s.admin.id), null);
  assertEquals(await getConversationSummary(db, group.id, s.admin.id), null);
  assertEquals(await getAccess(db, crypto.randomUUID(), s.parent.id), null);
  assertEquals(await getAccess(db, "../etc/passwd", s.parent.id), null);
  assertEquals((await getConversationSummary(db, group.id, s.student.id))?.title, "Sortie au musée");
});

dbTest("access - a participant whose membership was removed loses everything at once", async (db) => {
  const s = await school(db);
  const chat = await makeConversation(db, { establishmentId: s.id, members: [s.teacher.id, s.parent.id] });
  await send(db, chat.id, s.teacher.id);
  assertEquals(await removeMembership(db, s.parent.id, s.id), true);
  assertEquals(await getAccess(db, chat.id, s.parent.id), null);
  assertEquals(await getConversationSummary(db, chat.id, s.parent.id), null);
  assertEquals(await listConversations(db, s.parent.id, s.id), []);
  assertEquals(await listConversationStates(db, s.parent.id), []);
  assertEquals(await listParticipantIds(db, chat.id), [s.teacher.id]);
  const teacherView = await getConversationSummary(db, chat.id, s.teacher.id);
  assertEquals(teacherView?.participants.map((p) => p.id), [s.teacher.id]);
  assertEquals((await getAccess(db, chat.id, s.teacher.id))?.otherRoles, []);
});

dbTest("create - a two-person conversation is created once per pair, in either order", async (db) => {
  const s = await school(db);
  const first = await createConversation(db, {
    establishmentId: s.id,
    createdBy: s.teacher.id,
    participantIds: [s.teacher.id, s.parent.id],
  });
  const again = await createConversation(db, {
    establishmentId: s.id,
    createdBy: s.parent.id,
    participantIds: [s.teacher.id],
  });
  assertEquals([first.created, again], [true, { id: first.id, created: false }]);
  assertEquals(await findDirectConversation(db, s.id, s.parent.id, s.teacher.id), first.id);
  assertEquals(await findDirectConversation(db, s.id, s.parent.id, s.admin.id), null);
  assertEquals((await listParticipantIds(db, first.id)).sort(), [s.teacher.id, s.parent.id].sort());
  const groupInput = {
    establishmentId: s.id,
    createdBy: s.teacher.id,
    participantIds: [s.parent.id, s.student.id],
  };
  const group1 = await createConversation(db, groupInput);
  const group2 = await createConversation(db, groupInput);
  assert(group1.created && group2.created && group1.id !== group2.id, "groups are never merged");
});

dbTest("create - 10 parallel creations of one pair return one conversation", async (db) => {
  const s = await school(db);
  const results = await Promise.all(Array.from({ length: 10 }, (_, i) =>
    createConversation(db, {
      establishmentId: s.id,
      createdBy: i % 2 === 0 ? s.admin.id : s.student.id,
      participantIds: [s.student.id, s.admin.id],
    })));
  assertEquals(new Set(results.map((r) => r.id)).size, 1);
  assertEquals(results.filter((r) => r.created).length, 1);
  assertEquals((await listConversations(db, s.admin.id, s.id)).length, 1);
});

dbTest("create - a conversation needs someone besides its creator", async (db) => {
  const s = await school(db);
  await assertRejects(() =>
    createConversation(db, { establishmentId: s.id, createdBy: s.admin.id, participantIds: [s.admin.id] })
  );
  assertEquals(await listConversations(db, s.admin.id, s.id), []);
});

dbTest("states - counters for every conversation of every current establishment", async (db) => {
  const s = await school(db);
  const chat = await makeConversation(db, { establishmentId: s.id, members: [s.admin.id, s.student.id] });
  await send(db, chat.id, s.admin.id);
  await send(db, chat.id, s.admin.id);
  assertEquals(await listConversationStates(db, s.student.id), [
    { id: chat.id, establishmentId: s.id, lastSeq: 2, readSeq: 0, unread: 2 },
  ]);
  assertEquals(await listConversationStates(db, s.admin.id), [
    { id: chat.id, establishmentId: s.id, lastSeq: 2, readSeq: 2, unread: 0 },
  ]);
});

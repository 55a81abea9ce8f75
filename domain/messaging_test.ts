import type { Database } from "../db/types.ts";
import { type Role, ROLES, type User } from "../db/models.ts";
import { makeEstablishment, makeSchoolClassWith, makeUser, uniqueToken } from "../db/factories.ts";
import { removeMembership, setMembership } from "../db/users.ts";
import { dbTest } from "../tests/support/databases.ts";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "../tests/support/assert.ts";
import { AppError } from "./errors.ts";
import { EventHub } from "./events.ts";
import { createMessaging, refusalText } from "./messaging.ts";

/** The contract's matrix, copied literally (from \ to). */
const MAY_WRITE: Record<Role, Record<Role, boolean>> = {
  admin: { admin: true, teacher: true, parent: true, student: true },
  teacher: { admin: true, teacher: true, parent: true, student: true },
  parent: { admin: true, teacher: true, parent: false, student: false },
  student: { admin: true, teacher: true, parent: false, student: false },
};

/** One establishment with two people per role: `[role][0]` acts, `[role][1]` is written to. */
async function school(db: Database) {
  const establishment = await makeEstablishment(db);
  const token = uniqueToken();
  const people = {} as Record<Role, [User, User]>;
  for (const role of ROLES) {
    const make = (n: number) =>
      makeUser(db, { establishmentId: establishment.id, role, name: `${role}${n} ${token}` });
    people[role] = [await make(0), await make(1)];
  }
  // Everyone in one class, so teachers and families are related (the class rules of issue 12).
  await makeSchoolClassWith(db, {
    establishmentId: establishment.id,
    teacherIds: people.teacher.map((p) => p.id),
    studentIds: people.student.map((p) => p.id),
    parentIds: people.parent.map((p) => p.id),
  });
  return { id: establishment.id, people };
}

async function rejectsWith(code: string, fn: () => Promise<unknown>): Promise<AppError> {
  const error = await assertRejects(fn, AppError);
  assertEquals(error.code, code, error.message);
  return error;
}

let clientIds = 0;
const nextClientId = () => `c-${++clientIds}-${uniqueToken()}`;

dbTest("recipients - every cell of the permission matrix", async (db) => {
  const { id, people } = await school(db);
  const messaging = createMessaging(db, new EventHub());
  for (const from of ROLES) {
    const caller = people[from][0];
    for (const to of ROLES) {
      const target = people[to][1];
      const found = await messaging.searchRecipients(caller.id, id, target.name);
      assertEquals(found.map((r) => r.id), MAY_WRITE[from][to] ? [target.id] : [], `${from} searching ${to}`);
    }
    // An empty query lists everyone the caller may write to, never the caller.
    const everyone = await messaging.searchRecipients(caller.id, id, "");
    const expected = ROLES.flatMap((to) => people[to].map((p) => ({ p, to })))
      .filter(({ p, to }) => p.id !== caller.id && MAY_WRITE[from][to])
      .map(({ p }) => p);
    assertEquals(new Set(everyone.map((r) => r.id)), new Set(expected.map((p) => p.id)), `${from} listing`);
  }
});

dbTest("create - every cell of the permission matrix", async (db) => {
  const { id, people } = await school(db);
  const messaging = createMessaging(db, new EventHub());
  for (const from of ROLES) {
    for (const to of ROLES) {
      const caller = people[from][0];
      const target = people[to][1];
      const attempt = () =>
        messaging.createConversation(caller.id, { establishmentId: id, participantIds: [target.id] });
      if (MAY_WRITE[from][to]) {
        const { conversation, created } = await attempt();
        assertEquals(created, true, `${from} → ${to}`);
        assertEquals(new Set(conversation.participants.map((p) => p.id)), new Set([caller.id, target.id]));
      } else {
        const error = await rejectsWith("forbidden", attempt);
        assertEquals(error.message, refusalText("fr", "not_allowed", "start"), `${from} → ${to}`);
      }
    }
  }
});

dbTest("create - a two-person conversation that exists is returned, not duplicated", async (db) => {
  const { id, people } = await school(db);
  const messaging = createMessaging(db, new EventHub());
  const [teacher, parent] = [people.teacher[0], people.parent[0]];
  const first = await messaging.createConversation(teacher.id, {
    establishmentId: id,
    participantIds: [parent.id],
  });
  assertEquals(first.created, true);
  const again = await messaging.createConversation(teacher.id, {
    establishmentId: id,
    participantIds: [parent.id, teacher.id], // listing oneself changes nothing
  });
  const reverse = await messaging.createConversation(parent.id, {
    establishmentId: id,
    participantIds: [teacher.id],
  });
  assertEquals([again.created, again.conversation.id], [false, first.conversation.id]);
  assertEquals([reverse.created, reverse.conversation.id], [false, first.conversation.id]);
  assertEquals((await messaging.listConversations(parent.id, id)).length, 1);
});

dbTest("create - malformed requests are bad requests; strangers are forbidden", async (db) => {
  const { id, people } = await school(db);
  const messaging = createMessaging(db, new EventHub());
  const teacher = people.teacher[0];
  await rejectsWith(
    "bad_request",
    () => messaging.createConversation(teacher.id, { establishmentId: id, participantIds: [] }),
  );
  await rejectsWith(
    "bad_request",
    () => messaging.createConversation(teacher.id, { establishmentId: id, participantIds: [teacher.id] }),
  );
  await rejectsWith("bad_request", () =>
    messaging.createConversation(teacher.id, {
      establishmentId: id,
      participantIds: [people.parent[0].id],
      title: "t".repeat(201),
    }));
  await rejectsWith(
    "forbidden",
    () =>
      messaging.createConversation(teacher.id, {
        establishmentId: id,
        participantIds: [crypto.randomUUID()],
      }),
  );
  await rejectsWith(
    "forbidden",
    () => messaging.createConversation(teacher.id, { establishmentId: id, participantIds: ["not-an-id"] }),
  );
});

dbTest("create - a group gets its normalised title and every participant", async (db) => {
  const { id, people } = await school(db);
  const messaging = createMessaging(db, new EventHub());
  const { conversation, created } = await messaging.createConversation(people.admin[0].id, {
    establishmentId: id,
    participantIds: [people.teacher[0].id, people.teacher[1].id],
    title: "  Conseil de classe \u2014 re\u0301union  ",
  });
  assertEquals(created, true);
  assertEquals(conversation.title, "Conseil de classe \u2014 r\u00e9union");
  assertEquals(conversation.participants.length, 3);
  assertEquals([conversation.lastSeq, conversation.unread, conversation.lastMessage], [0, 0, null]);
});

dbTest(
  "isolation - a parent of two schools sees each school's conversations only under that school",
  async (db) => {
    const a = await school(db);
    const b = await school(db);
    const messaging = createMessaging(db, new EventHub());
    const parent = a.people.parent[0];
    await setMembership(db, { userId: parent.id, establishmentId: b.id, role: "parent" });
    await makeSchoolClassWith(db, {
      establishmentId: b.id,
      teacherIds: [b.people.teacher[0].id],
      parentIds: [parent.id],
    });
    const inA = await messaging.createConversation(a.people.teacher[0].id, {
      establishmentId: a.id,
      participantIds: [parent.id],
    });
    const inB = await messaging.createConversation(b.people.teacher[0].id, {
      establishmentId: b.id,
      participantIds: [parent.id],
    });
    assertEquals((await messaging.listConversations(parent.id, a.id)).map((c) => c.id), [
      inA.conversation.id,
    ]);
    assertEquals((await messaging.listConversations(parent.id, b.id)).map((c) => c.id), [
      inB.conversation.id,
    ]);
    assertEquals(
      new Set((await messaging.conversationStates(parent.id)).map((s) => s.id)),
      new Set([inA.conversation.id, inB.conversation.id]),
    );
    // The same person, searched from each school, is found with that school's people only.
    assertEquals((await messaging.searchRecipients(parent.id, a.id, b.people.teacher[0].name)).length, 0);
    assertEquals((await messaging.searchRecipients(parent.id, b.id, b.people.teacher[0].name)).length, 1);
  },
);

dbTest("isolation - a parent of one school finds nobody from the other and cannot reach it", async (db) => {
  const a = await school(db);
  const b = await school(db);
  const messaging = createMessaging(db, new EventHub());
  const parent = a.people.parent[0];
  const teacherB = b.people.teacher[0];
  assertEquals(await messaging.searchRecipients(parent.id, a.id, teacherB.name), []);
  await rejectsWith("not_found", () => messaging.searchRecipients(parent.id, b.id, teacherB.name));
  await rejectsWith("not_found", () => messaging.listConversations(parent.id, b.id));
  await rejectsWith("not_found", () => messaging.listConversations(parent.id, crypto.randomUUID()));
  await rejectsWith(
    "forbidden",
    () => messaging.createConversation(parent.id, { establishmentId: a.id, participantIds: [teacherB.id] }),
  );
  await rejectsWith(
    "not_found",
    () => messaging.createConversation(parent.id, { establishmentId: b.id, participantIds: [teacherB.id] }),
  );
});

dbTest("access - someone outside a conversation gets not_found for every action", async (db) => {
  const { id, people } = await school(db);
  const messaging = createMessaging(db, new EventHub());
  const { conversation } = await messaging.createConversation(people.teacher[0].id, {
    establishmentId: id,
    participantIds: [people.parent[0].id],
  });
  await messaging.sendMessage(people.teacher[0].id, {
    conversationId: conversation.id,
    clientId: nextClientId(),
    body: "Bonjour",
  });
  const outsider = people.admin[0]; // same school, may write to anyone, still not a participant
  for (const conversationId of [conversation.id, crypto.randomUUID(), "not-an-id"]) {
    await rejectsWith("not_found", () => messaging.listMessages(outsider.id, conversationId, {}));
    await rejectsWith("not_found", () => messaging.markRead(outsider.id, conversationId, 1));
    await rejectsWith(
      "not_found",
      () => messaging.sendMessage(outsider.id, { conversationId, clientId: nextClientId(), body: "Hello" }),
    );
  }
});

dbTest("access - a removed membership hides the school's conversations at once", async (db) => {
  const { id, people } = await school(db);
  const messaging = createMessaging(db, new EventHub());
  const parent = people.parent[0];
  const { conversation } = await messaging.createConversation(people.teacher[0].id, {
    establishmentId: id,
    participantIds: [parent.id],
  });
  await messaging.sendMessage(parent.id, {
    conversationId: conversation.id,
    clientId: nextClientId(),
    body: "Merci",
  });
  assert(await removeMembership(db, parent.id, id));
  await rejectsWith("not_found", () => messaging.listMessages(parent.id, conversation.id, {}));
  await rejectsWith("not_found", () => messaging.markRead(parent.id, conversation.id, 1));
  await rejectsWith(
    "not_found",
    () =>
      messaging.sendMessage(parent.id, {
        conversationId: conversation.id,
        clientId: nextClientId(),
        body: "Encore",
      }),
  );
  await rejectsWith("not_found", () => messaging.listConversations(parent.id, id));
  assertEquals(await messaging.conversationStates(parent.id), []);
});

dbTest(
  "send - a parent may reply in a staff-created group with another parent, but may not create one",
  async (db) => {
    const { id, people } = await school(db);
    const messaging = createMessaging(db, new EventHub());
    const [teacher, parentA, parentB] = [people.teacher[0], people.parent[0], people.parent[1]];
    await rejectsWith(
      "forbidden",
      () =>
        messaging.createConversation(parentA.id, {
          establishmentId: id,
          participantIds: [parentB.id, teacher.id],
        }),
    );
    const { conversation } = await messaging.createConversation(teacher.id, {
      establishmentId: id,
      participantIds: [parentA.id, parentB.id],
      title: "Sortie scolaire",
    });
    const sent = await messaging.sendMessage(parentA.id, {
      conversationId: conversation.id,
      clientId: nextClientId(),
      body: "Je viens !",
    });
    assertEquals([sent.created, sent.message.seq, sent.message.senderId], [true, 1, parentA.id]);
  },
);

dbTest("send - once its creator is no longer staff, a group falls back to the plain matrix", async (db) => {
  const { id, people } = await school(db);
  const messaging = createMessaging(db, new EventHub());
  const [teacher, parentA, student] = [people.teacher[0], people.parent[0], people.student[0]];
  const { conversation } = await messaging.createConversation(teacher.id, {
    establishmentId: id,
    participantIds: [parentA.id, student.id],
  });
  await messaging.sendMessage(student.id, {
    conversationId: conversation.id,
    clientId: nextClientId(),
    body: "Ok",
  });
  await setMembership(db, { userId: teacher.id, establishmentId: id, role: "parent" });
  await rejectsWith(
    "forbidden",
    () =>
      messaging.sendMessage(student.id, {
        conversationId: conversation.id,
        clientId: nextClientId(),
        body: "Ok?",
      }),
  );
});

dbTest("send - body validation: blank, 4001 code points, NFC before counting", async (db) => {
  const { id, people } = await school(db);
  const messaging = createMessaging(db, new EventHub());
  const teacher = people.teacher[0];
  const { conversation } = await messaging.createConversation(teacher.id, {
    establishmentId: id,
    participantIds: [people.parent[0].id],
  });
  const send = (body: string, clientId = nextClientId()) =>
    messaging.sendMessage(teacher.id, { conversationId: conversation.id, clientId, body });
  await rejectsWith("bad_request", () => send(""));
  await rejectsWith("bad_request", () => send(" \n\t\u200b "));
  await rejectsWith("too_large", () => send("x".repeat(4001)));
  await rejectsWith("bad_request", () => send("ok", ""));
  await rejectsWith("bad_request", () => send("ok", "x".repeat(65)));
  const decomposed = await send("e\u0301".repeat(4000)); // 8000 code points typed, 4000 after NFC
  assertEquals(decomposed.message.body, "\u00e9".repeat(4000));
  assertEquals(decomposed.message.seq, 1, "refused sends used no seq");
});

dbTest(
  "send - a retried clientId returns the original message; reuse in another conversation is refused",
  async (db) => {
    const { id, people } = await school(db);
    const messaging = createMessaging(db, new EventHub());
    const teacher = people.teacher[0];
    const one = await messaging.createConversation(teacher.id, {
      establishmentId: id,
      participantIds: [people.parent[0].id],
    });
    const two = await messaging.createConversation(teacher.id, {
      establishmentId: id,
      participantIds: [people.parent[1].id],
    });
    const clientId = nextClientId();
    const first = await messaging.sendMessage(teacher.id, {
      conversationId: one.conversation.id,
      clientId,
      body: "Une fois",
    });
    const retry = await messaging.sendMessage(teacher.id, {
      conversationId: one.conversation.id,
      clientId,
      body: "Une fois",
    });
    assertEquals([retry.created, retry.message], [false, first.message]);
    await rejectsWith(
      "bad_request",
      () =>
        messaging.sendMessage(teacher.id, {
          conversationId: two.conversation.id,
          clientId,
          body: "Ailleurs",
        }),
    );
  },
);

dbTest("messages - pages, read markers and unread counts", async (db) => {
  const { id, people } = await school(db);
  const messaging = createMessaging(db, new EventHub());
  const [teacher, parent] = [people.teacher[0], people.parent[0]];
  const { conversation } = await messaging.createConversation(teacher.id, {
    establishmentId: id,
    participantIds: [parent.id],
  });
  const cid = conversation.id;
  for (const body of ["un", "deux", "trois"]) {
    await messaging.sendMessage(teacher.id, { conversationId: cid, clientId: nextClientId(), body });
  }
  const [summary] = await messaging.listConversations(parent.id, id);
  assertEquals([summary?.lastSeq, summary?.readSeq, summary?.unread, summary?.lastMessage?.body], [
    3,
    0,
    3,
    "trois",
  ]);
  assertEquals((await messaging.listMessages(parent.id, cid, { after: 1 })).map((m) => m.seq), [2, 3]);
  assertEquals((await messaging.listMessages(parent.id, cid, { limit: 2 })).map((m) => m.body), [
    "deux",
    "trois",
  ]);
  assertEquals((await messaging.listMessages(parent.id, cid, { before: 3, limit: 1 })).map((m) => m.seq), [
    2,
  ]);
  await rejectsWith("bad_request", () => messaging.listMessages(parent.id, cid, { after: 1, before: 3 }));
  assertEquals(await messaging.markRead(parent.id, cid, 2), 2);
  assertEquals(await messaging.markRead(parent.id, cid, 1), 2, "a read marker never moves back");
  assertEquals(await messaging.markRead(parent.id, cid, 99), 3, "nor past the last message");
  const states = await messaging.conversationStates(parent.id);
  assertEquals(states, [{ id: cid, establishmentId: id, lastSeq: 3, readSeq: 3, unread: 0 }]);
  // The sender's own messages are never unread.
  assertEquals((await messaging.conversationStates(teacher.id)).find((s) => s.id === cid)?.unread, 0);
});

dbTest("send - concurrent sends are stored in the order each user made them, without gaps", async (db) => {
  const { id, people } = await school(db);
  const events = new EventHub();
  const published: number[] = [];
  events.subscribe((e) => e.kind === "message_stored" && published.push(e.message.seq));
  // 27 sends of one person at once: past the default send limit's burst of 20.
  const messaging = createMessaging(db, events, {
    sendLimit: { name: "send", capacity: 40, refillPerSecond: 40 },
  });
  const [teacher, parent] = [people.teacher[0], people.parent[0]];
  const { conversation } = await messaging.createConversation(teacher.id, {
    establishmentId: id,
    participantIds: [parent.id],
  });
  // Not awaited one by one: they are checked concurrently and share group commits.
  const sends = Array.from({ length: 40 }, (_, i) => {
    const sender = i % 3 === 0 ? parent : teacher;
    return messaging.sendMessage(sender.id, {
      conversationId: conversation.id,
      clientId: `o-${i}`,
      body: `${i}`,
    })
      .then(({ message, created }) => ({ i, sender: sender.id, seq: message.seq, created }));
  });
  const results = await Promise.all(sends);
  assertEquals(results.every((r) => r.created), true);
  assertEquals(results.map((r) => r.seq).sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i + 1));
  for (const sender of [teacher.id, parent.id]) {
    const seqs = results.filter((r) => r.sender === sender).map((r) => r.seq);
    assertEquals(seqs, [...seqs].sort((a, b) => a - b), "one user's sends keep the order they were made in");
  }
  assertEquals(
    published.sort((a, b) => a - b),
    Array.from({ length: 40 }, (_, i) => i + 1),
    "one event each",
  );
});

/** A teacher's conversation with a parent, under a send limit of 3 at once with nearly no refill. */
async function limitedChat(db: Database) {
  const { id, people } = await school(db);
  const messaging = createMessaging(db, new EventHub(), {
    sendLimit: { name: `send_test_${uniqueToken()}`, capacity: 3, refillPerSecond: 0.001 },
  });
  const [teacher, parent] = [people.teacher[0], people.parent[0]];
  const { conversation } = await messaging.createConversation(teacher.id, {
    establishmentId: id,
    participantIds: [parent.id],
  });
  const send = (who: { id: string }, clientId: string) =>
    messaging.sendMessage(who.id, { conversationId: conversation.id, clientId, body: clientId });
  return { messaging, teacher, parent, conversation, send };
}

dbTest(
  "send - past the send limit a person's sends are refused rate_limited before anything is stored",
  async (db) => {
    const { messaging, teacher, parent, conversation, send } = await limitedChat(db);
    // A malformed conversation id is refused before the limit: it costs no token.
    const missing = await assertRejects(
      () => messaging.sendMessage(teacher.id, { conversationId: "nope", clientId: "x", body: "x" }),
      AppError,
    );
    assertEquals(missing.code, "not_found");
    await Promise.all([send(teacher, "1"), send(teacher, "2"), send(teacher, "3")]);
    const refused = await assertRejects(() => send(teacher, "4"), AppError);
    assertEquals([refused.code, refused.status], ["rate_limited", 429]);
    assert(refused.retryAfterSeconds! > 100, `the refill is slow: ${refused.retryAfterSeconds}`);
    assertStringIncludes(refused.message, "You are sending too fast; wait");
    assertEquals((await send(parent, "5")).created, true, "another person's sends are their own");
    const stored = await messaging.listMessages(teacher.id, conversation.id, {});
    assertEquals(stored.map((m) => m.body).sort(), ["1", "2", "3", "5"], "the refused send stored nothing");
  },
);

dbTest(
  "send - one person's flood in one batch: their burst stored in order, the rest refused, others unaffected",
  async (db) => {
    const { messaging, teacher, parent, conversation, send } = await limitedChat(db);
    // Made together, so they share a batch: ten of the teacher's and one of the parent's.
    const flood = Array.from({ length: 10 }, (_, i) => send(teacher, `t-${i}`));
    const other = send(parent, "p-0");
    const outcomes = await Promise.allSettled(flood);
    assertEquals(outcomes.map((o) => o.status), [
      ...Array(3).fill("fulfilled"),
      ...Array(7).fill("rejected"),
    ]);
    for (const outcome of outcomes.slice(3)) {
      assertEquals(((outcome as PromiseRejectedResult).reason as AppError).code, "rate_limited");
    }
    assertEquals((await other).created, true);
    const stored = await messaging.listMessages(teacher.id, conversation.id, {});
    assertEquals(
      stored.filter((m) => m.senderId === teacher.id).map((m) => m.clientId),
      ["t-0", "t-1", "t-2"],
      "the first three, in the order they were sent",
    );
  },
);

dbTest("send - past capacity a send is refused overloaded before anything is stored", async (db) => {
  const { id, people } = await school(db);
  // Two sends may wait for a batch; the batch waits long enough for the others to arrive meanwhile.
  const messaging = createMessaging(db, new EventHub(), { sendBatch: { maxQueued: 2, gatherMs: 300 } });
  const teacher = people.teacher[0];
  const { conversation } = await messaging.createConversation(teacher.id, {
    establishmentId: id,
    participantIds: [people.parent[0].id],
  });
  const send = (clientId: string) =>
    messaging.sendMessage(teacher.id, { conversationId: conversation.id, clientId, body: clientId });
  const outcomes = await Promise.allSettled(["q-0", "q-1", "q-2", "q-3"].map(send));
  assertEquals(outcomes.map((o) => o.status), ["fulfilled", "fulfilled", "rejected", "rejected"]);
  for (const outcome of outcomes.slice(2)) {
    const error = (outcome as PromiseRejectedResult).reason;
    assert(error instanceof AppError && error.code === "overloaded", String(error));
    assertEquals(error.status, 503);
    assert((error.retryAfterSeconds ?? 0) >= 1, "tells when to try again");
  }
  const stored = await messaging.listMessages(teacher.id, conversation.id, {});
  assertEquals(
    stored.map((m) => [m.clientId, m.seq]),
    [["q-0", 1], ["q-1", 2]],
    "the refused ones were not stored",
  );
  // Sent again later with the same clientId, a refused message is stored once, next in line.
  assertEquals((await send("q-2")).message.seq, 3);
});

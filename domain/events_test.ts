import { makeEstablishment, makeSchoolClassWith, makeUser } from "../db/factories.ts";
import { dbTest } from "../tests/support/databases.ts";
import { assertEquals, assertRejects } from "../tests/support/assert.ts";
import { createAuthService } from "./auth.ts";
import { AppError } from "./errors.ts";
import { type DomainEvent, EventHub } from "./events.ts";
import { removeMember } from "./memberships.ts";
import { createMessaging } from "./messaging.ts";
import { hashPassword } from "./passwords.ts";

/** An event hub that remembers what was published, in order. */
function recorder() {
  const events = new EventHub();
  const seen: DomainEvent[] = [];
  events.subscribe((event) => seen.push(event));
  return { events, seen, take: () => seen.splice(0) };
}

Deno.test("events - a failing subscriber neither stops the others nor reaches the publisher", () => {
  const events = new EventHub();
  const seen: string[] = [];
  events.subscribe(() => {
    throw new Error("boom");
  });
  const stop = events.subscribe((event) => seen.push(event.kind));
  const error = console.error;
  console.error = () => {};
  try {
    events.publish({ kind: "session_ended", sessionId: "s" });
    stop();
    events.publish({ kind: "session_ended", sessionId: "t" });
  } finally {
    console.error = error;
  }
  assertEquals(seen, ["session_ended"]);
});

dbTest(
  "events - messaging publishes what it committed, and nothing for a refused or repeated call",
  async (db) => {
    const { events, take } = recorder();
    const messaging = createMessaging(db, events);
    const school = await makeEstablishment(db);
    const teacher = await makeUser(db, { establishmentId: school.id, role: "teacher" });
    const parent = await makeUser(db, { establishmentId: school.id, role: "parent" });
    const other = await makeUser(db, { establishmentId: school.id, role: "parent" });
    await makeSchoolClassWith(db, {
      establishmentId: school.id,
      teacherIds: [teacher.id],
      parentIds: [parent.id],
    });

    const { conversation } = await messaging.createConversation(teacher.id, {
      establishmentId: school.id,
      participantIds: [parent.id],
    });
    assertEquals(take(), [{ kind: "conversation_created", conversationId: conversation.id }]);
    await messaging.createConversation(teacher.id, {
      establishmentId: school.id,
      participantIds: [parent.id],
    });
    assertEquals(take(), [], "the existing two-person conversation is not announced again");

    const { message } = await messaging.sendMessage(parent.id, {
      conversationId: conversation.id,
      clientId: "c-1",
      body: "Bonjour",
    });
    assertEquals(take(), [{ kind: "message_stored", message }]);
    await messaging.sendMessage(parent.id, {
      conversationId: conversation.id,
      clientId: "c-1",
      body: "Bonjour",
    });
    assertEquals(take(), [], "a repeated clientId stores nothing, so announces nothing");

    await messaging.markRead(teacher.id, conversation.id, 1);
    assertEquals(take(), [{
      kind: "read_moved",
      conversationId: conversation.id,
      userId: teacher.id,
      seq: 1,
    }]);

    await messaging.setTyping(teacher, conversation.id, true);
    assertEquals(take(), [{
      kind: "typing",
      conversationId: conversation.id,
      userId: teacher.id,
      name: teacher.name,
      typing: true,
    }]);

    // Refusals publish nothing: typing where one cannot see, sending where one is not a participant.
    await assertRejects(() => messaging.setTyping(other, conversation.id, true), AppError);
    await assertRejects(
      () => messaging.sendMessage(other.id, { conversationId: conversation.id, clientId: "c-2", body: "x" }),
      AppError,
    );
    assertEquals(take(), []);
  },
);

dbTest("events - signing out and removing a membership are announced after the change", async (db) => {
  const { events, take } = recorder();
  const school = await makeEstablishment(db);
  const parent = await makeUser(db, {
    establishmentId: school.id,
    role: "parent",
    passwordHash: await hashPassword("correct horse"),
  });
  const auth = createAuthService(db, { secret: "s".repeat(48), events });
  const session = await auth.login(parent.email, "correct horse", "127.0.0.1");
  const { sessionId } = await auth.authenticate(session.token);
  assertEquals(take(), []);
  await auth.logout(sessionId);
  assertEquals(take(), [{ kind: "session_ended", sessionId }]);
  await assertRejects(() => auth.authenticate(session.token), AppError);

  assertEquals(await removeMember(db, events, { userId: parent.id, establishmentId: school.id }), true);
  assertEquals(take(), [{ kind: "membership_changed", userId: parent.id, establishmentId: school.id }]);
  assertEquals(await removeMember(db, events, { userId: parent.id, establishmentId: school.id }), false);
  assertEquals(take(), [], "nothing removed, nothing announced");
});

/** Ephemeral and control events across instances: typing, read markers, new conversations. */
import { assert, assertEquals } from "./support/assert.ts";
import { dbTest, sharesPglite } from "./support/databases.ts";
import { api, withServer } from "./support/server.ts";
import {
  clusterTest,
  collect,
  connect,
  POSTGRES_TIERS,
  school,
  schoolWithChat,
  sendAndAck,
} from "./support/realtime_fixtures.ts";
import type { Frame } from "./support/ws_client.ts";
import { makeSchoolClassWith } from "../db/factories.ts";

// dbTest shares a PGlite in this module: no sanitizer for its other tests either.
sharesPglite();

const isTyping = (conversationId: string, typing: boolean) => (f: Frame) =>
  f.type === "typing" && f.conversationId === conversationId && f.typing === typing;

clusterTest(
  "typing - reaches the other instance, and is cleared when the typist sends and when they leave [postgres]",
  { instances: 2, realtime: POSTGRES_TIERS },
  async ({ db, servers: [a, b] }) => {
    const { people: [teacher, parent], chat } = await schoolWithChat(db, a, ["teacher", "parent"]);
    const typist = await connect(a, teacher);
    const typistOtherTab = await connect(b, teacher);
    const reader = await connect(b, parent);

    typist.client.send({ type: "typing", conversationId: chat.id, typing: true });
    assertEquals(await reader.client.next(isTyping(chat.id, true)), {
      type: "typing",
      conversationId: chat.id,
      userId: teacher.user.id,
      name: teacher.user.name,
      typing: true,
    });
    // Sending clears it, before or after the message: both reach the reader.
    await sendAndAck(typist.client, chat.id, "Voilà");
    await reader.client.next(isTyping(chat.id, false), 10_000, "typing:false after the send");
    await reader.client.nextOfType("message");

    typist.client.send({ type: "typing", conversationId: chat.id, typing: true });
    await reader.client.next(isTyping(chat.id, true));
    await typist.client.close();
    await reader.client.next(isTyping(chat.id, false), 10_000, "typing:false after the typist left");

    // The typist's own sockets are not told about their own typing. The marker: someone else typing
    // on A, which reaches B's typistOtherTab after anything A published about the typist before.
    const readerOnA = await connect(a, parent);
    readerOnA.client.send({ type: "typing", conversationId: chat.id, typing: true });
    await typistOtherTab.client.next((f) => f.type === "typing" && f.userId === parent.user.id);
    assertEquals(
      typistOtherTab.client.received.filter((f) => f.type === "typing").map((f) => f.userId),
      [parent.user.id],
      "no typing of the typist's own, before the marker",
    );
    await Promise.all([typistOtherTab.client.close(), reader.client.close(), readerOnA.client.close()]);
  },
);

dbTest("typing - a flood is limited per user and conversation", async (db) => {
  await withServer(db, async (server) => {
    const { people: [teacher, parent], chat } = await schoolWithChat(db, server, ["teacher", "parent"]);
    const typist = await connect(server, teacher);
    const reader = await connect(server, parent);
    for (let i = 0; i < 30; i++) {
      typist.client.send({ type: "typing", conversationId: chat.id, typing: true });
    }
    typist.client.send({ type: "ping" });
    await typist.client.nextOfType("pong"); // every typing frame before it was handled
    reader.client.send({ type: "ping" });
    await reader.client.nextOfType("pong"); // and everything they caused was sent before this pong
    const delivered = reader.client.received.filter((f) => f.type === "typing").length;
    const refused = typist.client.received.filter((f) =>
      f.type === "error" && f.code === "rate_limited"
    ).length;
    assert(delivered >= 5 && delivered <= 7, `the burst of 5 (plus refills) got through, not ${delivered}`);
    assertEquals(delivered + refused, 30);
    await Promise.all([typist.client.close(), reader.client.close()]);
  });
});

clusterTest(
  "read - markers from the socket and from REST reach every member's sockets on both instances [postgres]",
  { instances: 2, realtime: POSTGRES_TIERS },
  async ({ db, servers: [a, b] }) => {
    const { people: [teacher, parent], chat } = await schoolWithChat(db, a, ["teacher", "parent"]);
    const teacherSocket = await connect(a, teacher);
    const parentOnA = await connect(a, parent);
    const parentOnB = await connect(b, parent);
    await sendAndAck(teacherSocket.client, chat.id, "un");
    await sendAndAck(teacherSocket.client, chat.id, "deux");

    parentOnB.client.send({ type: "read", conversationId: chat.id, seq: 1 });
    const expected = { type: "read", conversationId: chat.id, userId: parent.user.id, seq: 1 };
    for (const { client } of [teacherSocket, parentOnA, parentOnB]) {
      assertEquals(await client.nextOfType("read"), expected);
    }
    // Beyond the last seq is capped; the REST route fans out the same frame.
    const rest = await api(a.url, parent.cookie, `/api/conversations/${chat.id}/read`, {
      method: "POST",
      body: { seq: 99 },
    });
    assertEquals(rest.status, 204);
    for (const { client } of [teacherSocket, parentOnA, parentOnB]) {
      assertEquals(await client.nextOfType("read"), { ...expected, seq: 2 });
    }
    await Promise.all([teacherSocket, parentOnA, parentOnB].map(({ client }) => client.close()));
  },
);

clusterTest(
  "conversation - one created over REST is pushed to its members' sockets everywhere, then its messages [postgres]",
  { instances: 2, realtime: POSTGRES_TIERS },
  async ({ db, servers: [a, b] }) => {
    const { establishment, people: [teacher, parent, parent2, outsider] } = await school(db, a, [
      "teacher",
      "parent",
      "parent",
      "parent",
    ]);
    await makeSchoolClassWith(db, {
      establishmentId: establishment.id,
      teacherIds: [teacher.user.id],
      parentIds: [parent.user.id, parent2.user.id, outsider.user.id],
    });
    const creatorTab = await connect(b, teacher);
    const member = await connect(b, parent);
    const otherMember = await connect(a, parent2);
    const stranger = await connect(b, outsider);

    const created = await api(a.url, teacher.cookie, "/api/conversations", {
      method: "POST",
      body: {
        establishmentId: establishment.id,
        participantIds: [parent.user.id, parent2.user.id],
        title: "Classe verte",
      },
    });
    assertEquals(created.status, 201);
    const conversationId = (created.body as { conversation: { id: string } }).conversation.id;

    const members = [[parent, member], [parent2, otherMember], [teacher, creatorTab]] as const;
    for (const [person, { client }] of members) {
      const frame = await client.nextOfType("conversation");
      const listed = await api(
        a.url,
        person.cookie,
        `/api/conversations?establishmentId=${establishment.id}`,
      );
      const summary = (listed.body as { conversations: { id: string }[] }).conversations.find((c) =>
        c.id === conversationId
      );
      assertEquals(frame.conversation, summary, "the summary as that member sees it");
    }

    const first = await sendAndAck(creatorTab.client, conversationId, "Départ lundi");
    assertEquals((await collect(member.client, conversationId, 1))[0], first);
    assertEquals((await collect(otherMember.client, conversationId, 1))[0], first);
    // The stranger's own new conversation, created on A like the first, is the marker: whatever A
    // published about "Classe verte" before it would have reached B's stranger first.
    const createWithStranger = async (others: string[] = []) => {
      const res = await api(a.url, teacher.cookie, "/api/conversations", {
        method: "POST",
        body: { establishmentId: establishment.id, participantIds: [outsider.user.id, ...others] },
      });
      return { status: res.status, id: (res.body as { conversation: { id: string } }).conversation.id };
    };
    const direct = await createWithStranger();
    assertEquals(direct.status, 201);
    await stranger.client.nextOfType("conversation");
    assertEquals(
      stranger.client.received.map((f) => [f.type, (f.conversation as { id?: string } | undefined)?.id]),
      [["hello", undefined], ["conversation", direct.id]],
      "nothing for a non-member, before their own conversation",
    );

    // Asking again for an existing two-person conversation pushes nothing new; the next new one is
    // the marker.
    assertEquals((await createWithStranger()).status, 200);
    const group = await createWithStranger([parent.user.id]);
    assertEquals(group.status, 201);
    await stranger.client.next(
      (f) => f.type === "conversation" && (f.conversation as { id: string }).id === group.id,
      10_000,
      "the marker conversation",
    );
    assertEquals(
      stranger.client.received.filter((f) => f.type === "conversation").map((f) =>
        (f.conversation as { id: string }).id
      ),
      [direct.id, group.id],
      "the repeated request pushed nothing",
    );
    await Promise.all([creatorTab, member, otherMember, stranger].map(({ client }) => client.close()));
  },
);

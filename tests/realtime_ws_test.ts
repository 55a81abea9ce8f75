/** `/ws/chat` on one instance: the upgrade checks, hello, frame validation and permissions. */
import { dbTest } from "./support/databases.ts";
import { assert, assertEquals } from "./support/assert.ts";
import { api, startTestServer, withServer } from "./support/server.ts";
import { rawUpgrade, WsClient } from "./support/ws_client.ts";
import { withTimeout } from "../util/timeout.ts";
import { connect, conversation, school, schoolWithChat, sendAndAck } from "./support/realtime_fixtures.ts";
import { revokeSession } from "../db/sessions.ts";
import { listMessagesAfter } from "../db/messages.ts";
import type { Database } from "../db/types.ts";

const errorCode = (body: unknown) => (body as { error?: { code?: string } }).error?.code;

dbTest("ws - hello carries the user and the counters of every conversation they can see", async (db) => {
  await withServer(db, async (server) => {
    const { establishment, people: [teacher, parent], chat } = await schoolWithChat(db, server, [
      "teacher",
      "parent",
    ]);
    const writer = await connect(server, teacher);
    await sendAndAck(writer.client, chat.id, "Bonjour");
    await sendAndAck(writer.client, chat.id, "Réunion jeudi");

    const { client, hello } = await connect(server, parent);
    assertEquals(hello, {
      type: "hello",
      protocol: 1,
      user: { id: parent.user.id, name: parent.user.name },
      conversations: [{ id: chat.id, establishmentId: establishment.id, lastSeq: 2, readSeq: 0, unread: 2 }],
    });
    assertEquals(client.received[0]?.type, "hello", "hello is the first frame");
    await client.close();
    await writer.client.close();
  });
});

dbTest(
  "ws - the upgrade is refused before it happens without a session or from a foreign origin",
  async (db) => {
    await withServer(db, { allowedOrigins: ["https://app.example"] }, async (server) => {
      const { people: [parent] } = await school(db, server, ["parent"]);
      const cookie = parent.cookie;

      const noCookie = await rawUpgrade(server.url);
      assertEquals([noCookie.status, errorCode(JSON.parse(noCookie.body))], [401, "unauthorized"]);

      const foreign = await rawUpgrade(server.url, { cookie, origin: "https://evil.example" });
      assertEquals([foreign.status, errorCode(JSON.parse(foreign.body))], [403, "forbidden"]);
      const nullOrigin = await rawUpgrade(server.url, { cookie, origin: "null" });
      assertEquals(nullOrigin.status, 403);

      const forged = await rawUpgrade(server.url, { cookie: "preau_session=not-a-token" });
      assertEquals(forged.status, 401);

      const notUpgrade = await api(server.url, cookie, "/ws/chat");
      assertEquals([notUpgrade.status, errorCode(notUpgrade.body)], [400, "bad_request"]);

      // A missing Origin (non-browser client), the app's own origin, and an allowed one are accepted.
      for (const origin of [undefined, server.url, "https://app.example"]) {
        const { client, hello } = await connect(server, parent, { origin });
        assertEquals(hello.type, "hello");
        await client.close();
      }

      // A revoked session is refused like no session at all.
      const { client } = await connect(server, parent);
      const sessionId = server.services.auth.authenticate(cookie.slice("preau_session=".length));
      await revokeSession(db, (await sessionId).sessionId);
      const revoked = await rawUpgrade(server.url, { cookie });
      assertEquals([revoked.status, errorCode(JSON.parse(revoked.body))], [401, "unauthorized"]);
      await client.close();
    });
  },
);

dbTest("ws - malformed frames are answered with error frames and the socket stays open", async (db) => {
  await withServer(db, async (server) => {
    const { people: [teacher], chat } = await schoolWithChat(db, server, ["teacher", "parent"]);
    const { client } = await connect(server, teacher);
    const expectError = async (code: string, clientId?: string) => {
      const frame = await client.nextOfType("error");
      assertEquals([frame.code, frame.clientId], [code, clientId], JSON.stringify(frame));
      assert(typeof frame.message === "string" && frame.message.length > 0, "an error says what to do");
    };

    client.send("{not json");
    await expectError("bad_request");
    client.send("[1,2]");
    await expectError("bad_request");
    client.send({ type: "shout", conversationId: chat.id });
    await expectError("bad_request");
    client.send({ type: "send", clientId: "c-1", conversationId: chat.id, body: 42 });
    await expectError("bad_request", "c-1");
    client.send({ type: "send", clientId: "c-2", conversationId: "not-an-id", body: "x" });
    await expectError("bad_request", "c-2");
    client.send({ type: "send", clientId: "c-3", conversationId: chat.id, body: " \n\u200B " });
    await expectError("bad_request", "c-3");
    client.send({ type: "send", clientId: "c-4", conversationId: chat.id, body: "é".repeat(4001) });
    await expectError("too_large", "c-4");
    client.send({ type: "send", clientId: "x".repeat(65), conversationId: chat.id, body: "x" });
    await expectError("bad_request");
    client.send({ type: "typing", conversationId: chat.id, typing: "yes" });
    await expectError("bad_request");
    client.send({ type: "read", conversationId: chat.id, seq: -1 });
    await expectError("bad_request");
    client.send({ type: "ping" });
    assertEquals(await client.nextOfType("pong"), { type: "pong" });
    const stored = await sendAndAck(client, chat.id, "still here");
    assertEquals(stored.seq, 1, "none of the refused frames stored anything");
    await client.close();
  });
});

dbTest("ws - the first binary frame closes the socket with 1003 and stores nothing", async (db) => {
  await withServer(db, {}, async (server) => {
    const { people: [teacher], chat } = await schoolWithChat(db, server, ["teacher", "parent"]);
    const { client } = await connect(server, teacher);
    client.send(
      new TextEncoder().encode(
        JSON.stringify({ type: "send", clientId: "b-1", conversationId: chat.id, body: "x" }),
      ),
    );
    const closed = await client.waitClosed();
    assertEquals(closed.code, 1003);
    assertEquals(client.received.filter((f) => f.type === "ack" || f.type === "error"), []);
    const rows = await db.query(`select 1 from messages where conversation_id = $1`, [chat.id]);
    assertEquals(rows.length, 0);
  });
});

dbTest("ws - a frame over 64 KiB closes the socket with 1009", async (db) => {
  await withServer(db, async (server) => {
    const { people: [parent] } = await school(db, server, ["parent"]);
    const { client } = await connect(server, parent);
    client.send(JSON.stringify({ type: "ping", pad: "x".repeat(64 * 1024) }));
    assertEquals((await client.waitClosed()).code, 1009);
  });
});

dbTest("ws - a non-member's send, typing and read answer not_found and reach nobody", async (db) => {
  await withServer(db, async (server) => {
    const { establishment, people: [teacher, parent, outsider] } = await school(db, server, [
      "teacher",
      "parent",
      "parent",
    ]);
    const chat = await conversation(db, establishment.id, [teacher, parent]);
    // Someone of another establishment, even staff, is a stranger there too.
    const other = await school(db, server, ["admin"]);
    const member = await connect(server, parent);

    for (const stranger of [outsider, other.people[0]]) {
      const { client, hello } = await connect(server, stranger);
      assertEquals(hello.conversations, []);
      client.send({ type: "send", clientId: "intrude", conversationId: chat.id, body: "hello?" });
      assertEquals((await client.nextOfType("error")).code, "not_found");
      client.send({ type: "typing", conversationId: chat.id, typing: true });
      assertEquals((await client.nextOfType("error")).code, "not_found");
      client.send({ type: "read", conversationId: chat.id, seq: 0 });
      assertEquals((await client.nextOfType("error")).code, "not_found");
      await client.close();
    }
    // A member's ping round trip after the strangers' frames: anything they caused would be queued first.
    member.client.send({ type: "ping" });
    await member.client.nextOfType("pong");
    assertEquals(member.client.queued(), []);
    assertEquals(await listMessagesAfter(db, chat.id, 0, 10), []);
    await member.client.close();
  });
});

dbTest("ws - a send is acked to its socket and reaches the other tabs and members once", async (db) => {
  await withServer(db, async (server) => {
    const { people: [teacher, parent], chat } = await schoolWithChat(db, server, ["teacher", "parent"]);
    const tab1 = await connect(server, teacher);
    const tab2 = await connect(server, teacher);
    const other = await connect(server, parent);

    tab1.client.send({ type: "send", clientId: "m-1", conversationId: chat.id, body: "Sortie vendredi" });
    const ack = await tab1.client.nextOfType("ack");
    assertEquals(ack.clientId, "m-1");
    const message = ack.message as Record<string, unknown>;
    assertEquals(Object.keys(message).sort(), [
      "body",
      "clientId",
      "conversationId",
      "createdAt",
      "id",
      "senderId",
      "senderName",
      "seq",
    ]);
    assertEquals([message.seq, message.body, message.senderId], [1, "Sortie vendredi", teacher.user.id]);
    assertEquals(message.clientId, "m-1", "the sender's own messages carry their clientId");
    assertEquals((await tab2.client.nextOfType("message")).message, message, "the sender's other tabs too");
    const { clientId: _, ...everyone } = message;
    assertEquals((await other.client.nextOfType("message")).message, everyone, "nobody else sees it");

    for (const { client } of [tab1, tab2, other]) {
      client.send({ type: "ping" });
      await client.nextOfType("pong");
      assertEquals(client.queued(), [], "nothing else, in particular no second copy");
    }
    assertEquals(
      tab1.client.received.filter((f) => f.type === "message"),
      [],
      "the sender gets the ack only",
    );
    await Promise.all([tab1, tab2, other].map(({ client }) => client.close()));
  });
});

dbTest("ws - pipelined sends are stored in frame order and answered in frame order", async (db) => {
  const many = { capacity: 1000, perSecond: 1000 };
  const realtime = { maxPipelinedSends: 8, sendRate: many, frameRate: many };
  await withServer(db, { realtime }, async (server) => {
    const { people: [teacher, parent], chat } = await schoolWithChat(db, server, ["teacher", "parent"]);
    const sender = await connect(server, teacher);
    const other = await connect(server, parent);
    const count = 30;
    for (let i = 0; i < count; i++) {
      if (i === 10) {
        sender.client.send({ type: "send", clientId: "p-3", conversationId: chat.id, body: "again" });
      }
      if (i === 20) {
        sender.client.send({ type: "send", clientId: "p-x", conversationId: crypto.randomUUID(), body: "?" });
      }
      sender.client.send({ type: "send", clientId: `p-${i}`, conversationId: chat.id, body: `n°${i}` });
    }
    const answers: { type: string; clientId?: string; seq?: number }[] = [];
    while (answers.length < count + 2) {
      const frame = await sender.client.next((f) => f.type === "ack" || f.type === "error");
      const message = frame.message as { seq: number } | undefined;
      answers.push({ type: frame.type as string, clientId: frame.clientId as string, seq: message?.seq });
    }
    const expected: typeof answers = Array.from(
      { length: count },
      (_, i) => ({ type: "ack", clientId: `p-${i}`, seq: i + 1 }),
    );
    expected.splice(20, 0, { type: "error", clientId: "p-x", seq: undefined });
    expected.splice(10, 0, { type: "ack", clientId: "p-3", seq: 4 });
    assertEquals(
      answers,
      expected,
      "answers in frame order; seqs in frame order; the repeat acks the original",
    );
    const seen: number[] = [];
    while (seen.length < count) {
      seen.push(((await other.client.nextOfType("message")).message as { seq: number }).seq);
    }
    assertEquals(seen, Array.from({ length: count }, (_, i) => i + 1));
    const stored = await listMessagesAfter(db, chat.id, 0, 100);
    assertEquals(stored.map((m) => m.body), Array.from({ length: count }, (_, i) => `n°${i}`));
    await Promise.all([sender.client.close(), other.client.close()]);
  });
});

dbTest(
  "ws - a repeated clientId stores one row and acks the original, also after a reconnect",
  async (db) => {
    await withServer(db, async (server) => {
      const { people: [teacher], chat } = await schoolWithChat(db, server, ["teacher", "parent"]);
      const first = await connect(server, teacher);
      const original = await sendAndAck(first.client, chat.id, "Une seule fois", "retry-1");
      const again = await sendAndAck(first.client, chat.id, "Une seule fois", "retry-1");
      assertEquals(again, original);
      await first.client.close();

      const second = await connect(server, teacher);
      assertEquals(await sendAndAck(second.client, chat.id, "Une seule fois", "retry-1"), original);
      assertEquals((await listMessagesAfter(db, chat.id, 0, 10)).map((m) => m.id), [original.id]);
      await second.client.close();
    });
  },
);

dbTest("ws - closing the server stores and acks the send in flight, then closes with 1012", async (db) => {
  // Holds the answer of the next group-commit statement (the in-flight send's) until released, so
  // the close surely begins while that send is being stored.
  let hold: { reached: PromiseWithResolvers<void>; release: PromiseWithResolvers<void> } | undefined;
  const gated: Database = {
    ...db,
    query: async <T>(sql: string, params?: readonly unknown[]) => {
      const rows = await db.query<T>(sql, params);
      const gate = sql.includes("INSERT INTO messages") ? hold : undefined;
      if (gate) {
        hold = undefined;
        gate.reached.resolve();
        await gate.release.promise;
      }
      return rows;
    },
  };
  const server = await startTestServer(gated);
  const { people: [teacher], chat } = await schoolWithChat(db, server, ["teacher", "parent"]);
  const { client } = await connect(server, teacher);
  await sendAndAck(client, chat.id, "À demain"); // the socket works
  hold = { reached: Promise.withResolvers(), release: Promise.withResolvers() };
  const gate = hold;
  client.send({ type: "send", clientId: "in-flight", conversationId: chat.id, body: "Bonne soirée" });
  await withTimeout(gate.reached.promise, 10_000, { what: "the in-flight send's statement" });
  const closing = server.close();
  gate.release.resolve();
  const closed = await client.waitClosed();
  await closing;
  assertEquals(closed.code, 1012);
  const ack = client.received.find((f) => f.type === "ack" && f.clientId === "in-flight");
  assert(ack, `the in-flight send was acked before the close; got ${JSON.stringify(client.received)}`);
  const message = ack.message as { id: string; body: string };
  const stored = await listMessagesAfter(db, chat.id, 0, 10);
  assertEquals(
    stored.map((m) => [m.id, m.body]),
    [[stored[0]!.id, "À demain"], [message.id, "Bonne soirée"]],
    "the in-flight send was stored, as acked",
  );
  const refused = await WsClient.connect(server.url, { cookie: teacher.cookie }).then(
    () => false,
    () => true,
  );
  assert(refused, "no new socket after the server closed");
});

/**
 * Reconnecting without extra requests: a socket opened with `?resume=1` names the last seq it holds
 * per conversation in its first frame, and `hello` carries the missed messages where they are few
 * (saying `fetch` where they are many). And a reader too slow for the server is told to resync
 * rather than fed an unbounded queue.
 */
import { assert, assertEquals } from "./support/assert.ts";
import { dbTest, sharesPglite } from "./support/databases.ts";
import { startTestServer, withServer } from "./support/server.ts";
import { connect, conversation, school, schoolWithChat, sendAndAck } from "./support/realtime_fixtures.ts";
import { RawWsClient, WsClient } from "./support/ws_client.ts";

sharesPglite();

interface HelloConversation {
  id: string;
  lastSeq: number;
  messages?: { seq: number; body: string; clientId?: string }[];
  fetch?: true;
}

dbTest("resume - hello carries the few messages missed, and says fetch for many", async (db) => {
  await withServer(db, { realtime: { helloMissedPerConversation: 5 } }, async (server) => {
    const { establishment, people: [teacher, parent, other] } = await school(db, server, [
      "teacher",
      "parent",
      "parent",
    ]);
    const few = await conversation(db, establishment.id, [teacher, parent]);
    const many = await conversation(db, establishment.id, [teacher, parent, other]);
    const sender = await connect(server, teacher);
    for (let i = 1; i <= 3; i++) await sendAndAck(sender.client, few.id, `peu ${i}`);
    for (let i = 1; i <= 8; i++) await sendAndAck(sender.client, many.id, `beaucoup ${i}`);

    const client = await WsClient.connect(server.url, { cookie: parent.cookie, query: "resume=1" });
    client.send({ type: "resume", conversations: [{ id: few.id, seq: 1 }, { id: many.id, seq: 0 }] });
    const hello = await client.nextOfType("hello");
    const byId = new Map((hello.conversations as HelloConversation[]).map((c) => [c.id, c]));
    assertEquals(byId.get(few.id)?.messages?.map((m) => [m.seq, m.body]), [[2, "peu 2"], [3, "peu 3"]]);
    assertEquals(byId.get(few.id)?.fetch, undefined);
    assertEquals(byId.get(many.id)?.fetch, true, "8 missed, more than the 5 hello carries");
    assertEquals(byId.get(many.id)?.messages, undefined);
    // The socket carries what follows hello, once.
    await sendAndAck(sender.client, few.id, "peu 4");
    const next = await client.nextOfType("message");
    assertEquals((next.message as { seq: number }).seq, 4);
    await Promise.all([client.close(), sender.client.close()]);
  });
});

dbTest("resume - a socket without ?resume=1 gets the plain hello at once", async (db) => {
  await withServer(db, async (server) => {
    const { people: [teacher, parent], chat } = await schoolWithChat(db, server, ["teacher", "parent"]);
    const sender = await connect(server, teacher);
    await sendAndAck(sender.client, chat.id, "un");
    const { client, hello } = await connect(server, parent);
    assertEquals(hello.conversations, [{
      id: chat.id,
      establishmentId: chat.establishmentId,
      lastSeq: 1,
      readSeq: 0,
      unread: 1,
    }]);
    // A resume frame after hello is not a frame of the protocol: refused, the socket stays open.
    client.send({ type: "resume", conversations: [] });
    assertEquals((await client.nextOfType("error")).code, "bad_request");
    await Promise.all([client.close(), sender.client.close()]);
  });
});

dbTest("resume - the sender's own missed messages carry their clientId, nobody else's do", async (db) => {
  await withServer(db, async (server) => {
    const { people: [teacher, parent], chat } = await schoolWithChat(db, server, ["teacher", "parent"]);
    const sender = await connect(server, teacher);
    await sendAndAck(sender.client, chat.id, "à moi", "mine-1");
    for (const [person, expected] of [[teacher, "mine-1"], [parent, undefined]] as const) {
      const client = await WsClient.connect(server.url, { cookie: person.cookie, query: "resume=1" });
      client.send({ type: "resume", conversations: [{ id: chat.id, seq: 0 }] });
      const hello = await client.nextOfType("hello");
      const [state] = hello.conversations as HelloConversation[];
      assertEquals(state?.messages?.map((m) => m.clientId), [expected]);
      await client.close();
    }
    await sender.client.close();
  });
});

dbTest(
  "resume - a stalled reader is told to resync, keeps its socket, and the others get everything",
  async (db) => {
    const server = await startTestServer(db, {
      realtime: {
        // A resync at 21 waiting frames (of 8000 UTF-16 units, under the 512 Ki-character bound),
        // while at most 9 sends follow it: no second overflow.
        maxOutboxFrames: 20,
        sendRate: { capacity: 5000, perSecond: 5000 },
        frameRate: { capacity: 5000, perSecond: 5000 },
      },
    });
    try {
      const { people: [teacher, parent, slow], chat } = await schoolWithChat(db, server, [
        "teacher",
        "parent",
        "parent",
      ]);
      const sender = await connect(server, teacher);
      const reader = await connect(server, parent);
      const stalled = await RawWsClient.connect(server.url, { cookie: slow.cookie });
      const stats = () => server.services.realtime.stats();
      const body = "😀".repeat(4000); // 4000 code points, 16 kB of UTF-8
      let sent = 0;
      let acked = 0;
      while (stats().resyncs === 0) {
        assert(sent < 3000, "the stalled socket was never told to resync");
        while (sent - acked < 8) {
          sender.client.send({
            type: "send",
            clientId: `big-${sent++}`,
            conversationId: chat.id,
            body,
          });
        }
        assertEquals((await sender.client.next((f) => f.type === "ack" || f.type === "error")).type, "ack");
        acked++;
      }
      while (acked < sent) {
        assertEquals((await sender.client.next((f) => f.type === "ack" || f.type === "error")).type, "ack");
        acked++;
      }
      assertEquals(stats().sockets, 3, "told to resync, not closed");
      const last = await sendAndAck(sender.client, chat.id, "fin");
      // Reading again: messages in order, one resync frame, then what follows its lastSeq.
      const seqs: number[] = [];
      let resync: { lastSeq: number } | undefined;
      for (let frames = 0; frames < sent + 10; frames++) {
        const frame = await stalled.readFrame(20_000);
        assert(frame !== null && frame.opcode === 1, `a text frame, not ${frame?.opcode}`);
        const parsed = JSON.parse(new TextDecoder().decode(frame.payload));
        if (parsed.type === "resync") {
          assertEquals(resync, undefined, "one resync frame");
          assertEquals(parsed.conversations.length, 1);
          resync = parsed.conversations[0];
          seqs.push(-1);
        }
        if (parsed.type === "message") seqs.push(parsed.message.seq);
        if (parsed.type === "message" && parsed.message.seq === last.seq) break;
      }
      assert(resync !== undefined, "a resync frame came");
      const cut = seqs.indexOf(-1);
      const before = seqs.slice(0, cut);
      const after = seqs.slice(cut + 1);
      assertEquals(before, before.map((_, i) => i + 1), "before it, messages from 1 without gaps");
      assertEquals(after, after.map((_, i) => resync!.lastSeq + 1 + i), "after it, from its lastSeq on");
      assertEquals(after.at(-1), last.seq);
      stalled.close();
      const seen: number[] = [];
      while (seen.length < last.seq) {
        seen.push(
          ((await reader.client.nextOfType("message")).message as { seq: number }).seq,
        );
      }
      assertEquals(seen, seen.map((_, i) => i + 1), "the reader got everything");
      await Promise.all([sender.client.close(), reader.client.close()]);
    } finally {
      await server.close();
    }
  },
  { kinds: ["postgres"] },
);

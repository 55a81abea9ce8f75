/**
 * Delivery across instances: two Préau instances in this process, each on its own PostgreSQL
 * pool and LISTEN connection, linked ONLY by the tier under test (BroadcastChannel is left out of
 * the PostgreSQL tests, since it also links objects of one isolate).
 */
import { assert, assertEquals } from "./support/assert.ts";
import { sanitized } from "./support/databases.ts";
import { api, startTestServer } from "./support/server.ts";
import {
  clusterTest,
  connect,
  POSTGRES_TIERS,
  schoolWithChat,
  sendAndAck,
  settled,
  type StoredMessage,
  uniqueChannel,
  withoutClientId,
} from "./support/realtime_fixtures.ts";
import { listMessagesAfter } from "../db/messages.ts";
import { createPGliteDatabase } from "../db/pglite_adapter.ts";
import { migrate } from "../db/migrate.ts";

clusterTest(
  "delivery - a message sent on instance A reaches B's sockets once, through PostgreSQL alone [postgres]",
  { instances: 2, realtime: POSTGRES_TIERS },
  async ({ db, servers: [a, b] }) => {
    const { people: [teacher, parent], chat } = await schoolWithChat(db, a, ["teacher", "parent"]);
    const sender = await connect(a, teacher);
    const senderOtherTab = await connect(b, teacher);
    const receiver = await connect(b, parent);

    const stored = await sendAndAck(sender.client, chat.id, "Bonjour depuis A");
    assertEquals(stored.seq, 1);
    assertEquals((await receiver.client.nextOfType("message")).message, stored);
    // The sender's other tab, on the other instance, also learns the clientId (through the bus).
    const inOtherTab = (await senderOtherTab.client.nextOfType("message")).message as StoredMessage;
    assert(typeof inOtherTab.clientId === "string", "the sender's other tab gets the clientId");
    assertEquals(withoutClientId(inOtherTab), stored);
    const second = await sendAndAck(sender.client, chat.id, "Et encore");
    assertEquals((await receiver.client.nextOfType("message")).message, second);
    assertEquals(
      withoutClientId((await senderOtherTab.client.nextOfType("message")).message as StoredMessage),
      second,
    );
    // A marker from each instance: whatever either NOTIFY road carried would have arrived before it.
    const [onA, otherTabOnB, receiverOnB] = await settled(
      chat.id,
      [sender.client, senderOtherTab.client],
      [sender.client, senderOtherTab.client, receiver.client],
    );
    assertEquals(receiverOnB, [stored, second], "the receiver got each message once");
    assertEquals(otherTabOnB, [stored, second], "the sender's other tab got each message once");
    assertEquals(onA, [stored, second], "the sender got its acks, and no echo");
    await Promise.all([sender, senderOtherTab, receiver].map(({ client }) => client.close()));
  },
);

clusterTest(
  "delivery - one clientId sent at once on two instances stores one row, both get the same ack [postgres]",
  { instances: 2, realtime: POSTGRES_TIERS },
  async ({ db, servers: [a, b] }) => {
    const { people: [teacher, parent], chat } = await schoolWithChat(db, a, ["teacher", "parent"]);
    const onA = await connect(a, teacher);
    const onB = await connect(b, teacher);
    const receiver = await connect(b, parent);
    const [ackA, ackB] = await Promise.all([
      sendAndAck(onA.client, chat.id, "Doublon ?", "same-client-id"),
      sendAndAck(onB.client, chat.id, "Doublon ?", "same-client-id"),
    ]);
    assertEquals(ackA, ackB);
    assertEquals((await listMessagesAfter(db, chat.id, 0, 10)).map((m) => m.id), [ackA.id]);
    assertEquals((await receiver.client.nextOfType("message")).message, ackA);
    // A marker sent on A crosses the same NOTIFY road to B after any second copy would have.
    assertEquals(await settled(chat.id, [onA.client], [receiver.client]), [[ackA]], "one message, once");
    await Promise.all([onA, onB, receiver].map(({ client }) => client.close()));
  },
);

clusterTest(
  "delivery - 5 clients on 2 instances send 200 messages each: all see the database's gapless order [postgres]",
  {
    instances: 2,
    realtime: {
      ...POSTGRES_TIERS,
      sendRate: { capacity: 10_000, perSecond: 10_000 },
      frameRate: { capacity: 10_000, perSecond: 10_000 },
    },
  },
  async ({ db, servers }) => {
    const { people, chat } = await schoolWithChat(db, servers[0], [
      "teacher",
      "teacher",
      "admin",
      "teacher",
      "admin",
    ]);
    const clients = await Promise.all(people.map((person, i) => connect(servers[i % 2]!, person)));
    const PER_CLIENT = 200;
    const WINDOW = 8;

    await Promise.all(clients.map(async ({ client }, c) => {
      const acks = new Set<string>();
      for (let i = 0; i < PER_CLIENT; i++) {
        if (i >= WINDOW) {
          const ack = await client.next((f) => f.type === "ack" || f.type === "error", 30_000, "an ack");
          assertEquals(ack.type, "ack", JSON.stringify(ack));
          acks.add(ack.clientId as string);
        }
        client.send({
          type: "send",
          clientId: `c${c}-${i}`,
          conversationId: chat.id,
          body: `message ${i} of ${c}`,
        });
      }
      while (acks.size < PER_CLIENT) {
        const ack = await client.next((f) => f.type === "ack" || f.type === "error", 30_000, "an ack");
        assertEquals(ack.type, "ack", JSON.stringify(ack));
        acks.add(ack.clientId as string);
      }
    }));

    const total = PER_CLIENT * people.length;
    const stored = await listStored(db, chat.id, total);
    assertEquals(stored.map((m) => m.seq), Array.from({ length: total }, (_, i) => i + 1));
    // A marker from each instance (clients alternate between them), received by every client.
    const seen = await settled(
      chat.id,
      [clients[0]!.client, clients[1]!.client],
      clients.map((c) => c.client),
    );
    for (const messages of seen) {
      assertEquals(messages.map((m) => m.seq), stored.map((m) => m.seq), "gapless, in order, once");
      assertEquals(messages.map((m) => m.id), stored.map((m) => m.id), "the database's messages");
    }
    await Promise.all(clients.map(({ client }) => client.close()));
  },
);

clusterTest(
  "delivery - a receiver offline during sends recovers them all by hello and after=, in order, once [postgres]",
  { instances: 2, realtime: POSTGRES_TIERS },
  async ({ db, servers: [a, b] }) => {
    const { people: [teacher, parent], chat } = await schoolWithChat(db, a, ["teacher", "parent"]);
    const sender = await connect(a, teacher);
    const first = await connect(b, parent);
    const m1 = await sendAndAck(sender.client, chat.id, "avant la coupure");
    assertEquals((await first.client.nextOfType("message")).message, m1);
    await first.client.close();

    const missed: StoredMessage[] = [];
    for (let i = 0; i < 7; i++) missed.push(await sendAndAck(sender.client, chat.id, `pendant ${i}`));

    // Reconnect and keep sending while the client resyncs: the socket carries the new ones.
    const again = await connect(b, parent);
    const state = (again.hello.conversations as { id: string; lastSeq: number }[]).find((c) =>
      c.id === chat.id
    )!;
    const live = [
      await sendAndAck(sender.client, chat.id, "après"),
      await sendAndAck(sender.client, chat.id, "fin"),
    ];
    const page = await api(b.url, parent.cookie, `/api/conversations/${chat.id}/messages?after=1`);
    const fetched = (page.body as { messages: StoredMessage[] }).messages.filter((m) =>
      m.seq <= state.lastSeq
    );
    const [pushed] = await settled(chat.id, [sender.client], [again.client]);
    assertEquals(pushed, live, "the socket carries each live message once");
    // What a client does: what it held, the gap up to hello's lastSeq over REST, then the socket.
    const merged = new Map<string, StoredMessage>();
    for (const m of [m1, ...fetched, ...pushed!]) merged.set(m.id, m);
    const all = [...merged.values()];
    assertEquals(all.map((m) => m.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assertEquals(all, [m1, ...missed, ...live]);
    assertEquals(
      pushed!.every((m) => m.seq > state.lastSeq),
      true,
      "the socket sends nothing hello covered",
    );
    await Promise.all([sender.client.close(), again.client.close()]);
  },
);

Deno.test({
  name: "delivery - BroadcastChannel alone links two instances of one process [pglite]",
  ...sanitized(),
  async fn() {
    const db = await createPGliteDatabase("memory://");
    await migrate(db);
    const options = { tiers: ["local", "broadcast"] as const, broadcastChannel: uniqueChannel() };
    const a = await startTestServer(db, { realtime: options });
    const b = await startTestServer(db, { realtime: options });
    try {
      const { people: [teacher, parent], chat } = await schoolWithChat(db, a, ["teacher", "parent"]);
      const sender = await connect(a, teacher);
      const receiver = await connect(b, parent);
      const stored = await sendAndAck(sender.client, chat.id, "par le canal");
      assertEquals((await receiver.client.nextOfType("message")).message, stored);
      receiver.client.send({ type: "typing", conversationId: chat.id, typing: true });
      const typing = await sender.client.nextOfType("typing");
      assertEquals(typing.userId, parent.user.id);
      await Promise.all([sender.client.close(), receiver.client.close()]);
    } finally {
      await a.close();
      await b.close();
      await db.close();
    }
  },
});

async function listStored(
  db: Parameters<typeof listMessagesAfter>[0],
  conversationId: string,
  total: number,
) {
  const all = [];
  while (all.length < total) {
    const page = await listMessagesAfter(db, conversationId, all.at(-1)?.seq ?? 0, 100);
    assert(page.length > 0, `only ${all.length} of ${total} messages stored`);
    all.push(...page);
  }
  return all;
}

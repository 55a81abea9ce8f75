/**
 * Protection of the realtime core: rate limits and flooding, the socket cap, slow consumers, and
 * sessions ending (logout, membership removal, expiry) closing live sockets with 4401.
 */
import { assert, assertEquals } from "./support/assert.ts";
import { dbTest, sharesPglite } from "./support/databases.ts";
import { loginCookie, startTestServer, withServer } from "./support/server.ts";
import {
  clusterTest,
  collect,
  connect,
  POSTGRES_TIERS,
  school,
  schoolWithChat,
  sendAndAck,
} from "./support/realtime_fixtures.ts";
import { RawWsClient, WsClient } from "./support/ws_client.ts";
import { removeMember } from "../domain/memberships.ts";

// dbTest shares a PGlite in this module: no sanitizer for its other tests either.
sharesPglite();

dbTest(
  "protection - sends past the burst are refused as rate_limited; a sustained flood closes with 1008",
  async (db) => {
    // Nearly no refill, so the count does not depend on how fast the database answers.
    await withServer(db, { realtime: { sendRate: { capacity: 20, perSecond: 0.01 } } }, async (server) => {
      const { people: [teacher], chat } = await schoolWithChat(db, server, ["teacher", "parent"]);
      const { client } = await connect(server, teacher);
      for (let i = 0; i < 30; i++) {
        client.send({ type: "send", clientId: `burst-${i}`, conversationId: chat.id, body: `n° ${i}` });
      }
      await client.until(
        (frames) => frames.filter((f) => f.type === "ack" || f.type === "error").length === 30,
        10_000,
        "an answer to each of the 30 sends",
      );
      const acks = client.received.filter((f) => f.type === "ack").length;
      const refused = client.received.filter((f) => f.type === "error" && f.code === "rate_limited");
      assertEquals(acks, 20, "the burst was stored");
      assertEquals(acks + refused.length, 30);
      assert(refused.every((f) => typeof f.clientId === "string"), "each refusal names its send");

      // Keep refusing: the 50th refusal within 10 s ends the connection. (Exactly that many: a client
      // still sending after the close may see its connection reset instead, see docs/protocol.md.)
      for (let i = refused.length; i < 50; i++) client.send("{flood");
      const closed = await client.waitClosed();
      assertEquals(closed.code, 1008);
      assertEquals(
        client.received.filter((f) => f.type === "error").length,
        50,
        "every refusal was answered",
      );
    });
  },
);

dbTest("protection - a user's socket beyond the cap is closed with 1008 and a reason", async (db) => {
  await withServer(db, { realtime: { maxSocketsPerUser: 3 } }, async (server) => {
    const { people: [parent] } = await school(db, server, ["parent"]);
    const open = [];
    for (let i = 0; i < 3; i++) open.push((await connect(server, parent)).client);
    const extra = await WsClient.connect(server.url, { cookie: parent.cookie });
    const closed = await extra.waitClosed();
    assertEquals(closed.code, 1008);
    assert(closed.reason.includes("at most 3"), closed.reason);
    for (const client of open) {
      client.send({ type: "ping" });
      await client.nextOfType("pong");
    }
    await open[0]!.close();
    const replacement = await connect(server, parent);
    assertEquals(replacement.hello.type, "hello", "room again once one closed");
    await Promise.all([...open, replacement.client].map((c) => c.close()));
  });
});

for (
  const route of [
    { name: "POST /api/auth/logout", path: "/api/auth/logout", form: false },
    { name: "the header's POST /fr/logout", path: "/fr/logout", form: true },
  ]
) {
  clusterTest(
    `protection - ${route.name} closes that session's sockets with 4401 on every instance within a second, others stay [postgres]`,
    // Re-checks far away: only the sign-out's event can close them.
    { instances: 2, realtime: { ...POSTGRES_TIERS, revalidateIntervalMs: 600_000, sessionSweepMs: 600_000 } },
    async ({ db, servers: [a, b] }) => {
      const { people: [teacher, parent], chat } = await schoolWithChat(db, a, ["teacher", "parent"]);
      const onA = await connect(a, parent);
      const onB = await connect(b, parent);
      const staff = await connect(a, teacher);
      // The same person signed in a second time (another device): a session of its own.
      const otherDevice = await connect(b, {
        ...parent,
        cookie: await loginCookie(a.url, parent.user.email),
      });

      const signedOutAt = Date.now();
      const res = await fetch(`${b.url}${route.path}`, {
        method: "POST",
        headers: {
          cookie: parent.cookie,
          origin: b.url,
          ...(route.form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
        },
        redirect: "manual",
      });
      await res.body?.cancel();
      assertEquals(res.status, route.form ? 303 : 204);
      const [closedA, closedB] = await Promise.all([onA.client.waitClosed(), onB.client.waitClosed()]);
      assertEquals([closedA.code, closedB.code], [4401, 4401]);
      const after = Date.now() - signedOutAt;
      assert(after < 1000, `closed ${after} ms after the sign-out`);
      const before = [onA.client.received.length, onB.client.received.length];
      await sendAndAck(staff.client, chat.id, "après la déconnexion");
      await otherDevice.client.nextOfType("message");
      assertEquals([onA.client.received.length, onB.client.received.length], before, "nothing reached them");
      await Promise.all([otherDevice.client.close(), staff.client.close()]);
    },
  );
}

clusterTest(
  "protection - removing a membership closes the person's sockets with 4401 on every instance within a second [postgres]",
  { instances: 2, realtime: { ...POSTGRES_TIERS, revalidateIntervalMs: 600_000 } },
  async ({ db, servers: [a, b] }) => {
    const { establishment, people: [teacher, parent], chat } = await schoolWithChat(db, a, [
      "teacher",
      "parent",
    ]);
    const onA = await connect(a, parent);
    const onB = await connect(b, parent);
    const staff = await connect(a, teacher);

    const removedAt = Date.now();
    const removed = await removeMember(db, a.services.events, {
      userId: parent.user.id,
      establishmentId: establishment.id,
    });
    assert(removed);
    assertEquals((await onA.client.waitClosed()).code, 4401);
    assertEquals((await onB.client.waitClosed()).code, 4401);
    const after = Date.now() - removedAt;
    assert(after < 1000, `closed ${after} ms after the removal`);
    const before = [onA.client.received.length, onB.client.received.length];
    await sendAndAck(staff.client, chat.id, "après le départ");
    assertEquals([onA.client.received.length, onB.client.received.length], before, "nothing reached them");
    const { client, hello } = await connect(b, parent);
    assertEquals(hello.conversations, [], "the conversation is gone from a new hello");
    await Promise.all([client.close(), staff.client.close()]);
  },
);

clusterTest(
  "protection - a session's sockets close with 4401 on every instance when it expires, not at a re-check [postgres]",
  // Sessions of 2 s, never renewed; re-checks far away, so only the expiry timer can close them.
  {
    instances: 2,
    realtime: { ...POSTGRES_TIERS, revalidateIntervalMs: 600_000 },
    sessions: { ttlSeconds: 2, renewAfterSeconds: 3600 },
  },
  async ({ db, servers: [a, b] }) => {
    const { people: [teacher, parent], chat } = await schoolWithChat(db, a, ["teacher", "parent"]);
    const token = decodeURIComponent(parent.cookie.slice("preau_session=".length));
    const { expiresAt } = await a.services.auth.authenticate(token);
    const onA = await connect(a, parent);
    const onB = await connect(b, parent);
    const [closedA, closedB] = await Promise.all([onA.client.waitClosed(), onB.client.waitClosed()]);
    assertEquals([closedA.code, closedB.code], [4401, 4401]);
    const late = Date.now() - expiresAt.getTime();
    assert(late < 1500, `closed ${late} ms after the expiry`);
    // Nothing more reaches them: a message after the close is not among their frames.
    const before = [onA.client.received.length, onB.client.received.length];
    const staff = await connect(a, { ...teacher, cookie: await loginCookie(a.url, teacher.user.email) });
    await sendAndAck(staff.client, chat.id, "après l'expiration");
    assertEquals([onA.client.received.length, onB.client.received.length], before);
    await staff.client.close();
  },
);

clusterTest(
  "protection - deleting a session row by hand closes its sockets on every instance within a second [postgres]",
  { instances: 2, realtime: { ...POSTGRES_TIERS, revalidateIntervalMs: 600_000 } },
  async ({ db, servers: [a, b] }) => {
    const { people: [teacher, parent], chat } = await schoolWithChat(db, a, ["teacher", "parent"]);
    const onA = await connect(a, parent);
    const onB = await connect(b, parent);
    const staff = await connect(a, teacher);
    const token = decodeURIComponent(parent.cookie.slice("preau_session=".length));
    const { sessionId } = await a.services.auth.authenticate(token);
    // Outside the domain: no event is published, only the sweep can notice.
    await db.query(`DELETE FROM sessions WHERE id = $1`, [sessionId]);
    const deletedAt = Date.now();
    const [closedA, closedB] = await Promise.all([onA.client.waitClosed(), onB.client.waitClosed()]);
    assertEquals([closedA.code, closedB.code], [4401, 4401]);
    const after = Date.now() - deletedAt;
    assert(after < 2000, `closed ${after} ms after the deletion`);
    const before = [onA.client.received.length, onB.client.received.length];
    await sendAndAck(staff.client, chat.id, "après la suppression");
    assertEquals([onA.client.received.length, onB.client.received.length], before);
    await staff.client.close();
  },
);

dbTest("protection - a session that expires is closed with 4401 at the next re-check", async (db) => {
  await withServer(db, { realtime: { revalidateIntervalMs: 200 } }, async (server) => {
    const { people: [parent] } = await school(db, server, ["parent"]);
    const { client } = await connect(server, parent);
    const token = decodeURIComponent(parent.cookie.slice("preau_session=".length));
    const { sessionId } = await server.services.auth.authenticate(token);
    await db.query(`update sessions set expires_at = now() - interval '1 second' where id = $1`, [sessionId]);
    assertEquals((await client.waitClosed()).code, 4401);
  });
});

dbTest("protection - a slow consumer is closed with 1013 while the others keep receiving", async (db) => {
  const server = await startTestServer(db, {
    realtime: {
      maxBufferedBytes: 256 * 1024,
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
    // Completes the handshake, then reads nothing: data piles up in the kernel, then in Deno's buffer.
    const stalled = await RawWsClient.connect(server.url, { cookie: slow.cookie });
    const sockets = () => server.services.realtime.stats().sockets;
    assertEquals(sockets(), 3);

    const body = "😀".repeat(4000); // 16 kB of UTF-8 per frame
    // Several sends in flight at once (Deno's own WebSocket client stalls ~40 ms on each large frame
    // it sends alone: Nagle's algorithm meets delayed ACKs; browsers and the server are not affected).
    let sent = 0;
    let acked = 0;
    while (sockets() === 3) {
      assert(sent < 3000, "the stalled socket was never closed");
      while (sent - acked < 32) {
        sender.client.send({ type: "send", clientId: `big-${sent++}`, conversationId: chat.id, body });
      }
      assertEquals((await sender.client.next((f) => f.type === "ack" || f.type === "error")).type, "ack");
      acked++;
    }
    while (acked < sent) {
      assertEquals((await sender.client.next((f) => f.type === "ack" || f.type === "error")).type, "ack");
      acked++;
    }
    assertEquals(sockets(), 2, "only the stalled socket was dropped");
    // Reading again, it finds the frames that were in flight, then the close frame.
    const { code, textFrames } = await stalled.readUntilClose();
    assertEquals(code, 1013);
    assert(textFrames <= sent + 1, `hello and at most the ${sent} messages, not ${textFrames} frames`);
    stalled.close();
    const seen = await collect(reader.client, chat.id, sent);
    assertEquals(
      seen.map((m) => m.seq),
      Array.from({ length: sent }, (_, i) => i + 1),
      "the reader got everything",
    );
    await Promise.all([sender.client.close(), reader.client.close()]);
  } finally {
    await server.close();
  }
}, { kinds: ["postgres"] });

/**
 * Real deployments on one PostgreSQL database: two `main.ts` processes, and `deno serve --parallel`
 * with two isolates behind one port. Clients on any of them see every message once, in order; a
 * SIGTERM closes the sockets with 1012 and ends the process.
 */
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { newPostgresDatabaseUrl, sanitized } from "./support/databases.ts";
import { loginCookie, makeLoginUser, TEST_SECRET } from "./support/server.ts";
import {
  beforeMarkers,
  hasMarkers,
  type Person,
  postgresOnly,
  sendAndAck,
  sendMarkers,
  settled,
  type StoredMessage,
  withoutClientId,
} from "./support/realtime_fixtures.ts";
import { ROOT, spawnPreau, withServe } from "./support/processes.ts";
import { type Frame, RawWsClient, WsClient } from "./support/ws_client.ts";
import { INSTANCE_HEADER } from "../server/ws_route.ts";
import { makeConversation, makeEstablishment } from "../db/factories.ts";
import { openDatabase } from "../db/open.ts";
import type { Database } from "../db/types.ts";

/** A school with `count` logged-in staff members (staff may all write to each other) and a group. */
async function staffGroup(db: Database, loginUrl: string, count: number) {
  const establishment = await makeEstablishment(db);
  const people: Person[] = [];
  for (let i = 0; i < count; i++) {
    const user = await makeLoginUser(db, { establishmentId: establishment.id, role: "teacher" });
    people.push({ user, cookie: await loginCookie(loginUrl, user.email) });
  }
  const group = await makeConversation(db, {
    establishmentId: establishment.id,
    members: people.map((p) => p.user.id),
  });
  return { people, conversationId: group.id };
}

/** A raw socket whose instance is known, keeping every text frame it reads. */
class RawReader {
  readonly frames: Frame[] = [];
  constructor(readonly raw: RawWsClient, readonly instance: string) {}

  /** Reads frames until `done` holds for those read so far, for at most `timeoutMs`. */
  async until(done: (frames: readonly Frame[]) => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.frames)) {
      const frame = await this.raw.readFrame(Math.max(1, deadline - Date.now()));
      if (frame === null) throw new Error(`the socket on isolate ${this.instance} ended`);
      if (frame.opcode !== 1) continue;
      const parsed = JSON.parse(new TextDecoder().decode(frame.payload)) as Frame;
      // A live reader answers the server's liveness ping, as the browser client does.
      if (parsed.type === "ping") {
        await this.raw.sendText(JSON.stringify({ type: "pong", nonce: parsed.nonce }));
      } else this.frames.push(parsed);
    }
  }

  /** Sends a message through this socket and resolves with it once acked. */
  send = async (conversationId: string, body: string): Promise<StoredMessage> => {
    const clientId = crypto.randomUUID();
    await this.raw.sendText(JSON.stringify({ type: "send", clientId, conversationId, body }));
    const answer = (f: Frame) => (f.type === "ack" || f.type === "error") && f.clientId === clientId;
    await this.until((frames) => frames.some(answer));
    const ack = this.frames.find(answer)!;
    if (ack.type !== "ack") throw new Error(`send refused on ${this.instance}: ${JSON.stringify(ack)}`);
    return withoutClientId(ack.message as StoredMessage);
  };
}

/** Everyone sends `each` messages (in turns); returns the acked messages by seq. */
async function exchange(senders: WsClient[], conversationId: string, each: number): Promise<StoredMessage[]> {
  const acked: StoredMessage[] = [];
  for (let i = 0; i < each; i++) {
    acked.push(
      ...await Promise.all(senders.map((client, s) => sendAndAck(client, conversationId, `${s}:${i}`))),
    );
  }
  return acked.sort((x, y) => x.seq - y.seq);
}

Deno.test({
  name: "processes - two main.ts processes on one PostgreSQL deliver every message once, in order [postgres]",
  ...postgresOnly,
  async fn() {
    const databaseUrl = await newPostgresDatabaseUrl();
    const env = { DATABASE_URL: databaseUrl, PREAU_SECRET: TEST_SECRET, PORT: "0", HOSTNAME: "127.0.0.1" };
    const args = ["run", "-A", "--unstable-bundle", "main.ts"];
    const pattern = /running at (http:\/\/127\.0\.0\.1:\d+)/;
    const [a, b] = await Promise.all([spawnPreau(args, env, pattern), spawnPreau(args, env, pattern)]);
    const db = await openDatabase({ databaseUrl, dataDir: "memory://", poolSize: 2 });
    try {
      const { people, conversationId } = await staffGroup(db, a.url, 2);
      const clients = [
        await WsClient.connect(a.url, { cookie: people[0]!.cookie }),
        await WsClient.connect(b.url, { cookie: people[1]!.cookie }),
        await WsClient.connect(b.url, { cookie: people[0]!.cookie }),
        await WsClient.connect(a.url, { cookie: people[1]!.cookie }),
      ];
      await Promise.all(clients.map((client) => client.nextOfType("hello")));
      const acked = await exchange(clients.slice(0, 2), conversationId, 10);
      assertEquals(acked.map((m) => m.seq), Array.from({ length: 20 }, (_, i) => i + 1));
      // A marker sent on each process, after which no copy of the earlier ones may still be on its way.
      const seen = await settled(conversationId, clients.slice(0, 2), clients);
      for (const messages of seen) assertEquals(messages, acked, "every message once, in order");

      const [stopA, stopB] = await Promise.all([a.stop(), b.stop()]);
      assertEquals([stopA.code, stopB.code], [0, 0], `${a.output()}\n${b.output()}`);
      for (const client of clients) assertEquals((await client.waitClosed()).code, 1012);
    } finally {
      await Promise.all([a.stop(1000), b.stop(1000)]);
      await db.close();
    }
  },
});

Deno.test({
  name:
    "processes - deno serve --parallel spreads sockets over both isolates, which deliver every message once, in order [postgres]",
  ...postgresOnly,
  async fn() {
    const readers = new Map<string, RawReader>();
    await withServe(2, async ({ served, db }) => {
      assertStringIncludes(served.output(), "with 2 threads");
      const { people, conversationId } = await staffGroup(db, served.url, 3);
      // Sockets until one landed on each isolate: the 101 answer names the instance that holds it.
      for (let attempt = 0; readers.size < 2; attempt++) {
        assert(attempt < 40, `40 sockets in a row all landed on ${[...readers.keys()]}`);
        const raw = await RawWsClient.connect(served.url, { cookie: people[attempt % 3]!.cookie });
        const instance = raw.headers.get(INSTANCE_HEADER);
        assert(instance, `the upgrade answer names its instance in ${INSTANCE_HEADER}`);
        if (readers.has(instance)) raw.close();
        else readers.set(instance, new RawReader(raw, instance));
      }
      // Two tabs each, all on the one port: the kernel spreads the connections over the isolates.
      const clients: WsClient[] = [];
      for (const person of [...people, ...people]) {
        const client = await WsClient.connect(served.url, { cookie: person.cookie });
        await client.nextOfType("hello");
        clients.push(client);
      }
      const listeners = await db.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity where datname = current_database() and query ilike 'listen%'`,
      );
      assertEquals(listeners[0]?.n, 2, "one LISTEN connection per isolate");

      const acked = await exchange(clients.slice(0, 3), conversationId, 10);
      // One more from each isolate, so that messages surely start on both.
      for (const reader of readers.values()) {
        acked.push(await reader.send(conversationId, `from ${reader.instance}`));
      }
      assertEquals(acked.map((m) => m.seq), Array.from({ length: 32 }, (_, i) => i + 1));
      // A marker from each isolate, after which no copy of the earlier ones may still be on its way.
      const markers = await sendMarkers(conversationId, [...readers.values()].map((reader) => reader.send));
      for (const client of clients) {
        await client.until((frames) => hasMarkers(frames, conversationId, markers), 30_000, "the markers");
        assertEquals(
          beforeMarkers(client.received, conversationId, markers),
          acked,
          "every message once, in order",
        );
      }
      for (const reader of readers.values()) {
        await reader.until((frames) => hasMarkers(frames, conversationId, markers));
        assertEquals(
          beforeMarkers(reader.frames, conversationId, markers),
          acked,
          `the socket on isolate ${reader.instance}: every message once, in order`,
        );
      }

      const stopped = await served.stop();
      assertEquals(
        stopped.code,
        0,
        `the process ends once BroadcastChannel and database are closed:\n${served.output()}`,
      );
      for (const client of clients) {
        // `deno serve` shuts its HTTP server down on SIGTERM before our handler runs, closing the
        // sockets itself with 1001 (Going Away); see docs/protocol.md.
        const { code } = await client.waitClosed();
        assert(code === 1001 || code === 1012, `closed with ${code}`);
      }
    }).finally(() => {
      for (const reader of readers.values()) reader.raw.close();
    });
  },
});

Deno.test({
  name: "processes - deno serve without DATABASE_URL refuses to start, saying why",
  ...sanitized(),
  async fn() {
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["serve", "-A", "--unstable-bundle", "--host", "127.0.0.1", "--port", "0", "serve.ts"],
      cwd: ROOT,
      env: { NO_COLOR: "1", DATABASE_URL: "", PREAU_SECRET: "" },
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    assert(code !== 0, "it must not run on PGlite");
    assertStringIncludes(new TextDecoder().decode(stderr), "DATABASE_URL");
  },
});

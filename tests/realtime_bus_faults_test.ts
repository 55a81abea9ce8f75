/**
 * Faults of the PostgreSQL bus: a killed LISTEN connection (reconnect + catch-up) and a silent,
 * half-open one (the heartbeat notices, the listener is rebuilt). Messages keep flowing throughout
 * and the listening instance must deliver every one, in order, once.
 */
import { assert, assertEquals } from "./support/assert.ts";
import { startTestServer, type TestServer } from "./support/server.ts";
import {
  clusterTest,
  collect,
  connect,
  type Connected,
  POSTGRES_TIERS,
  schoolWithChat,
  sendAndAck,
  settled,
  type StoredMessage,
} from "./support/realtime_fixtures.ts";
import type { MadeConversation } from "../db/factories.ts";
import { createPostgresDatabase } from "../db/postgres_adapter.ts";
import { openDatabase } from "../db/open.ts";
import type { Database } from "../db/types.ts";
import { sleep } from "../util/timeout.ts";

/** Polls `check` every 50 ms until it holds, for at most `timeoutMs`. */
async function eventually(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

async function listenBackends(db: Database): Promise<number[]> {
  const rows = await db.query<{ pid: number }>(
    `select pid from pg_stat_activity where datname = current_database() and query ilike 'listen%'`,
  );
  return rows.map((r) => r.pid);
}

clusterTest(
  "bus - killing the LISTEN connections while messages flow loses nothing on the listening instance [postgres]",
  {
    instances: 2,
    realtime: {
      ...POSTGRES_TIERS,
      sendRate: { capacity: 1000, perSecond: 1000 },
    },
  },
  async ({ db, servers: [a, b] }) => {
    const { people: [teacher, parent], chat } = await schoolWithChat(db, a, ["teacher", "parent"]);
    const sender = await connect(a, teacher);
    const receiver = await connect(b, parent);
    const sent: StoredMessage[] = [];
    for (let i = 0; i < 10; i++) sent.push(await sendAndAck(sender.client, chat.id, `avant ${i}`));

    const killed = await listenBackends(db);
    assertEquals(killed.length, 2, "one LISTEN connection per instance");
    for (const pid of killed) await db.query("select pg_terminate_backend($1, 5000)", [pid]);
    // Sent while the listeners are down or reconnecting: their NOTIFYs are lost.
    const during = await Promise.all(
      Array.from({ length: 10 }, (_, i) => sendAndAck(sender.client, chat.id, `pendant ${i}`)),
    );
    sent.push(...during.sort((x, y) => x.seq - y.seq));
    // No later message reveals the gap: only the catch-up on re-LISTEN can deliver them.
    assertEquals(
      await collect(receiver.client, chat.id, sent.length),
      sent,
      "every message, in order, once",
    );
    await eventually("new LISTEN connections", async () => {
      const now = await listenBackends(db);
      return now.length === 2 && now.every((pid) => !killed.includes(pid));
    });
    for (let i = 0; i < 10; i++) sent.push(await sendAndAck(sender.client, chat.id, `après ${i}`));
    assertEquals(await collect(receiver.client, chat.id, sent.length), sent, "and the bus works again");
    // Only now a later message: any second copy of the caught-up ones would have arrived before it.
    assertEquals(await settled(chat.id, [sender.client], [receiver.client]), [sent], "each message once");
    await Promise.all([sender.client.close(), receiver.client.close()]);
  },
);

/**
 * A TCP proxy to PostgreSQL that can freeze its current connections (open, but silent both ways:
 * a half-open path) and refuse new ones for a while (the server unreachable).
 */
class ControlledProxy {
  readonly #listener: Deno.TcpListener;
  readonly #target: { hostname: string; port: number };
  #conns: { client: Deno.TcpConn; upstream: Deno.TcpConn; frozen: boolean }[] = [];
  accepted = 0;
  /** While true, new connections are closed at once. */
  refuseNew = false;

  constructor(target: { hostname: string; port: number }) {
    this.#target = target;
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    void this.#accept();
  }

  get port(): number {
    return (this.#listener.addr as Deno.NetAddr).port;
  }

  /** Local ports of the proxy's connections to PostgreSQL (`client_port` in pg_stat_activity). */
  upstreamPorts(): number[] {
    return this.#conns.map(({ upstream }) => (upstream.localAddr as Deno.NetAddr).port);
  }

  /** From now on, the connections open so far forward nothing (a half-open path). */
  freeze(): void {
    for (const conn of this.#conns) conn.frozen = true;
  }

  close(): void {
    try {
      this.#listener.close();
    } catch { /* closed */ }
    for (const { client, upstream } of this.#conns) {
      for (const c of [client, upstream]) {
        try {
          c.close();
        } catch { /* closed */ }
      }
    }
  }

  async #accept(): Promise<void> {
    for await (const client of this.#listener) {
      if (this.refuseNew) {
        client.close();
        continue;
      }
      this.accepted++;
      const upstream = await Deno.connect(this.#target);
      const conn = { client, upstream, frozen: false };
      this.#conns.push(conn);
      void this.#pump(client, upstream, conn);
      void this.#pump(upstream, client, conn);
    }
  }

  async #pump(from: Deno.TcpConn, to: Deno.TcpConn, conn: { frozen: boolean }): Promise<void> {
    const buffer = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await from.read(buffer);
        if (n === null || conn.frozen) return; // frozen: stop forwarding, keep both sockets open
        for (let done = 0; done < n;) done += await to.write(buffer.subarray(done, n));
      }
    } catch { /* closed */ }
  }
}

/** What {@linkcode proxiedListenerTest} sets up. */
interface ProxiedListener {
  /** The test's own handle on the database. */
  db: Database;
  proxy: ControlledProxy;
  /** The instance whose LISTEN connection runs through `proxy`, under a 200 ms heartbeat. */
  listening: TestServer;
  /** A conversation between the teacher and the parent of a new school. */
  chat: MadeConversation;
  /** The teacher, connected to the other instance. */
  sender: Connected;
  /** The parent, connected to `listening`. */
  receiver: Connected;
}

/**
 * Registers a `[postgres]` test with two instances on one database: a plain one, where the `sender`
 * is connected, and `listening`, whose LISTEN connection (only it) goes through a
 * {@linkcode ControlledProxy} and where the `receiver` is connected. Closes everything afterwards.
 */
function proxiedListenerTest(name: string, fn: (setup: ProxiedListener) => Promise<void>): void {
  clusterTest(name, { instances: 1, realtime: POSTGRES_TIERS }, async (cluster) => {
    const target = new URL(cluster.url);
    const proxy = new ControlledProxy({ hostname: target.hostname, port: Number(target.port) });
    const viaProxy = new URL(cluster.url);
    viaProxy.port = String(proxy.port);
    const handle = await openDatabase({ databaseUrl: cluster.url, dataDir: "memory://", poolSize: 4 });
    const listening = await startTestServer(handle, {
      realtime: {
        ...POSTGRES_TIERS,
        heartbeatMs: 200,
        heartbeatTimeoutMs: 1000,
        openListener: () => createPostgresDatabase(viaProxy.href, { poolSize: 1, connectTimeoutSeconds: 3 }),
      },
    });
    try {
      const [a] = cluster.servers;
      const { people: [teacher, parent], chat } = await schoolWithChat(cluster.db, a, ["teacher", "parent"]);
      const sender = await connect(a, teacher);
      const receiver = await connect(listening, parent);
      await fn({ db: cluster.db, proxy, listening, chat, sender, receiver });
    } finally {
      await listening.close();
      await handle.close();
      proxy.close();
    }
  });
}

proxiedListenerTest(
  "bus - a silent LISTEN connection is caught by the heartbeat and rebuilt; nothing is lost [postgres]",
  async ({ proxy, listening, chat, sender, receiver }) => {
    const sent = [await sendAndAck(sender.client, chat.id, "avant le silence")];
    await collect(receiver.client, chat.id, 1);
    assertEquals(proxy.accepted, 1, "the LISTEN runs through the proxy");

    proxy.freeze();
    for (let i = 0; i < 5; i++) sent.push(await sendAndAck(sender.client, chat.id, `dans le silence ${i}`));
    const seen = await collect(receiver.client, chat.id, sent.length);
    assertEquals(seen, sent, "caught up from the database while the listener was silent");

    await eventually(
      "a rebuilt, healthy listener",
      () => proxy.accepted >= 2 && listening.services.realtime.stats().listening === true,
    );
    for (let i = 0; i < 5; i++) sent.push(await sendAndAck(sender.client, chat.id, `après ${i}`));
    assertEquals(await collect(receiver.client, chat.id, sent.length), sent);
    assertEquals(await settled(chat.id, [sender.client], [receiver.client]), [sent], "each message once");
    await Promise.all([sender.client.close(), receiver.client.close()]);
  },
);

proxiedListenerTest(
  "bus - a killed LISTEN connection that cannot reconnect at once still loses nothing [postgres]",
  async ({ db, proxy, listening, chat, sender, receiver }) => {
    const sent = [await sendAndAck(sender.client, chat.id, "avant")];
    await collect(receiver.client, chat.id, 1);

    // The listening instance's LISTEN backend: the one whose client port is the proxy's outgoing one.
    const before = await listenBackends(db);
    assertEquals(before.length, 2, "one LISTEN connection per instance");
    proxy.refuseNew = true;
    const [mine] = await db.query<{ pid: number }>(
      `select pid from pg_stat_activity where pid = any($1::int[]) and client_port = any($2::int[])`,
      [before, proxy.upstreamPorts()],
    );
    assert(mine, "the proxied LISTEN backend is found through pg_stat_activity");
    await db.query("select pg_terminate_backend($1, 5000)", [mine.pid]);
    // The LISTEN is gone and cannot come back yet: these NOTIFYs are lost for that instance.
    for (let i = 0; i < 5; i++) sent.push(await sendAndAck(sender.client, chat.id, `sans écoute ${i}`));
    proxy.refuseNew = false;
    // No later message reveals the gap: only the catch-up when listening again can deliver them.
    assertEquals(
      await collect(receiver.client, chat.id, sent.length),
      sent,
      "every message, in order, once",
    );
    await eventually("a healthy listener", () => listening.services.realtime.stats().listening === true);
    assertEquals(await settled(chat.id, [sender.client], [receiver.client]), [sent], "each message once");
    await Promise.all([sender.client.close(), receiver.client.close()]);
  },
);

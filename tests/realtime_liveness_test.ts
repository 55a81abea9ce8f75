/**
 * Time-based slow-reader detection: the server pings every socket (`{"type":"ping","nonce"}`) and
 * closes with 1013 the ones that do not answer `pong` with that nonce in time. Bytes alone cannot
 * catch a reader that stopped: the kernel's socket buffers absorb megabytes first.
 */
import { assert, assertEquals } from "./support/assert.ts";
import { dbTest } from "./support/databases.ts";
import { connect, schoolWithChat } from "./support/realtime_fixtures.ts";
import { startTestServer, type TestServer } from "./support/server.ts";
import type { Database } from "../db/types.ts";
import { RawWsClient, WsClient } from "./support/ws_client.ts";
import { sleep } from "../util/timeout.ts";

const PING_MS = 300;
const PONG_TIMEOUT_MS = 300;

/** A test server pinging every PING_MS and waiting PONG_TIMEOUT_MS for the answer. */
function livenessServer(db: Database): Promise<TestServer> {
  return startTestServer(db, { realtime: { livenessPingMs: PING_MS, livenessTimeoutMs: PONG_TIMEOUT_MS } });
}

dbTest(
  "liveness - a socket that stops reading is closed with 1013 within the ping bound; one that answers stays",
  async (db) => {
    const server = await livenessServer(db);
    try {
      const { people: [teacher, parent], chat } = await schoolWithChat(db, server, ["teacher", "parent"]);
      const live = await connect(server, teacher);
      // Completes the handshake, then never reads: its kernel buffer is nowhere near full.
      const stopped = await RawWsClient.connect(server.url, { cookie: parent.cookie });
      const openedAt = Date.now();
      const sockets = () => server.services.realtime.stats().sockets;
      assertEquals(sockets(), 2);
      while (sockets() === 2) {
        assert(Date.now() - openedAt < 10_000, "the stopped reader was never closed");
        await sleep(20);
      }
      const tookMs = Date.now() - openedAt;
      // hello is sent at once; the first ping after PING_MS; closed PONG_TIMEOUT_MS later (+ scheduling).
      assert(tookMs <= PING_MS + PONG_TIMEOUT_MS + 1_000, `closed after ${tookMs} ms`);
      assertEquals(sockets(), 1, "only the stopped reader was closed");
      // Reading at last, it finds hello, the unanswered ping, then the close frame.
      const { code, textFrames } = await stopped.readUntilClose(5_000);
      assertEquals(code, 1013);
      assertEquals(textFrames, 2);
      stopped.close();

      // The reader that answers its pings is still here many ping periods later, and still delivers.
      await sleep(PING_MS * 4);
      assert(live.client.pings >= 4, `${live.client.pings} pings answered`);
      const other = await WsClient.connect(server.url, { cookie: parent.cookie });
      await other.nextOfType("hello");
      other.send({
        type: "send",
        clientId: crypto.randomUUID(),
        conversationId: chat.id,
        body: "toujours là",
      });
      await live.client.nextOfType("message");
      await Promise.all([live.client.close(), other.close()]);
    } finally {
      await server.close();
    }
  },
  { kinds: ["pglite"] },
);

dbTest(
  "liveness - a pong with the wrong nonce does not count; the socket is closed with 1013",
  async (db) => {
    const server = await livenessServer(db);
    try {
      const { people: [teacher] } = await schoolWithChat(db, server, ["teacher", "parent"]);
      const client = await WsClient.connect(server.url, { cookie: teacher.cookie, answerPings: false });
      await client.nextOfType("hello");
      // A client that answers blindly (not having read the ping) is no live reader.
      client.send({ type: "pong", nonce: "not-the-nonce" });
      const closed = await client.waitClosed(5_000);
      assertEquals(closed.code, 1013);
      assert(client.pings >= 1);
    } finally {
      await server.close();
    }
  },
  { kinds: ["pglite"] },
);

/**
 * A PostgreSQL restart is an expected state, not a bug: two instances on a PostgreSQL server of the
 * test's own, restarted (`pg_ctl stop -m immediate|fast`, then started again) while people send.
 * Sends caught in it are answered `unavailable` (retryable), never `internal`; `/readyz` answers 503
 * while the server is down; the log gets one line per handle when the outage starts and one when it
 * ends, no stack trace; and every conversation delivers across both instances again within 5 s of
 * the server's return.
 */
import { assert, assertEquals } from "./support/assert.ts";
import { startPostgresCluster } from "./support/postgres_cluster.ts";
import { captureLog } from "./support/log_capture.ts";
import { postgresOnly, school, withoutClientId } from "./support/realtime_fixtures.ts";
import { startTestServer, type TestServer } from "./support/server.ts";
import { type Frame, WsClient } from "./support/ws_client.ts";
import { openDatabase } from "../db/open.ts";
import { migrate } from "../db/migrate.ts";
import { makeConversation } from "../db/factories.ts";
import type { Database } from "../db/types.ts";
import { deploymentOptions } from "../realtime/options.ts";
import { sleep } from "../util/timeout.ts";

/** The longest a conversation may stay silent after the database's return. */
const CATCH_UP_MS = 5_000;

/**
 * Sends through `client` until acked, answering `unavailable` by sending again with the same
 * clientId after a short wait, as the browser client does; any other error fails the test.
 */
async function sendUntilAcked(client: WsClient, conversationId: string, body: string): Promise<Frame[]> {
  const clientId = crypto.randomUUID();
  const refusals: Frame[] = [];
  for (let attempt = 0;; attempt++) {
    assert(attempt < 60, `no ack for ${body} after 60 attempts: ${JSON.stringify(refusals.slice(-3))}`);
    client.send({ type: "send", clientId, conversationId, body });
    const answer = await client.next(
      (f) => (f.type === "ack" || f.type === "error") && f.clientId === clientId,
      20_000,
      `the answer to ${body}`,
    );
    if (answer.type === "ack") return refusals;
    refusals.push(answer);
    assertEquals(answer.code, "unavailable", `a send during the outage: ${JSON.stringify(answer)}`);
    await sleep(250);
  }
}

for (const mode of ["immediate", "fast"] as const) {
  Deno.test({
    name:
      `database outage - during a PostgreSQL restart (-m ${mode}) sends get 'unavailable', /readyz 503, one log line each way, and every conversation on both instances delivers within 5 s of its return [postgres]`,
    ...postgresOnly,
    async fn() {
      const cluster = await startPostgresCluster();
      const servers: TestServer[] = [];
      const handles: Database[] = [];
      const clients: WsClient[] = [];
      const log = captureLog();
      try {
        const db = await openDatabase({ databaseUrl: cluster.url, dataDir: "memory://", poolSize: 2 });
        handles.push(db);
        await migrate(db);
        // The test cluster runs with synchronous_commit=off (speed); an immediate shutdown then loses
        // the last commits, as a crash would. Préau's promise assumes a durable commit: ask for it.
        await db.query("alter database postgres set synchronous_commit = on");
        for (let i = 0; i < 2; i++) {
          const handle = await openDatabase({ databaseUrl: cluster.url, dataDir: "memory://", poolSize: 4 });
          handles.push(handle);
          servers.push(
            await startTestServer(handle, {
              realtime: { ...deploymentOptions(cluster.url), tiers: ["local", "postgres"] },
            }),
          );
        }
        const [a, b] = servers as [TestServer, TestServer];
        const { establishment, people: [teacher, ...parents] } = await school(db, a, [
          "teacher",
          "parent",
          "parent",
          "parent",
        ]);
        const chats = await Promise.all(
          parents.map((parent) =>
            makeConversation(db, {
              establishmentId: establishment.id,
              members: [teacher.user.id, parent.user.id],
            })
          ),
        );
        // The teacher on instance A, each parent on instance B.
        const teacherSocket = await WsClient.connect(a.url, { cookie: teacher.cookie });
        await teacherSocket.nextOfType("hello");
        clients.push(teacherSocket);
        const parentSockets: WsClient[] = [];
        for (const parent of parents) {
          const socket = await WsClient.connect(b.url, { cookie: parent.cookie });
          await socket.nextOfType("hello");
          clients.push(socket);
          parentSockets.push(socket);
        }
        const received = (socket: WsClient, body: string) =>
          socket.until(
            (frames) =>
              frames.some((f) => f.type === "message" && (f.message as { body: string }).body === body),
            CATCH_UP_MS,
            `"${body}"`,
          );
        for (const [i, chat] of chats.entries()) {
          await sendUntilAcked(teacherSocket, chat.id, `avant ${i}`);
          await received(parentSockets[i]!, `avant ${i}`);
        }
        const linesBefore = log.lines.length;

        // Probe /readyz all along, and send while the server goes down and comes back.
        let restarting = true;
        const readiness = new Set<number>();
        const probing = (async () => {
          while (restarting) {
            const status = await fetch(`${a.url}/readyz`).then((r) => (r.body?.cancel(), r.status), () => 0);
            readiness.add(status);
            await sleep(50);
          }
        })();
        const restarted = cluster.restart(mode);
        const duringSends = chats.map((chat, i) => sendUntilAcked(teacherSocket, chat.id, `pendant ${i}`));
        for (const sending of duringSends) sending.catch(() => {}); // awaited below
        await restarted;
        const back = Date.now();
        // Every conversation delivers again, both ways, within 5 s of the return.
        await Promise.all(chats.map(async (chat, i) => {
          await sendUntilAcked(parentSockets[i]!, chat.id, `après B→A ${i}`);
          await received(teacherSocket, `après B→A ${i}`);
          await sendUntilAcked(teacherSocket, chat.id, `après A→B ${i}`);
          await received(parentSockets[i]!, `après A→B ${i}`);
        }));
        const tookMs = Date.now() - back;
        restarting = false;
        await probing;
        const refusals = (await Promise.all(duringSends)).flat();
        await Promise.all(parentSockets.map((socket, i) => received(socket, `pendant ${i}`)));
        assert(tookMs <= CATCH_UP_MS, `delivery resumed ${tookMs} ms after the database's return`);
        assert(readiness.has(503), `/readyz answered ${[...readiness]} during the restart, never 503`);
        assertEquals((await fetch(`${a.url}/readyz`).then((r) => r.json())).status, "ready");

        // Each acked send is stored once: the clientId resent during the outage made no duplicate.
        const rows = await db.query<{ body: string; n: number }>(
          "select body, count(*)::int as n from messages group by body having count(*) > 1",
        );
        assertEquals(rows, [], "no message stored twice");
        const written = log.lines.slice(linesBefore);
        assert(
          !written.some((line) => /^\s+at /.test(line)),
          `a stack trace in the log:\n${written.join("\n")}`,
        );
        const down = written.filter((line) => / is unreachable /.test(line));
        const up = written.filter((line) => / answers again after /.test(line));
        // One line per database handle that noticed (each instance's pool, the test's own).
        assert(down.length <= handles.length, `outage lines:\n${down.join("\n")}`);
        assertEquals(up.length, down.length, `recovery lines:\n${up.join("\n")}`);
        assert(refusals.every((f) => f.code === "unavailable"));
        // Nothing reached a socket twice.
        for (const socket of clients) {
          const ids = socket.received.filter((f) => f.type === "message" || f.type === "ack")
            .map((f) => withoutClientId(f.message as never).id);
          assertEquals(ids.length, new Set(ids).size, "no message delivered twice to one socket");
        }
      } catch (error) {
        log.restore();
        console.error(`server log of the failed run:\n${log.lines.join("\n")}\nfailure: ${error}`);
        throw error;
      } finally {
        log.restore();
        await Promise.all(clients.map((client) => client.close()));
        await Promise.all(servers.map((server) => server.close()));
        await Promise.all(handles.map((handle) => handle.close()));
        await cluster.stop();
      }
    },
  });
}

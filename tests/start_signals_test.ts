/**
 * `deno task start` as a person or a service manager runs it: Ctrl-C reaches the whole process
 * group (so the server gets the signal twice: directly, and forwarded by `deno task`), and a second
 * start on the same embedded data directory must not run beside the first.
 */
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { newPostgresDatabaseUrl, sanitized } from "./support/databases.ts";
import { postgresOnly } from "./support/realtime_fixtures.ts";
import { ROOT, type Running, spawnPreau } from "./support/processes.ts";
import { loginCookie, makeLoginUser, TEST_SECRET } from "./support/server.ts";
import { WsClient } from "./support/ws_client.ts";
import { makeConversation, makeEstablishment } from "../db/factories.ts";
import { openDatabase } from "../db/open.ts";

const URL_PATTERN = /running at (http:\/\/127\.0\.0\.1:\d+)/;
const BASE_ENV = { PORT: "0", HOSTNAME: "127.0.0.1", DATABASE_URL: "", PREAU_SECRET: "" };

/** `deno task start` with `env`, in a process group of its own, once it serves. */
function startTask(env: Record<string, string>): Promise<Running> {
  return spawnPreau(["task", "start"], { ...BASE_ENV, ...env }, URL_PATTERN, { processGroup: true });
}

Deno.test({
  name:
    "start - SIGINT to the whole process group of `deno task start` during sends drains: every acked message stored once, sockets closed 1012, exit 0 [postgres]",
  ...postgresOnly,
  async fn() {
    const databaseUrl = await newPostgresDatabaseUrl();
    const preau = await startTask({ DATABASE_URL: databaseUrl, PREAU_SECRET: TEST_SECRET });
    const db = await openDatabase({ databaseUrl, dataDir: "memory://", poolSize: 2 });
    try {
      const school = await makeEstablishment(db);
      const teacher = await makeLoginUser(db, { establishmentId: school.id, role: "teacher" });
      const parent = await makeLoginUser(db, { establishmentId: school.id, role: "parent" });
      const chat = await makeConversation(db, {
        establishmentId: school.id,
        members: [teacher.id, parent.id],
      });
      const socket = await WsClient.connect(preau.url, {
        cookie: await loginCookie(preau.url, teacher.email),
      });
      await socket.nextOfType("hello");
      const clientIds = Array.from({ length: 15 }, () => crypto.randomUUID());
      for (const [i, clientId] of clientIds.entries()) {
        socket.send({ type: "send", clientId, conversationId: chat.id, body: `message ${i}` });
      }
      await socket.next((f) => f.type === "ack", 10_000, "a first ack");
      // Ctrl-C in the terminal: every process of the group gets SIGINT, and `deno task` forwards
      // its own copy to the server, which therefore receives two.
      Deno.kill(-preau.child.pid, "SIGINT");
      const closed = await socket.waitClosed(15_000);
      const status = await preau.stop(20_000);
      assertEquals(closed.code, 1012, `closed with ${closed.code} ${closed.reason}`);
      assertEquals(status.code, 0, `exit status ${JSON.stringify(status)}; output:\n${preau.output()}`);
      assertStringIncludes(preau.output(), "draining");
      assertStringIncludes(preau.output(), "shutdown: closed database");

      const acked = socket.received.filter((f) => f.type === "ack").map((f) => f.clientId as string);
      assert(acked.length >= 1);
      const stored = await db.query<{ clientId: string; n: number }>(
        `select client_id as "clientId", count(*)::int as n from messages where conversation_id = $1 group by client_id`,
        [chat.id],
      );
      const count = new Map(stored.map((row) => [row.clientId, row.n]));
      for (const clientId of acked) assertEquals(count.get(clientId), 1, `acked ${clientId} stored once`);
      // Nothing was half-done: each send is either acked or was never stored.
      assertEquals(stored.length, acked.length, "every stored send was acked before the sockets closed");
      assert(clientIds.length >= acked.length);
    } finally {
      await preau.stop(2000);
      await db.close();
    }
  },
});

Deno.test({
  name:
    "start - a second `deno task start` on the same embedded data directory refuses to start and says what to do; the lock dies with its process",
  ...sanitized(),
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "preau-lock-" });
    const env = { PREAU_DATA_DIR: dataDir, PREAU_DEMO: "0" };
    let first: Running | undefined;
    let third: Running | undefined;
    try {
      first = await startTask(env);
      const second = await new Deno.Command(Deno.execPath(), {
        args: ["task", "start"],
        cwd: ROOT,
        env: { NO_COLOR: "1", ...BASE_ENV, ...env },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(60_000),
      }).output();
      const said = new TextDecoder().decode(second.stderr) + new TextDecoder().decode(second.stdout);
      assertEquals(second.code, 1, `the second start exited with ${second.code}:\n${said}`);
      assertStringIncludes(
        said,
        `the embedded database in ${dataDir} is already used by another Préau process`,
      );
      assertStringIncludes(said, "PREAU_DATA_DIR");
      assert(!said.includes("running at"), "the second start never served");
      const ready = await fetch(`${first.url}/readyz`);
      assertEquals(ready.status, 200, "the first one still serves");
      await ready.body?.cancel();

      // A process killed outright leaves no stale lock: the kernel released it.
      Deno.kill(-first.child.pid, "SIGKILL"); // `deno task` and the server it runs
      await first.stop(10_000);
      third = await startTask(env);
      const again = await fetch(`${third.url}/readyz`);
      assertEquals(again.status, 200, "a start after the holder died works");
      await again.body?.cancel();
    } finally {
      await first?.stop(2000);
      await third?.stop(5000);
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

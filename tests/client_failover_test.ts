/**
 * The browser's connection class (`client/chat_connection.ts`, run here in Deno) against two real
 * Préau processes behind a stand-in for a load balancer (each new socket goes to the next instance):
 * when the instance holding the socket is frozen (`SIGSTOP`), the client notices within 10 s and is
 * connected to the other one.
 */
import { assert, assertEquals } from "./support/assert.ts";
import { newPostgresDatabaseUrl } from "./support/databases.ts";
import { type Running, spawnMain } from "./support/processes.ts";
import { postgresOnly } from "./support/realtime_fixtures.ts";
import { loginCookie, makeLoginUser, TEST_SECRET } from "./support/server.ts";
import { chatUrl } from "./support/ws_client.ts";
import { makeEstablishment } from "../db/factories.ts";
import { openDatabase } from "../db/open.ts";
import { ChatConnection, type SocketLike } from "../client/chat_connection.ts";
import { withTimeout } from "../util/timeout.ts";

/** The freeze must show, and the other instance be reached, within this long. */
const FAILOVER_MS = 10_000;

Deno.test({
  name:
    "client failover - a client of a frozen instance (SIGSTOP) is connected to the other instance within 10 s [postgres]",
  ...postgresOnly,
  async fn() {
    const databaseUrl = await newPostgresDatabaseUrl();
    const env = { DATABASE_URL: databaseUrl, PREAU_SECRET: TEST_SECRET };
    const instances: Running[] = [];
    const db = await openDatabase({ databaseUrl, dataDir: "memory://", poolSize: 2 });
    let connection: ChatConnection | undefined;
    try {
      instances.push(await spawnMain(env), await spawnMain(env));
      const [a, b] = instances as [Running, Running];
      const school = await makeEstablishment(db);
      const teacher = await makeLoginUser(db, { establishmentId: school.id, role: "teacher" });
      const cookie = await loginCookie(a.url, teacher.email);

      // The balancer: socket n goes to instance n mod 2. `helloFrom` records who greeted.
      let sockets = 0;
      let target = a;
      const greeted: { from: Running; at: number }[] = [];
      const wakers = new Set<() => void>();
      connection = new ChatConnection({
        url: "ws://balancer/ws/chat",
        createSocket: () => {
          target = instances[sockets++ % 2]!;
          // @ts-ignore: Deno's WebSocket takes `{ headers }` as its second argument.
          return new WebSocket(chatUrl(target.url), { headers: { cookie } }) as SocketLike;
        },
        onFrame: (frame) => {
          if (frame.type !== "hello") return;
          greeted.push({ from: target, at: Date.now() });
          for (const wake of wakers) wake();
        },
        onSessionEnded: () => {},
        isOnline: () => true,
      });
      const greetedBy = (instance: Running) =>
        withTimeout(
          new Promise<number>((resolve) => {
            const check = () => {
              const hello = greeted.find((g) => g.from === instance);
              if (hello) {
                wakers.delete(check);
                resolve(hello.at);
              }
            };
            wakers.add(check);
            check();
          }),
          FAILOVER_MS * 2,
          { what: "a hello from the other instance" },
        );
      connection.start();
      await greetedBy(a);

      a.child.kill("SIGSTOP");
      const frozenAt = Date.now();
      const movedAt = await greetedBy(b);
      assert(
        movedAt - frozenAt <= FAILOVER_MS,
        `connected to the other instance ${movedAt - frozenAt} ms after the freeze`,
      );
      assertEquals(connection.state.peek(), "connected");
    } finally {
      connection?.stop();
      for (const instance of instances) {
        try {
          instance.child.kill("SIGCONT");
        } catch { /* gone */ }
      }
      await Promise.all(instances.map((instance) => instance.stop(5000)));
      await db.close();
    }
  },
});

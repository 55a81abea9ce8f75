/**
 * Sessions through `server/session.ts` from the outside: the header's sign-out ends the session's
 * sockets like the API's, and login throttling counts the real client address — under `deno task
 * serve` (the connection info `serve.ts` passes on) and behind a trusted load balancer.
 */
import { assert, assertEquals } from "./support/assert.ts";
import { dbTest, sharesPglite } from "./support/databases.ts";
import { withServe } from "./support/processes.ts";
import { postgresOnly, school } from "./support/realtime_fixtures.ts";
import { loginCookie, makeLoginUser, TEST_PASSWORD, withServer } from "./support/server.ts";
import { WsClient } from "./support/ws_client.ts";
import { makeEstablishment } from "../db/factories.ts";
import type { Database } from "../db/types.ts";

// dbTest shares a PGlite in this module: no sanitizer for its other tests either.
sharesPglite();

/** Failed logins allowed per client address (`domain/auth.ts`, `perAddress`). */
const PER_ADDRESS = 20;

/** The address each session of `userId` was opened from, oldest first. */
async function sessionAddresses(db: Database, userId: string): Promise<(string | null)[]> {
  const rows = await db.query<{ ip: string | null }>(
    `select ip from sessions where user_id = $1 order by created_at`,
    [userId],
  );
  return rows.map((row) => row.ip);
}

dbTest("sessions - the header's sign-out closes that session's sockets with 4401 at once", async (db) => {
  // The periodic re-check stays at its default (a minute): only the sign-out itself can close them.
  await withServer(db, async (server) => {
    const { people: [parent] } = await school(db, server, ["parent"]);
    const tabs = [
      await WsClient.connect(server.url, { cookie: parent.cookie, origin: server.url }),
      await WsClient.connect(server.url, { cookie: parent.cookie, origin: server.url }),
    ];
    const otherDevice = await WsClient.connect(server.url, {
      cookie: await loginCookie(server.url, parent.user.email),
    });
    await Promise.all([...tabs, otherDevice].map((client) => client.nextOfType("hello")));

    // What the browser sends when the header's "Se déconnecter" form is submitted.
    const res = await fetch(`${server.url}/fr/logout`, {
      method: "POST",
      headers: {
        cookie: parent.cookie,
        origin: server.url,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "",
      redirect: "manual",
    });
    await res.body?.cancel();
    assertEquals([res.status, res.headers.get("location")], [303, "/fr/login"]);
    for (const tab of tabs) assertEquals((await tab.waitClosed(5_000)).code, 4401);

    otherDevice.send({ type: "ping" });
    await otherDevice.nextOfType("pong");
    await otherDevice.close();
  });
});

/** `POST /api/auth/login` from `localAddress` over a connection of its own; returns the status. */
async function loginFrom(
  url: string,
  localAddress: string,
  credentials: { email: string; password: string },
): Promise<number> {
  const client = Deno.createHttpClient({ localAddress });
  try {
    const res = await fetch(`${url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(credentials),
      client,
    });
    await res.body?.cancel();
    return res.status;
  } finally {
    client.close();
  }
}

/**
 * Fails logins from `localAddress` (a new unknown email each time, so only the address limit
 * applies) until `streak` attempts in a row answer 429, each on a new connection: with the limits
 * of each isolate kept apart, that means every isolate has refused the address. Returns the count.
 */
async function exhaustAddressLimit(url: string, localAddress: string, maxAttempts: number, streak = 8) {
  let attempts = 0;
  let refusedInARow = 0;
  while (refusedInARow < streak) {
    if (++attempts > maxAttempts) {
      throw new Error(
        `no run of ${streak} refusals within ${maxAttempts} failed logins from ${localAddress}`,
      );
    }
    const status = await loginFrom(url, localAddress, {
      email: `nobody-${crypto.randomUUID()}@example.test`,
      password: "not the password",
    });
    assert(status === 401 || status === 429, `a failed login answered ${status}`);
    refusedInARow = status === 429 ? refusedInARow + 1 : 0;
  }
  return attempts;
}

Deno.test({
  name:
    "sessions - under deno serve, failed logins from 127.0.0.1 until 429 do not block a login from 127.0.0.2 [postgres]",
  ...postgresOnly,
  async fn() {
    await withServe(2, async ({ served, db }) => {
      const user = await makeLoginUser(db, {
        establishmentId: (await makeEstablishment(db)).id,
        role: "parent",
      });
      const attempts = await exhaustAddressLimit(served.url, "127.0.0.1", 2 * PER_ADDRESS + 40);
      assert(attempts > PER_ADDRESS, `the first ${PER_ADDRESS} failures are answered 401 (${attempts})`);

      // Several new connections, so that every isolate answers one with high probability.
      for (let i = 0; i < 4; i++) {
        assertEquals(
          await loginFrom(served.url, "127.0.0.2", { email: user.email, password: TEST_PASSWORD }),
          200,
          `login ${i + 1} from 127.0.0.2`,
        );
      }
      assertEquals(await sessionAddresses(db, user.id), Array(4).fill("127.0.0.2"));
      assertEquals(
        await loginFrom(served.url, "127.0.0.1", { email: user.email, password: TEST_PASSWORD }),
        429,
        "127.0.0.1 itself stays refused",
      );
    });
  },
});

dbTest(
  "sessions - behind a trusted proxy, X-Forwarded-For is the address that is limited and recorded",
  async (db) => {
    const user = await makeLoginUser(db, {
      establishmentId: (await makeEstablishment(db)).id,
      role: "parent",
    });
    await withServer(db, { trustedProxies: "127.0.0.0/8" }, async (server) => {
      const login = async (forwardedFor: string, email: string, password: string) => {
        const res = await fetch(`${server.url}/api/auth/login`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor },
          body: JSON.stringify({ email, password }),
        });
        await res.body?.cancel();
        return res.status;
      };
      const statuses: number[] = [];
      for (let i = 0; i <= PER_ADDRESS; i++) {
        // The first entry is what the client claimed; the proxy appended the address it saw.
        statuses.push(
          await login(`198.51.100.${i}, 192.0.2.1`, `nobody-${i}-${crypto.randomUUID()}@x.test`, "x"),
        );
      }
      assertEquals(statuses, [...Array(PER_ADDRESS).fill(401), 429], "one client, whatever it claimed");
      assertEquals(await login("192.0.2.2", user.email, TEST_PASSWORD), 200);
      assertEquals(await login("2001:DB8::0:7", user.email, TEST_PASSWORD), 200);
      assertEquals(await sessionAddresses(db, user.id), ["192.0.2.2", "2001:db8::7"]);
    });
  },
);

/**
 * The shared limits over real HTTP and WebSockets: each limited REST path answers `429 rate_limited`
 * with `Retry-After` past its documented limit, the limits are per person, and two instances on one
 * PostgreSQL database share the login and send limits instead of allowing twice as much.
 */
import { dbTest, sharesPglite } from "./support/databases.ts";
import { assert, assertEquals } from "./support/assert.ts";
import { api, loginCookie, makeLoginUser, type TestServer, withServer } from "./support/server.ts";
import {
  clusterTest,
  connect,
  conversation,
  POSTGRES_TIERS,
  school,
  sendAndAck,
} from "./support/realtime_fixtures.ts";
import { WsClient } from "./support/ws_client.ts";
import { makeEstablishment, makeSchoolClassWith } from "../db/factories.ts";
import type { Database } from "../db/types.ts";
import { type LimitRule, LIMITS } from "../domain/limits.ts";

// dbTest shares a PGlite in this module: no sanitizer for its other tests either.
sharesPglite();

/** Two teachers and a parent of a new school, signed in on `server`. */
async function staffRoom(db: Database, server: TestServer) {
  const school = await makeEstablishment(db);
  const member = async (role: "teacher" | "parent") => {
    const user = await makeLoginUser(db, { establishmentId: school.id, role });
    return { user, cookie: await loginCookie(server.url, user.email) };
  };
  const room = {
    school,
    teacher: await member("teacher"),
    colleague: await member("teacher"),
    parent: await member("parent"),
  };
  await makeSchoolClassWith(db, {
    establishmentId: school.id,
    teacherIds: [room.teacher.user.id, room.colleague.user.id],
    parentIds: [room.parent.user.id],
  });
  return room;
}

/**
 * Calls `request` until the first non-2xx answer, which must come after at least the limit's burst
 * and before the burst plus what refilled meanwhile; returns that answer.
 */
async function untilRefused(
  rule: LimitRule,
  request: () => Promise<{ status: number; body: unknown; headers: Headers }>,
) {
  const start = performance.now();
  for (let i = 0;; i++) {
    const res = await request();
    const refilled = ((performance.now() - start) / 1000) * rule.refillPerSecond;
    if (res.status >= 300) {
      assert(i >= rule.capacity, `refused after ${i} requests; the burst is ${rule.capacity}`);
      return res;
    }
    if (i > rule.capacity + refilled + 1) throw new Error(`still allowed after ${i + 1} requests`);
  }
}

function assertRateLimited(res: { status: number; body: unknown; headers: Headers }): void {
  assertEquals(res.status, 429, JSON.stringify(res.body));
  assertEquals((res.body as { error: { code: string } }).error.code, "rate_limited");
  assert(Number(res.headers.get("retry-after")) >= 1, "429 must say when to retry");
}

dbTest("limits - recipient search past its per-person limit answers 429 with Retry-After", async (db) => {
  await withServer(db, async (server) => {
    const { school, teacher, colleague } = await staffRoom(db, server);
    const search = (who: { cookie: string }) =>
      api(server.url, who.cookie, `/api/recipients?establishmentId=${school.id}&q=a`);
    assertRateLimited(await untilRefused(LIMITS.recipientSearches, () => search(teacher)));
    assertEquals((await search(colleague)).status, 200, "another person is not limited");
  });
});

dbTest("limits - read markers past their per-person limit answer 429 with Retry-After", async (db) => {
  await withServer(db, async (server) => {
    const { school, teacher, parent } = await staffRoom(db, server);
    const chat = await conversation(db, school.id, [teacher, parent]);
    const mark = (who: { cookie: string }) =>
      api(server.url, who.cookie, `/api/conversations/${chat.id}/read`, { method: "POST", body: { seq: 0 } });
    assertRateLimited(await untilRefused(LIMITS.readMarkers, () => mark(teacher)));
    assertEquals((await mark(parent)).status, 204, "another person is not limited");
  });
});

dbTest(
  "limits - conversation creation past its per-person limit answers 429 with Retry-After",
  async (db) => {
    await withServer(db, async (server) => {
      const { school, teacher, colleague, parent } = await staffRoom(db, server);
      const create = (who: { cookie: string }, title: string) =>
        api(server.url, who.cookie, "/api/conversations", {
          method: "POST",
          body: { establishmentId: school.id, participantIds: [parent.user.id, colleague.user.id], title },
        });
      let n = 0;
      assertRateLimited(
        await untilRefused(LIMITS.conversationCreations, () => create(teacher, `Sortie ${n++}`)),
      );
      assertEquals((await create(colleague, "Réunion")).status, 201, "another person is not limited");
    });
  },
);

dbTest(
  "limits - REST sends share the socket's send bucket: 20 in all, then 429 with Retry-After",
  async (db) => {
    await withServer(db, async (server) => {
      const { school, teacher, parent } = await staffRoom(db, server);
      const chat = await conversation(db, school.id, [teacher, parent]);
      const { client } = await connect(server, teacher);
      try {
        // Half the burst over the socket, the rest (and one more) over REST.
        for (let i = 0; i < 10; i++) await sendAndAck(client, chat.id, `socket ${i}`);
        const post = (who: { cookie: string }, i: number) =>
          api(server.url, who.cookie, `/api/conversations/${chat.id}/messages`, {
            method: "POST",
            body: { clientId: crypto.randomUUID(), body: `rest ${i}` },
          });
        let i = 0;
        const refused = await untilRefused(
          { ...LIMITS.sends, capacity: LIMITS.sends.capacity - 10 },
          () => post(teacher, i++),
        );
        assertRateLimited(refused);
        assertEquals((await post(parent, 0)).status, 201, "another person is not limited");
      } finally {
        await client.close();
      }
    });
  },
);

clusterTest(
  "limits - two instances on one database share the login failure limit [postgres]",
  { instances: 2, realtime: POSTGRES_TIERS },
  async ({ db, servers: [a, b] }) => {
    const school = await makeEstablishment(db);
    const user = await makeLoginUser(db, { establishmentId: school.id, role: "parent" });
    const login = (server: TestServer, password: string) =>
      api(server.url, undefined, "/api/auth/login", {
        method: "POST",
        body: { email: user.email, password },
      });
    const failures = LIMITS.loginFailuresPerAccount.capacity;
    for (let i = 0; i < failures; i++) {
      assertEquals((await login(i % 2 === 0 ? a : b, `guess ${i}`)).status, 401, `failure ${i + 1}`);
    }
    // Each instance alone has seen at most three failures, yet both refuse: the count is shared.
    assertRateLimited(await login(a, "correct horse battery staple"));
    assertRateLimited(await login(b, "correct horse battery staple"));
  },
);

clusterTest(
  "limits - two instances on one database share a person's send limit [postgres]",
  {
    instances: 2,
    // Nearly no refill, so the count does not depend on how fast the database answers.
    realtime: { ...POSTGRES_TIERS, sendRate: { capacity: 10, perSecond: 0.001 } },
  },
  async ({ db, servers: [a, b] }) => {
    const school = await makeEstablishment(db);
    const member = async (role: "teacher" | "parent") => {
      const user = await makeLoginUser(db, { establishmentId: school.id, role });
      return { user, cookie: await loginCookie(a.url, user.email) };
    };
    const teacher = await member("teacher");
    const parent = await member("parent");
    const chat = await conversation(db, school.id, [teacher, parent]);
    const onA = (await connect(a, teacher)).client;
    const onB = (await connect(b, teacher)).client;
    try {
      for (let i = 0; i < 8; i++) {
        onA.send({ type: "send", clientId: `a-${i}`, conversationId: chat.id, body: `a ${i}` });
        onB.send({ type: "send", clientId: `b-${i}`, conversationId: chat.id, body: `b ${i}` });
      }
      const answers = (client: typeof onA, prefix: string) =>
        client.until(
          (frames) =>
            frames.filter((f) =>
              (f.type === "ack" || f.type === "error") && String(f.clientId).startsWith(prefix)
            ).length === 8,
          10_000,
          `an answer to each of the 8 sends on instance ${prefix}`,
        );
      await Promise.all([answers(onA, "a-"), answers(onB, "b-")]);
      const acks = [...onA.received, ...onB.received].filter((f) => f.type === "ack");
      const refused = [...onA.received, ...onB.received].filter((f) =>
        f.type === "error" && f.code === "rate_limited"
      );
      assertEquals([acks.length, refused.length], [10, 6], "10 stored in all, not 10 per instance");
    } finally {
      await Promise.all([onA.close(), onB.close()]);
    }
  },
);

dbTest("limits - ten concurrent logins leave another person's socket answering pings", async (db) => {
  const unlimited = { capacity: 1e6, perSecond: 1e6 }; // pings back to back
  await withServer(db, { realtime: { frameRate: unlimited } }, async (server) => {
    const school = await makeEstablishment(db);
    const watcher = await makeLoginUser(db, { establishmentId: school.id, role: "teacher" });
    const { client } = await connect(server, {
      user: watcher,
      cookie: await loginCookie(server.url, watcher.email),
    });
    const arriving = await Promise.all(
      Array.from({ length: 10 }, () => makeLoginUser(db, { establishmentId: school.id, role: "parent" })),
    );
    try {
      let done = false;
      const logins = Promise.all(arriving.map((user) => loginCookie(server.url, user.email)))
        .finally(() => done = true);
      const roundTrips: number[] = [];
      while (!done) {
        const start = performance.now();
        client.send({ type: "ping" });
        await client.nextOfType("pong", 5000);
        if (!done) roundTrips.push(performance.now() - start);
      }
      await logins;
      assert(roundTrips.length >= 3, `only ${roundTrips.length} pings were answered while the logins ran`);
      // With hashing on the event loop nearly every ping waits behind a 19 MiB hash. The bounds are
      // generous for a loaded CI machine (PGlite shares the thread too); bench/login_bench.ts measures.
      const sorted = roundTrips.toSorted((x, y) => x - y);
      const median = sorted[Math.floor(sorted.length / 2)]!;
      const worst = sorted.at(-1)!;
      assert(median < 50, `half the pings waited over ${median.toFixed(0)} ms behind password hashing`);
      assert(worst < 1000, `a ping waited ${worst.toFixed(0)} ms behind password hashing`);
    } finally {
      await client.close();
    }
  });
});

dbTest(
  "limits - sockets from one client address beyond the cap are closed with 1008 and a reason",
  async (db) => {
    await withServer(db, { realtime: { maxSocketsPerAddress: 3 } }, async (server) => {
      const { people } = await school(db, server, ["parent", "parent", "teacher", "teacher"]);
      const open = [];
      for (const person of people.slice(0, 3)) open.push((await connect(server, person)).client);
      const extra = await WsClient.connect(server.url, { cookie: people[3]!.cookie });
      const closed = await extra.waitClosed();
      assertEquals(closed.code, 1008);
      assert(closed.reason.includes("from your network: at most 3"), closed.reason);
      await open[0]!.close();
      const replacement = await connect(server, people[3]!);
      assertEquals(replacement.hello.type, "hello", "room again once one closed");
      await Promise.all([...open, replacement.client].map((c) => c.close()));
    });
  },
);

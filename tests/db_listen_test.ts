import { assert, assertEquals } from "./support/assert.ts";
import { dbTest, freshDatabase, sanitized, sharesPglite } from "./support/databases.ts";
import { withTimeout } from "../util/timeout.ts";

// dbTest shares a PGlite in this module: no sanitizer for its other tests either.
sharesPglite();

/** Resolves with the next value pushed, or rejects after `ms` (tests never wait unbounded). */
function inbox<T>(ms = 10_000) {
  const queue: T[] = [];
  const waiters: ((value: T) => void)[] = [];
  return {
    push(value: T) {
      const waiter = waiters.shift();
      waiter ? waiter(value) : queue.push(value);
    },
    received: queue,
    next(what = "a value"): Promise<T> {
      if (queue.length > 0) return Promise.resolve(queue.shift()!);
      const { promise, resolve } = Promise.withResolvers<T>();
      waiters.push(resolve);
      return withTimeout(promise, ms, { what });
    },
  };
}

const channel = (label: string) => `Test_${label}_${crypto.randomUUID().slice(0, 8)}`;

dbTest(
  "listen - a notification reaches the subscriber with its payload, channel names are case-sensitive",
  async (db) => {
    const name = channel("RoundTrip");
    const got = inbox<string>();
    const unsubscribe = await db.listen(name, got.push);
    try {
      await db.notify(name.toLowerCase(), "other channel");
      const payload = `{"text":"héllo 'quoted' \\"double\\" ✓"}`;
      await db.notify(name, payload);
      assertEquals(await got.next("the notification"), payload);
      assertEquals(got.received, [], "the lower-cased channel is a different channel");
    } finally {
      await unsubscribe();
    }
  },
);

dbTest("listen - unsubscribing stops delivery to that subscriber only", async (db) => {
  const name = channel("Unsub");
  const stopped = inbox<string>();
  const witness = inbox<string>();
  const unsubscribeStopped = await db.listen(name, stopped.push);
  const unsubscribeWitness = await db.listen(name, witness.push);
  try {
    await db.notify(name, "1");
    assertEquals(await stopped.next(), "1");
    assertEquals(await witness.next(), "1");
    await unsubscribeStopped();
    await unsubscribeStopped(); // idempotent
    await db.notify(name, "2");
    // Both subscribers are served from the same notification, so once the witness has it, so would the other.
    assertEquals(await witness.next(), "2");
    assertEquals(stopped.received, []);
  } finally {
    await unsubscribeWitness();
  }
});

dbTest("listen - aborting the signal unsubscribes", async (db) => {
  const name = channel("Abort");
  const aborted = inbox<string>();
  const witness = inbox<string>();
  const controller = new AbortController();
  await db.listen(name, aborted.push, { signal: controller.signal });
  const unsubscribeWitness = await db.listen(name, witness.push);
  try {
    controller.abort();
    // The abort handler unsubscribes asynchronously; a round trip through the database lets it finish.
    await db.query("select 1");
    await db.notify(name, "after abort");
    assertEquals(await witness.next(), "after abort");
    assertEquals(aborted.received, []);
  } finally {
    await unsubscribeWitness();
  }
});

dbTest("listen - onListen is called once the LISTEN is active", async (db) => {
  const name = channel("OnListen");
  let calls = 0;
  const got = inbox<string>();
  const unsubscribe = await db.listen(name, got.push, { onListen: () => calls++ });
  try {
    assertEquals(calls, 1);
    await db.notify(name, "x");
    assertEquals(await got.next(), "x");
  } finally {
    await unsubscribe();
  }
});

dbTest(
  "listen - a notification sent inside a transaction arrives after commit, and its subscriber may query",
  async (db) => {
    const name = channel("InTx");
    const got = inbox<{ payload: string; count: number }>();
    const table = `notified_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
    await db.query(`create table ${table} (id int)`);
    const unsubscribe = await db.listen(name, (payload) => {
      // The usual pattern: the notification says "something changed", the subscriber reads what.
      db.query<{ n: number }>(`select count(*) as n from ${table}`).then(
        ([row]) => got.push({ payload, count: row!.n }),
        (error) => got.push({ payload: `query failed: ${error}`, count: -1 }),
      );
    });
    try {
      await db.transaction(async (tx) => {
        await tx.query(`insert into ${table} values (1)`);
        await tx.query("select pg_notify($1, $2)", [name, "inserted"]);
        assertEquals(got.received, [], "nothing is delivered before commit");
      });
      assertEquals(await got.next("the notification and the subscriber's query"), {
        payload: "inserted",
        count: 1,
      });
    } finally {
      await unsubscribe();
    }
  },
);

dbTest("listen - a throwing subscriber does not break delivery to the others", async (db) => {
  const name = channel("Throws");
  const witness = inbox<string>();
  const errors: unknown[] = [];
  const originalError = console.error;
  console.error = (...args: unknown[]) => errors.push(args);
  const unsubscribeThrowing = await db.listen(name, () => {
    throw new Error("subscriber bug");
  });
  const unsubscribeWitness = await db.listen(name, witness.push);
  try {
    await db.notify(name, "1");
    assertEquals(await witness.next(), "1");
    await db.notify(name, "2");
    assertEquals(await witness.next(), "2");
    assert(errors.length >= 1, "the subscriber's error is reported");
  } finally {
    console.error = originalError;
    await unsubscribeThrowing();
    await unsubscribeWitness();
  }
});

Deno.test({
  name:
    "listen - after the listening backend is killed, onListen fires again and notifications flow [postgres]",
  ignore: !Deno.env.get("PREAU_TEST_PG_URL") && !Deno.env.get("CI"),
  ...sanitized(),
  async fn() {
    // A database of its own, so the only LISTEN connection in it is the one under test.
    const db = await freshDatabase("postgres");
    try {
      const name = channel("Reconnect");
      const got = inbox<string>(15_000);
      const listens = inbox<number>(15_000);
      let count = 0;
      const unsubscribe = await db.listen(name, got.push, { onListen: () => listens.push(++count) });
      assertEquals(await listens.next(), 1);
      await db.notify(name, "before");
      assertEquals(await got.next(), "before");

      const backends = await db.query<{ pid: number }>(
        `select pid from pg_stat_activity
          where datname = current_database() and query ilike 'listen%' and pid <> pg_backend_pid()`,
      );
      assertEquals(backends.length, 1, "exactly one LISTEN backend");
      await db.query("select pg_terminate_backend($1)", [backends[0]!.pid]);

      assertEquals(await listens.next("onListen after the reconnect"), 2);
      await db.notify(name, "after");
      assertEquals(await got.next("a notification after the reconnect"), "after");
      await unsubscribe();
    } finally {
      await db.close();
    }
  },
});

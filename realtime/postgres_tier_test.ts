import { assert, assertEquals } from "../tests/support/assert.ts";
import type { Database, ListenOptions } from "../db/types.ts";
import type { BusEvent, PublishedEvent } from "../protocol/bus_events.ts";
import { PostgresTier } from "./postgres_tier.ts";
import { settlesWithin, sleep } from "../util/timeout.ts";

/**
 * LISTEN/NOTIFY in memory. `deafen()` makes the current listeners silent (a half-open connection:
 * nothing arrives, nothing fails); `failNotifies` makes the next NOTIFYs fail.
 */
function fakePostgres() {
  const listeners: { fn: (payload: string) => void; deaf: boolean; active: boolean }[] = [];
  const state = { listens: 0, notifies: [] as string[], failNotifies: 0 };
  const db: Database = {
    kind: "postgres",
    reachable: () => true,
    outages: () => 0,
    query: () => Promise.resolve([]),
    transaction: () => Promise.reject(new Error("not in this fake")),
    close: () => Promise.resolve(),
    listen(_channel: string, fn: (payload: string) => void, options: ListenOptions = {}) {
      state.listens++;
      const listener = { fn, deaf: false, active: true };
      listeners.push(listener);
      options.onListen?.();
      return Promise.resolve(() => {
        listener.active = false;
        return Promise.resolve();
      });
    },
    notify(_channel: string, payload: string) {
      if (state.failNotifies > 0) {
        state.failNotifies--;
        return Promise.reject(new Error("connection refused"));
      }
      state.notifies.push(payload);
      setTimeout(() => {
        for (const l of listeners) if (l.active && !l.deaf) l.fn(payload);
      }, 0);
      return Promise.resolve();
    },
  };
  return { db, state, deafen: () => listeners.forEach((l) => l.deaf = true) };
}

async function until(what: string, check: () => boolean, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

function tier(
  db: Database,
  instanceId: string,
  extra: Partial<ConstructorParameters<typeof PostgresTier>[0]> = {},
) {
  const received: BusEvent[] = [];
  const t = new PostgresTier({ db, instanceId, heartbeatMs: 20, heartbeatTimeoutMs: 150, ...extra });
  const stop = new AbortController();
  return { tier: t, received, start: () => t.subscribe((e) => received.push(e), stop.signal) };
}

const typing = (id: string): PublishedEvent => ({
  kind: "typing",
  id,
  conversationId: "c",
  userId: "u",
  name: "Léa",
  typing: true,
});

Deno.test("postgres tier - events are coalesced into one NOTIFY, skipped by their sender, handed to others", async () => {
  const pg = fakePostgres();
  const a = tier(pg.db, "A", { heartbeatMs: 60_000 });
  const b = tier(pg.db, "B", { heartbeatMs: 60_000 });
  await a.start();
  await b.start();
  await Promise.all([a.tier.publish(typing("1")), a.tier.publish(typing("2")), a.tier.publish(typing("3"))]);
  assertEquals(pg.state.notifies.length, 1, "one NOTIFY for the batch");
  await until("B receives the batch", () => b.received.filter((e) => e.kind === "typing").length === 3);
  assertEquals(a.received.filter((e) => e.kind !== "resync"), [], "no echo to the sender");
  await a.tier.close();
  await b.tier.close();
});

Deno.test("postgres tier - a silent listener is caught by the heartbeat, rebuilt, and resync is raised", async () => {
  const pg = fakePostgres();
  const warn = console.warn;
  console.warn = () => {};
  const a = tier(pg.db, "A");
  const b = tier(pg.db, "B");
  try {
    await a.start();
    await b.start();
    await until("a first heartbeat round trip", () => pg.state.notifies.length >= 3);
    assertEquals(b.tier.healthy, true);
    pg.deafen();
    await until("both listeners rebuilt", () => pg.state.listens >= 4);
    const reasons = b.received.filter((e) => e.kind === "resync").map((e) => e.kind === "resync" && e.reason);
    assert(reasons.includes("heartbeat lost"), `resync raised, got ${reasons.join(", ")}`);
    await until("healthy again", () => b.tier.healthy);
    await a.tier.publish(typing("after"));
    await until("events flow again", () => b.received.some((e) => e.kind === "typing" && e.id === "after"));
  } finally {
    console.warn = warn;
    await a.tier.close();
    await b.tier.close();
  }
});

Deno.test("postgres tier - a failed NOTIFY is retried", async () => {
  const pg = fakePostgres();
  const warn = console.warn;
  console.warn = () => {};
  const a = tier(pg.db, "A", { heartbeatMs: 60_000 });
  const b = tier(pg.db, "B", { heartbeatMs: 60_000 });
  try {
    await a.start();
    await b.start();
    pg.state.failNotifies = 2;
    void a.tier.publish(typing("retried"));
    await until("the event after retries", () => b.received.some((e) => e.kind === "typing"), 5000);
  } finally {
    console.warn = warn;
    await a.tier.close();
    await b.tier.close();
  }
});

Deno.test("postgres tier - an event published while a flush is finishing is still sent", async () => {
  const pg = fakePostgres();
  const a = tier(pg.db, "A", { heartbeatMs: 60_000, coalesceMs: 0 });
  await a.start();
  const notify = pg.db.notify.bind(pg.db);
  const late: Promise<void>[] = [];
  let depth = -1;
  // Each NOTIFY publishes one more event a growing number of microtasks later, so that one of them
  // lands between the flush loop's last check and the end of the flush.
  pg.db.notify = async (channel, payload) => {
    await notify(channel, payload);
    if (payload.includes('"hb"') || depth >= 12) return;
    const wait = ++depth;
    let chain = Promise.resolve();
    for (let i = 0; i < wait; i++) chain = chain.then(() => {});
    void chain.then(() => late.push(a.tier.publish(typing(`late-${wait}`))));
  };
  await a.tier.publish(typing("first"));
  const deadline = Date.now() + 3000;
  while (late.length < 13 && Date.now() < deadline) await sleep(5);
  const all = await settlesWithin(Promise.all(late), 3000);
  assertEquals([late.length, all], [13, true], "every late event was flushed");
  await a.tier.close();
});

import { assertEquals } from "../tests/support/assert.ts";
import { Bus } from "./bus.ts";
import type { BusEvent, PublishedEvent } from "../protocol/bus_events.ts";
import { type FanoutTier, LocalTier, type TierName } from "./tier.ts";

/** A tier whose deliveries the test triggers by hand. */
class ManualTier implements FanoutTier {
  published: PublishedEvent[] = [];
  handler: ((event: BusEvent) => void) | undefined;
  closed = false;
  constructor(readonly name: TierName) {}
  subscribe(handler: (event: BusEvent) => void) {
    this.handler = handler;
    return Promise.resolve();
  }
  publish(event: PublishedEvent) {
    this.published.push(event);
    return Promise.resolve();
  }
  close() {
    this.closed = true;
    return Promise.resolve();
  }
}

Deno.test("bus - an event arriving through two tiers is handed on once; message hints always pass", async () => {
  const bc = new ManualTier("broadcast");
  const pg = new ManualTier("postgres");
  const bus = new Bus([new LocalTier(), bc, pg]);
  const got: BusEvent[] = [];
  await bus.start((event) => got.push(event));
  const read: PublishedEvent = { kind: "read", id: "r1", conversationId: "c", userId: "u", seq: 2 };
  bc.handler!(read);
  pg.handler!(read);
  const hint: PublishedEvent = { kind: "message", conversationId: "c", seq: 4 };
  bc.handler!(hint);
  pg.handler!(hint);
  pg.handler!({ kind: "resync", reason: "test" });
  assertEquals(got, [read, hint, hint, { kind: "resync", reason: "test" }]);
});

Deno.test("bus - publish reaches every tier, the local one synchronously; close closes them", async () => {
  const pg = new ManualTier("postgres");
  const bus = new Bus([new LocalTier(), pg]);
  const got: BusEvent[] = [];
  await bus.start((event) => got.push(event));
  const event: PublishedEvent = { kind: "session_ended", id: "s1", sessionId: "x" };
  const published = bus.publish(event);
  assertEquals(got, [event], "this instance's own sockets first");
  await published;
  assertEquals(pg.published, [event]);
  await bus.close();
  assertEquals(pg.closed, true);
  pg.handler!({ kind: "session_ended", id: "s2", sessionId: "y" });
  assertEquals(got.length, 1, "nothing after close");
});

Deno.test("bus - remembered ids are bounded", async () => {
  const pg = new ManualTier("postgres");
  const bus = new Bus([new LocalTier(), pg], { rememberIds: 10 });
  const got: BusEvent[] = [];
  await bus.start((event) => got.push(event));
  for (let i = 0; i < 100; i++) pg.handler!({ kind: "conversation", id: `e${i}`, conversationId: "c" });
  pg.handler!({ kind: "conversation", id: "e99", conversationId: "c" });
  pg.handler!({ kind: "conversation", id: "e0", conversationId: "c" });
  assertEquals(got.length, 101, "a recent id is still known, a long-gone one is not");
});

import { assertEquals, assertThrows } from "../tests/support/assert.ts";
import { resolveOptions } from "./options.ts";

Deno.test("options - PGlite stays local, PostgreSQL adds BroadcastChannel and LISTEN/NOTIFY", () => {
  assertEquals(resolveOptions({}, "pglite").tiers, ["local"]);
  assertEquals(resolveOptions({}, "postgres").tiers, ["local", "broadcast", "postgres"]);
  const o = resolveOptions({ maxSocketsPerUser: 3, sendRate: undefined }, "postgres");
  assertEquals([o.maxSocketsPerUser, o.sendRate, o.maxFrameBytes], [
    3,
    { capacity: 20, perSecond: 5 },
    65536,
  ]);
});

Deno.test("options - impossible tier choices are refused with the reason", () => {
  assertThrows(() => resolveOptions({ tiers: ["postgres"] }, "postgres"), RangeError);
  assertThrows(() => resolveOptions({ tiers: ["local", "postgres"] }, "pglite"), RangeError);
});

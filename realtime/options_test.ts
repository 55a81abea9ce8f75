import { assertEquals, assertThrows } from "../tests/support/assert.ts";
import { deploymentOptions, resolveOptions } from "./options.ts";

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

Deno.test("options - a PostgreSQL deployment alone in its process leaves BroadcastChannel out; deno serve --parallel keeps it", () => {
  const alone = deploymentOptions("postgres://localhost/preau");
  assertEquals(resolveOptions(alone, "postgres").tiers, ["local", "postgres"]);
  const parallel = deploymentOptions("postgres://localhost/preau", { parallel: true });
  assertEquals(resolveOptions(parallel, "postgres").tiers, ["local", "broadcast", "postgres"]);
  assertEquals(deploymentOptions(undefined), {});
});

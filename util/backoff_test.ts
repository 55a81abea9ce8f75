import { assertEquals } from "../tests/support/assert.ts";
import { backoffDelay } from "./backoff.ts";

Deno.test("backoff - delays grow exponentially, stay within half and all of the cap, and are capped", () => {
  assertEquals(backoffDelay(0, { random: () => 0 }), 500);
  assertEquals(backoffDelay(0, { random: () => 0.999999 }), 1000);
  assertEquals(backoffDelay(3, { random: () => 0 }), 4000);
  assertEquals(backoffDelay(50, { random: () => 0.5, maxMs: 30_000 }), 22_500);
});

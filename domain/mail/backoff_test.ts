import { assert, assertEquals } from "../../tests/support/assert.ts";
import { retryDelayMs } from "./backoff.ts";

Deno.test("retryDelayMs - doubles from the base, is capped, and jitters between half and full", () => {
  assertEquals(retryDelayMs(1, { random: () => 1 - 1e-12 }), 30_000);
  assertEquals(retryDelayMs(2, { random: () => 0 }), 30_000);
  assertEquals(retryDelayMs(3, { random: () => 1 - 1e-12 }), 120_000);
  assertEquals(retryDelayMs(40, { random: () => 1 - 1e-12 }), 3_600_000);
  const spread = new Set(Array.from({ length: 20 }, () => retryDelayMs(5)));
  assert(spread.size > 1, "jitter spreads retries");
});

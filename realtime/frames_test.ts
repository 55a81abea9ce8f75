import { assertEquals } from "../tests/support/assert.ts";
import { closeReason, exceedsBytes } from "./frames.ts";

Deno.test("frames - sizes are counted in UTF-8 bytes", () => {
  assertEquals(exceedsBytes("a".repeat(100), 100), false);
  assertEquals(exceedsBytes("a".repeat(101), 100), true);
  assertEquals(exceedsBytes("é".repeat(50), 100), false);
  assertEquals(exceedsBytes("é".repeat(51), 100), true);
  assertEquals(exceedsBytes("😀".repeat(25), 100), false);
  assertEquals(exceedsBytes("😀".repeat(26), 100), true);
});

Deno.test("frames - close reasons are cut to the 123 bytes WebSocket allows", () => {
  assertEquals(closeReason("short"), "short");
  const long = closeReason("é".repeat(100));
  assertEquals(new TextEncoder().encode(long).length <= 123, true);
  assertEquals(long, "é".repeat(61));
});

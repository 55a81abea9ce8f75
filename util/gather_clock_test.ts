import { assert, assertEquals } from "../tests/support/assert.ts";
import { GatherClock } from "./gather_clock.ts";

Deno.test("gather clock - the first arrival into a quiet batcher waits for nothing; one right behind another waits its time", async () => {
  const clock = new GatherClock(30);
  const first = clock.arrive();
  assertEquals([first.busy, clock.wait(first)], [false, 0]);
  const second = clock.arrive();
  assert(second.busy);
  const left = clock.wait(second);
  assert(left > 0 && left <= 30, `waits at most gatherMs: ${left}`);
  await new Promise((resolve) => setTimeout(resolve, 40));
  assertEquals(clock.wait(second), 0, "once it has waited gatherMs, its batch starts");
  assertEquals(clock.arrive().busy, false, "40 ms after the last arrival the batcher is quiet again");
});

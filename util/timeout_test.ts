import { assert, assertEquals, assertRejects } from "../tests/support/assert.ts";
import { settlesWithin, sleep, TimeoutError, withTimeout } from "./timeout.ts";

Deno.test("timeout - a promise settling in time gives its value and leaves no timer behind", async () => {
  assertEquals(await withTimeout(Promise.resolve(7), 10_000), 7);
  const own = await assertRejects(() => withTimeout(Promise.reject(new Error("own failure")), 10_000));
  assertEquals(own.message, "own failure");
  // Deno's op sanitizer fails this test if either 10 s timer was left running.
});

Deno.test("timeout - a promise that never settles rejects with a TimeoutError naming what was awaited", async () => {
  const never = new Promise<never>(() => {});
  const error = await assertRejects(() => withTimeout(never, 5, { what: "the LISTEN" }), TimeoutError);
  assertEquals(error.message, "timed out after 5 ms waiting for the LISTEN");
});

Deno.test("timeout - after the process was paused, an answer that came meanwhile wins over the late timer", async () => {
  // Both timers come due during the pause; the wait's own runs first and must not win.
  const answer = new Promise<string>((resolve) => setTimeout(() => resolve("answer"), 20));
  const waiting = withTimeout(answer, 10, { what: "the answer" });
  const resume = performance.now() + 300;
  while (performance.now() < resume) {
    // A paused process: no timer or I/O runs.
  }
  assertEquals(await waiting, "answer");
  // A wait that truly gets no answer still times out after its grace.
  const error = await assertRejects(() => withTimeout(new Promise<never>(() => {}), 5), TimeoutError);
  assertEquals(error.message, "timed out after 5 ms waiting for an answer");
});

Deno.test("timeout - an abort ends the wait with the signal's reason", async () => {
  const controller = new AbortController();
  const waiting = withTimeout(new Promise<never>(() => {}), 10_000, { signal: controller.signal });
  controller.abort(new Error("stopping"));
  assertEquals((await assertRejects(() => waiting)).message, "stopping");
  const late = await assertRejects(() =>
    withTimeout(Promise.resolve(1), 10_000, { signal: controller.signal })
  );
  assertEquals(late.message, "stopping", "an aborted signal refuses to start waiting");
});

Deno.test("timeout - settlesWithin says whether the work settled, failures included, and never rejects", async () => {
  assertEquals(await settlesWithin(Promise.reject(new Error("x")), 10_000), true);
  assertEquals(await settlesWithin(new Promise(() => {}), 5), false);
  const controller = new AbortController();
  controller.abort();
  assertEquals(await settlesWithin(new Promise(() => {}), 10_000, controller.signal), false);
});

Deno.test("timeout - sleep waits its time and ends at once on abort", async () => {
  const started = performance.now();
  await sleep(20);
  assert(performance.now() - started >= 15, "sleep returned early");
  const controller = new AbortController();
  const sleeping = sleep(10_000, controller.signal);
  controller.abort();
  await sleeping;
});

import { assert, assertEquals, assertThrows } from "../tests/support/assert.ts";
import { RateLimiter } from "./rate_limit.ts";

/** A limiter on a hand-driven clock: 5 tokens, one back every 3 minutes (5 per 15 minutes). */
function fiveEveryFifteenMinutes(maxKeys?: number) {
  let now = 1_000_000;
  const limiter = new RateLimiter({ capacity: 5, refillPerSecond: 5 / 900, now: () => now, maxKeys });
  return { limiter, advance: (seconds: number) => (now += seconds * 1000) };
}

Deno.test("rate limit - a burst up to the capacity passes, the next attempt is refused", () => {
  const { limiter } = fiveEveryFifteenMinutes();
  for (let i = 0; i < 5; i++) assertEquals(limiter.take("a@x.test").allowed, true);
  const refused = limiter.take("a@x.test");
  assertEquals(refused.allowed, false);
  assert(Math.abs(refused.retryAfterSeconds - 180) < 1e-6, `retry after ${refused.retryAfterSeconds}`);
});

Deno.test("rate limit - tokens come back with time, never above the capacity", () => {
  const { limiter, advance } = fiveEveryFifteenMinutes();
  for (let i = 0; i < 5; i++) limiter.take("k");
  advance(179);
  assertEquals(limiter.take("k").allowed, false);
  advance(1);
  assertEquals(limiter.take("k").allowed, true);
  assertEquals(limiter.take("k").allowed, false);
  advance(10 * 3600); // hours later: a full bucket of 5, not 200
  for (let i = 0; i < 5; i++) assertEquals(limiter.take("k").allowed, true);
  assertEquals(limiter.take("k").allowed, false);
});

Deno.test("rate limit - keys are independent", () => {
  const { limiter } = fiveEveryFifteenMinutes();
  for (let i = 0; i < 5; i++) limiter.take("a");
  assertEquals(limiter.take("a").allowed, false);
  assertEquals(limiter.take("b").allowed, true);
});

Deno.test("rate limit - check does not take, refund gives back, reset forgets", () => {
  const { limiter } = fiveEveryFifteenMinutes();
  for (let i = 0; i < 5; i++) assertEquals(limiter.check("k").allowed, true);
  for (let i = 0; i < 5; i++) limiter.take("k");
  assertEquals(limiter.check("k").allowed, false);
  limiter.refund("k");
  assertEquals(limiter.take("k").allowed, true);
  assertEquals(limiter.check("k").allowed, false);
  limiter.reset("k");
  assertEquals(limiter.check("k", 5).allowed, true);
});

Deno.test("rate limit - a refused attempt takes nothing", () => {
  const { limiter, advance } = fiveEveryFifteenMinutes();
  for (let i = 0; i < 5; i++) limiter.take("k");
  for (let i = 0; i < 50; i++) limiter.take("k"); // hammering while refused does not push the wait further
  advance(180);
  assertEquals(limiter.take("k").allowed, true);
});

Deno.test("rate limit - memory stays bounded and the most recently used keys are kept", () => {
  const { limiter, advance } = fiveEveryFifteenMinutes(100);
  limiter.take("old");
  advance(900); // "old" has refilled and is now the same as no entry
  for (let i = 0; i < 99; i++) limiter.take(`busy-${i}`);
  assertEquals(limiter.size, 100);
  limiter.take("one-more");
  assert(limiter.size <= 100, `size ${limiter.size}`);
  assertEquals(limiter.check("busy-98", 5).allowed, false, "the newest partly used bucket survives eviction");
  for (let i = 0; i < 10_000; i++) limiter.take(`spray-${i}`);
  assert(limiter.size <= 100, `size ${limiter.size} after spraying`);
});

Deno.test("rate limit - a bucket refunded to full is dropped", () => {
  const { limiter } = fiveEveryFifteenMinutes();
  limiter.take("k");
  assertEquals(limiter.size, 1);
  limiter.refund("k");
  assertEquals(limiter.size, 0);
});

Deno.test("rate limit - nonsensical options are refused", () => {
  assertThrows(() => new RateLimiter({ capacity: 0, refillPerSecond: 1 }), RangeError);
  assertThrows(() => new RateLimiter({ capacity: 1, refillPerSecond: 0 }), RangeError);
});
